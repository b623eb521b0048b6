"""The rules' verdicts as a reader of a failure sees them: the rule, what was expected, what came
back and a curl line with the credentials masked; judges never raise, whatever the body."""
from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts import citations, schemas
from agent_api_contracts.discovery import moment
from agent_api_contracts.rules import Rule, RuleFailure, enforce
from agent_api_contracts.rules.answers import ANSWERED, JSON_ANSWER, dig, json_answer, objects, unanswered
from agent_api_contracts.rules.errors import prefactor_error, waldur_error

RULE = Rule("unknown_uuids_are_404", "An object the user cannot see: 404", "docs/sources.md#errors")
URL = "http://127.0.0.1:9/api/marketplace-site-agent-services/0b8c/"


def answer(status=200, body=b"", content_type="application/json", token="Token s3cret", method="GET") -> httpx.Response:
    request = httpx.Request(method, URL, headers={"Authorization": token}, content=b'{"name": "x"}' if method == "POST" else b"")
    return httpx.Response(status, content=body, headers={"content-type": content_type}, request=request)


def test_a_violation_names_the_rule_quotes_it_and_gives_a_curl_line_without_the_secret():
    violation = waldur_error(answer(404, b"<html>Not Found</html>", "text/html", method="POST"), 404, RULE)[0]
    message = violation.message()
    assert message.splitlines()[0] == "unknown_uuids_are_404 violated"
    assert f'"An object the user cannot see: 404" ({citations.SOURCES}#errors)' in message
    assert 'expected: 404 with {"detail": "<message>"}' in message and "found: 404 text/html: <html>Not Found</html>" in message
    assert f"after: POST {URL} -> 404" in message
    assert '-H "authorization: Token $WALDUR_TOKEN"' in message and "s3cret" not in message
    assert "--data-binary '{\"name\": \"x\"}'" in message
    as_dict = violation.as_dict()
    assert as_dict["rule"] == "unknown_uuids_are_404" and as_dict["requests"][0]["status"] == 404
    assert "s3cret" not in str(as_dict) and as_dict["requests"][0]["curl"].startswith("curl -i -X POST")


def test_bearer_tokens_are_masked_as_the_prefactor_variable():
    violation = prefactor_error(answer(200, b"{}", token="Bearer pf-secret"), (401,), RULE)[0]
    assert "$PREFACTOR_TOKEN" in violation.message() and "pf-secret" not in violation.message()


def test_the_api_error_body_is_required_not_only_the_status():
    assert waldur_error(answer(404, b'{"detail": "Not found."}'), 404, RULE) == []
    assert waldur_error(answer(404, b'{"detail": "Not found."}', "text/html"), 404, RULE)
    assert waldur_error(answer(404, b'{"error": "Not found."}'), 404, RULE)
    assert waldur_error(answer(404, b""), 404, RULE)
    assert prefactor_error(answer(401, b'{"status": "error", "code": "bad_authtoken", "message": "no"}'), (401,), RULE) == []
    assert prefactor_error(answer(401, b'{"detail": "no"}'), (401,), RULE)


@settings(deadline=None)
@given(body=st.binary(max_size=64) | st.text(max_size=64).map(str.encode),
       content_type=st.sampled_from(["application/json", "text/html", "text/plain", ""]),
       status=st.sampled_from([200, 204, 401, 404, 500]))
def test_judges_never_raise_whatever_the_body(body, content_type, status):
    response = answer(status, body, content_type)
    for verdict in (waldur_error(response, 404, RULE), prefactor_error(response, (401,), RULE), json_answer(response)):
        assert isinstance(verdict, list)
    for read in (lambda: dig(response, "agents", 0, "uuid"), lambda: objects(response)):
        try:
            read()
        except RuleFailure as failure:
            assert failure.violations[0].rule is JSON_ANSWER and "reproduce: curl" in str(failure)


def test_a_missing_key_is_a_violation_that_names_the_path_and_shows_the_body():
    with pytest.raises(RuleFailure) as failure:
        dig(answer(200, b'{"agents": [{"name": "a"}]}'), "agents", 0, "uuid")
    assert "expected: the body to hold agents.0.uuid" in str(failure.value)
    assert 'found: 200 application/json: {"agents": [{"name": "a"}]}' in str(failure.value)


@pytest.mark.parametrize("error", [httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("peer closed connection")])
def test_a_request_without_an_answer_fails_every_request_gets_an_http_answer(error):
    error.request = httpx.Request("GET", URL, headers={"Authorization": "Token s3cret"})
    failure = unanswered(error)
    assert failure.violations[0].rule is ANSWERED
    assert "no answer" in str(failure) and "reproduce: curl -i -X GET" in str(failure) and "s3cret" not in str(failure)


def test_the_old_check_style_still_fails_with_the_rule():
    with pytest.raises(AssertionError, match="unknown_uuids_are_404 violated"):
        RULE.check(False, "status 500", answer(500))
    RULE.check(True, "fine")
    enforce([], RULE.judge(True, "", ""))


def test_schemas_validate_a_body_against_the_documented_answer():
    assert schemas.validate("waldur", "marketplace_site_agent_services_list", 200, []) == []
    errors = schemas.validate("waldur", "marketplace_site_agent_services_list", 200, [{"uuid": "x"}])
    assert any("'identity_name' is a required property" in error for error in errors)
    assert schemas.validate("prefactor", "create_agent", 401, {"status": "error", "code": "x", "message": "m"}) == []


@pytest.mark.parametrize("text", ["2025-01-06T09:00:00Z", "2025-01-06T09:00:00.123456Z", "2025-01-06T10:00:00+01:00",
                                  "2025-01-06t09:00:00.1z", "2025-01-06T09:00:00.123456789+00:00"])
def test_any_rfc_3339_date_time_is_read(text):
    assert moment(text).utcoffset() is not None and moment(text).replace(microsecond=0).isoformat().startswith("2025-01-06T")


def every_rule():
    import importlib
    import pkgutil

    import agent_api_contracts.rules as package
    for module in pkgutil.iter_modules(package.__path__):
        for value in vars(importlib.import_module(f"{package.__name__}.{module.name}")).values():
            if isinstance(value, Rule):
                yield value


def anchors_of_sources_md() -> set[str]:
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "docs" / "sources.md").read_text(encoding="utf-8")
    return {re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", text, re.M)}


def test_every_rule_cites_a_published_page_or_an_existing_section_of_docs_sources_md():
    import re
    from pathlib import Path
    seeds = {path.name for path in (Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("*.txt")} or {
        "000_5b7b95424e9abc49.txt", "001_9ef0908d22537e32.txt", "002_eed0c27112d17246.txt", "003_f346a92e67d3796b.txt",
        "004_55ea5678c29a24e2.txt"}
    anchors = anchors_of_sources_md()
    rules = list(every_rule())
    assert len(rules) >= 30
    for rule in rules:
        assert "notes/" not in rule.source, f"{rule.name} cites the notes, which no user of the suite has"
        cited_pages = set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", rule.source))
        cited_anchors = set(re.findall(r"docs/sources\.md#([a-z0-9_-]+)", rule.source))
        assert cited_pages or cited_anchors, f"{rule.name} cites neither a page nor docs/sources.md: {rule.source}"
        assert cited_pages <= seeds and cited_anchors <= anchors, f"{rule.name}: {rule.source}"
