"""HomePort's TypeScript client (waldur-js-client 8.1.2) against the mock, from Node: orders,
provider resources, users/me, site-agent services and integration statuses, each answer checked
at run time against the type the client declares for it (tests/homeport/check.mjs: the client's
types.gen.d.ts as JSON Schemas, validated with ajv).

The client is not on the npm registry reachable here; it comes from `../shared/vendor/` beside
the repository (shared/vendor/README.md), or from the file $WALDUR_JS_CLIENT_TGZ. Without it, or
without node and npm, the tests are skipped and say why. `npm ci` runs once (tests/homeport/
node_modules, git-ignored); the client is unpacked beside the registry's packages.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
HOMEPORT = ROOT / "tests" / "homeport"
CLIENT_TGZ = "waldur-js-client-8.1.2.tgz"
BUNDLE = HOMEPORT / "node_modules" / ".homeport" / "check.bundle.mjs"
TOKEN = "waldur-owner"  # a service provider's owner: HomePort's provider views

# Where the mock, as Waldur's code answers, and the client's types (built from Waldur 8.1.2's
# schema) disagree. The test fails on any other error, and on an entry no call shows any more.
KNOWN_DIFFERENCES = {
    ("provider_resources", "backend_metadata"): (
        "Waldur keeps backend_metadata as a JSONField(default=dict) (waldur_mastermind/common/mixins.py "
        "BackendMetadataMixin): a resource the agent never described answers {}, which the client's "
        "BackendMetadata type (state, runtime_state, action, instance_name required) refuses"),
    ("users_me", "ip_address"): (
        "Waldur 8.0.5's schema makes UserMe.ip_address nullable and the spec follows it (the mock "
        "answers null); the client's 8.1.2 type says string"),
}


def client_package() -> Path | None:
    for candidate in (os.environ.get("WALDUR_JS_CLIENT_TGZ"), ROOT.parent / "shared" / "vendor" / CLIENT_TGZ):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def run(*command: str, cwd: Path = HOMEPORT, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def checker() -> Path:
    """The check program, bundled with the client (its files import without extensions, which
    plain Node refuses), after `npm ci` when tests/homeport has no node_modules yet."""
    package = client_package()
    if package is None:
        pytest.skip(f"HomePort's client is not here: neither $WALDUR_JS_CLIENT_TGZ nor ../shared/vendor/{CLIENT_TGZ}")
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed to run HomePort's client")
    with open(HOMEPORT / "package.json") as lock:  # pytest-xdist workers take turns installing
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _installed(package)


def _installed(package: Path) -> Path:
    modules = HOMEPORT / "node_modules"
    if not (modules / ".package-lock.json").is_file():
        installed = run("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
        assert installed.returncode == 0, f"npm ci failed (the registry unreachable?):\n{installed.stderr}"
    client = modules / "waldur-js-client"
    if not (client / "package.json").is_file() or json.loads((client / "package.json").read_text())["version"] != "8.1.2":
        shutil.rmtree(client, ignore_errors=True)
        with tarfile.open(package) as archive:
            archive.extractall(client.parent / ".waldur-js-client", filter="data")
        (client.parent / ".waldur-js-client" / "package").rename(client)
        shutil.rmtree(client.parent / ".waldur-js-client")
    bundled = run(str(modules / ".bin" / "esbuild"), "check.mjs", "--bundle", "--platform=node", "--format=esm",
                  "--external:ajv", "--external:ajv-formats", "--external:ts-json-schema-generator",
                  f"--outfile={BUNDLE}", "--log-level=warning")
    assert bundled.returncode == 0, bundled.stderr
    return BUNDLE


@pytest.fixture(scope="module")
def mock_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "agent_api_mock", "--port", str(port), "--log-level", "warning"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/version/", timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the mock did not start within 30 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def answers(checker, mock_url) -> dict:
    done = run("node", str(checker), "calls", mock_url, TOKEN)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def unexplained(report: dict) -> dict[str, list[str]]:
    return {call: [error for error in result["errors"]
                   if not any(call == known_call and f"/{field}" in error for known_call, field in KNOWN_DIFFERENCES)]
            for call, result in report.items()}


def test_every_call_answers_what_the_clients_types_accept(answers):
    assert set(answers) == {"orders", "provider_resources", "users_me", "site_agent_services", "integration_statuses"}
    assert unexplained(answers) == {call: [] for call in answers}


def test_the_answers_carry_data_not_just_shapes(answers):
    """The calls reached the seeded objects (a list type accepts [] as well)."""
    assert answers["orders"]["answer"] and answers["provider_resources"]["answer"]
    assert answers["site_agent_services"]["answer"] and answers["integration_statuses"]["answer"]
    assert answers["users_me"]["answer"]["username"] == "alpha-owner"
    order = answers["orders"]["answer"][0]
    assert order["provider_name"] == "Alpha University" and order["offering_name"] == "HPC cluster"


def test_every_known_difference_still_shows(answers):
    for (call, field), why in KNOWN_DIFFERENCES.items():
        assert any(f"/{field}" in error for error in answers[call]["errors"]), f"no longer a difference: {call} {field} ({why})"


@pytest.mark.parametrize(("call", "doctor", "expected"), [
    ("orders", lambda order: order.pop("uuid"), "must have required property 'uuid'"),
    ("orders", lambda order: order.update(state="sleeping"), "/0/state must be equal to one of the allowed values"),
    ("site_agent_services", lambda service: service.update(name=None), "/0/name must be string"),
    ("integration_statuses", lambda status: status.update(last_request_timestamp=7), "/0/last_request_timestamp must be"),
])
def test_the_check_refuses_an_answer_the_types_do_not_accept(answers, checker, tmp_path, call, doctor, expected):
    """The same check on a doctored copy of a real answer: one broken field, one named error."""
    doctored = json.loads(json.dumps(answers[call]["answer"]))
    doctor(doctored[0])
    path = tmp_path / f"{call}.json"
    path.write_text(json.dumps(doctored))
    done = run("node", str(checker), "validate", answers[call]["type"], str(path))
    assert done.returncode == 0, done.stderr
    errors = json.loads(done.stdout)["errors"]
    assert any(expected in error for error in errors), errors
    assert errors != answers[call]["errors"]


def test_the_client_works_in_a_session_by_its_base_url_alone(checker, mock_url):
    """A test worker's HomePort in its own session (README "Sessions"): the same calls, the same
    verdicts, every call in that session's journal and none in the default one's."""
    default_journal = len(httpx.get(f"{mock_url}/__admin/requests").json())
    session_url = f"{mock_url}/sessions/homeport1"
    done = run("node", str(checker), "calls", session_url, TOKEN)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert unexplained(report) == {call: [] for call in report}
    assert report["orders"]["answer"][0]["url"].startswith(f"{session_url}/api/marketplace-orders/")
    assert len(httpx.get(f"{session_url}/__admin/requests").json()) >= len(report)
    assert len(httpx.get(f"{mock_url}/__admin/requests").json()) == default_journal
