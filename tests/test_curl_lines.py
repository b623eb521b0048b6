"""The "reproduce:" line of a failure (the suites' and the proxy's) runs as it is in a shell,
with the real curl, against a real mock process, and gets the answer the request got: for
every method, HEAD included (`curl -I`), credentials from $WALDUR_TOKEN / $PREFACTOR_TOKEN."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import httpx
import pytest

from agent_api_contracts.rules import Rule
from proxy_runs import mock_process

RULE = Rule("a_rule_for_the_test", "what the test says", "tests/test_curl_lines.py")
TOKENS = {"WALDUR_TOKEN": "waldur-owner", "PREFACTOR_TOKEN": "prefactor-dev"}
SERVICES = "/api/marketplace-site-agent-services/"


@pytest.fixture(scope="module")
def mock():
    assert shutil.which("curl"), "curl is not installed (.ci/run installs it)"
    server = mock_process()
    yield server.url
    server.stop()


def reproduce_line(response: httpx.Response) -> str:
    """The line a user copies from a failure's message."""
    message = RULE.violation("expected", "found", response).message()
    return re.search(r"^  reproduce: (curl .*)$", message, re.M).group(1)


def run(line: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=20,
                          env={**os.environ, **TOKENS}, stdin=subprocess.DEVNULL)


def status_of(done: subprocess.CompletedProcess) -> int:
    return int(re.match(r"HTTP/[\d.]+ (\d{3})", done.stdout).group(1))


@pytest.mark.parametrize("method, path, params, body, authorization", [
    ("HEAD", SERVICES, None, None, "Token waldur-owner"),
    ("GET", SERVICES, {"page_size": "2"}, None, "Token waldur-owner"),
    ("GET", SERVICES, None, None, None),  # 401
    ("GET", "/api/marketplace-provider-resources/", [("field", "uuid"), ("field", "name")], None, "Token waldur-owner"),
    ("GET", "/api/users/me/?filter=[x]{y}", None, None, "Token waldur-owner"),  # curl's glob characters, as sent
    ("OPTIONS", SERVICES, None, None, "Token waldur-owner"),
    ("DELETE", SERVICES, None, None, "Token waldur-owner"),  # 405
    ("POST", "/api/v1/agent", None, {"details": {"name": "Agent 'quoted' \"twice\""}}, "Bearer prefactor-dev"),
    ("POST", "/api/v1/agent", None, {"details": {}}, "Bearer prefactor-dev"),  # 400
])
def test_the_repro_line_gets_the_answer_the_request_got(mock, method, path, params, body, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.request(method, mock + path, params=params, json=body, headers=headers, timeout=20)
    line = reproduce_line(response)
    assert "waldur-owner" not in line and "prefactor-dev" not in line, line
    done = run(line)
    assert done.returncode == 0, f"{line}\nexit {done.returncode}: {done.stderr}"
    assert status_of(done) == response.status_code, f"{line}\n{done.stdout[:500]}"
    if method == "HEAD":
        assert line.startswith("curl -I ") and "-X" not in line
    elif method == "GET":  # the same body again
        assert done.stdout.endswith(response.text), f"{line}\n{done.stdout[-500:]}"
