"""A contract check that trips over an answer it cannot read (HTML where JSON was documented, a
missing key) fails under the answers' rule, with that answer and a curl line, never as a bare
Python exception: the path in plugin.py's pytest_runtest_call, driven here as pytest drives it."""
from __future__ import annotations

import http.server
import threading
from types import SimpleNamespace

import pytest

from agent_api_contracts import clients, plugin
from agent_api_contracts.rules import RuleFailure
from agent_api_contracts.rules.answers import JSON_ANSWER

CONTRACT_CHECK = SimpleNamespace(module=SimpleNamespace(__name__="agent_api_contracts.test_services"))


class HtmlEverywhere(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><body>Welcome</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def html_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HtmlEverywhere)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_check(check):
    """Runs `check` inside the plugin's hook wrapper, as pytest does; the failure it raises."""
    wrapper = plugin.pytest_runtest_call(CONTRACT_CHECK)
    next(wrapper)
    try:
        check()
    except BaseException as error:
        with pytest.raises(BaseException) as raised:
            wrapper.throw(error)
        return raised.value
    pytest.fail("the check did not trip")


def test_a_check_that_trips_over_an_html_answer_fails_under_the_answers_rule(html_server):
    with clients.client(html_server, "Token secret") as client:
        failure = run_check(lambda: client.get("/api/marketplace-site-agent-services/").json()["uuid"])
    assert isinstance(failure, RuleFailure), repr(failure)
    [violation] = failure.violations
    assert violation.rule == JSON_ANSWER
    assert "JSONDecodeError" in violation.found and "text/html: <html><body>Welcome" in violation.found
    assert "reproduce: curl " in str(failure) and "$WALDUR_TOKEN" in str(failure) and "secret" not in str(failure)


def test_a_missing_key_found_by_hypothesis_in_several_examples_fails_under_the_answers_rule(html_server):
    with clients.client(html_server, None) as client:
        def check():
            client.get("/api/users/me/")
            raise ExceptionGroup("Hypothesis found 2 distinct failures", [KeyError("uuid"), TypeError("odd")])
        failure = run_check(check)
    assert isinstance(failure, RuleFailure), repr(failure)
    assert [violation.rule for violation in failure.violations] == [JSON_ANSWER, JSON_ANSWER]
    assert "KeyError 'uuid' while reading 200 text/html" in failure.violations[0].found


def test_a_bug_of_the_suite_own_is_shown_as_it_is():
    failure = run_check(lambda: CONTRACT_CHECK.no_such_attribute)  # not a JSON value's AttributeError
    assert isinstance(failure, AttributeError) and "no_such_attribute" in str(failure)
