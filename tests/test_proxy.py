"""`mockserver proxy`: traffic to a real server goes through unchanged, and every exchange is
judged against spec/ and the documented rules, journaled under /__admin/requests and reported
(JSON, JUnit, coverage). Here the upstream is our own mock, or a small server of odd answers."""
from __future__ import annotations

import asyncio
import gzip
import hashlib
import http.client
import json
import re
import signal
import threading
import time
import xml.etree.ElementTree as ElementTree
from uuid import UUID

import httpx
import pytest
import uvicorn
from prefactor_http import HttpClientConfig, PrefactorHttpClient
from prefactor_http.exceptions import PrefactorValidationError
from prefactor_http.models.agent import AgentForCreate
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from waldur_api_client import AuthenticatedClient
from waldur_api_client.api.marketplace_integration_statuses import (
    marketplace_integration_statuses_count, marketplace_integration_statuses_list,
    marketplace_integration_statuses_retrieve,
)
from waldur_api_client.api.marketplace_site_agent_connection_stats import (
    marketplace_site_agent_connection_stats_retrieve,
)
from waldur_api_client.api.marketplace_site_agent_services import (
    marketplace_site_agent_services_count, marketplace_site_agent_services_list,
    marketplace_site_agent_services_register_processor, marketplace_site_agent_services_retrieve,
    marketplace_site_agent_services_set_statistics,
)
from waldur_api_client.api.marketplace_site_agent_task_stats import marketplace_site_agent_task_stats_retrieve
from waldur_api_client.models import (
    AgentProcessorCreateRequest, AgentServiceStatisticsRequest,
)
from waldur_api_client.models.agent_service_state_enum import AgentServiceStateEnum
from waldur_api_client.models.agent_service_statistics_request_statistics import AgentServiceStatisticsRequestStatistics
from waldur_api_client.models.integration_status_details_o_enum import IntegrationStatusDetailsOEnum

from agent_api_contracts.judges import rule_judges
from agent_api_contracts.proxy.conformance import SPEC_JUDGES
from agent_api_contracts.proxy.journal import Journal
from agent_api_contracts.target import free_port
from proxy_runs import PREFACTOR, SUPPORT, WALDUR, ThreadProxy, everyday_traffic, mock_process, mutant_process, \
    proxy_process, violations

SERVICES = "/api/marketplace-site-agent-services/"
TEN_MEGABYTES = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def mock():
    server = mock_process()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return tmp_path_factory.mktemp("proxy-report")


@pytest.fixture(scope="module")
def proxy(mock, reports):
    server = proxy_process("--upstream", mock.url, "--report", str(reports / "report.json"))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh(request):
    """Every test starts from the seed data and an empty journal (when it uses the mock)."""
    if "proxy" in request.fixturenames:
        proxy = request.getfixturevalue("proxy")
        assert httpx.post(f"{proxy.url}/__admin/reset").status_code == 200  # forwarded to the mock
        assert httpx.delete(f"{proxy.url}/__admin/requests").status_code == 204


def raw(base: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    """Status, headers (names as sent, in order) and body bytes, with nothing decoded."""
    url = httpx.URL(base)
    connection = http.client.HTTPConnection(url.host, url.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.getheaders(), answer.read()
    finally:
        connection.close()


def without_date(headers):
    return [(name, value) for name, value in headers if name.lower() != "date"]


def journal(proxy, **criteria) -> list[dict]:
    return httpx.get(f"{proxy.url}/__admin/requests", params=criteria).json()


# --- the command ---------------------------------------------------------------------------

def test_the_command_says_where_it_listens_and_where_each_api_goes(mock):
    server = proxy_process("--waldur-upstream", mock.url, "--prefactor-upstream", mock.url + "/")
    try:
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
        assert httpx.get(f"{server.url}/__admin/report").json()["upstreams"] == {"waldur": mock.url, "prefactor": mock.url}
    finally:
        server.stop()


def test_the_command_refuses_a_missing_or_malformed_upstream():
    import subprocess
    import sys
    for options, message in ([], "no upstream for waldur, prefactor"), (["--upstream", "ftp://x"], "not an http"):
        done = subprocess.run([sys.executable, "-m", "agent_api_mock", "proxy", *options], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode != 0 and message in done.stderr, done.stderr


# --- unchanged -----------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, headers", [
    ("GET", SERVICES + "?page_size=2&page=2", WALDUR),
    ("HEAD", SERVICES + "?page_size=2", WALDUR),
    ("GET", SERVICES, {}),                                              # 401 with WWW-Authenticate
    ("GET", SERVICES + "0123456789abcdef0123456789abcdef/", WALDUR),    # 404
    ("DELETE", SERVICES, WALDUR),                                       # 405 with Allow
    ("GET", SERVICES + "?page=99", WALDUR),                             # 404 Invalid page
    ("GET", "/api/marketplace-site-agent-connection-stats/", {**SUPPORT, "Prefer": "code=503"}),  # a 5xx
    ("GET", "/api/v1/agent", PREFACTOR),                                # Prefactor's 405 envelope
    ("GET", "/docs/waldur/", {}),                                       # HTML
], ids=["page", "head", "401", "404", "405", "invalid-page", "503", "prefactor-405", "html"])
def test_answers_pass_through_unchanged(mock, proxy, method, path, headers):
    direct = raw(mock.url, method, path, headers)
    proxied = raw(proxy.url, method, path, headers)
    assert proxied[0] == direct[0]
    assert without_date(proxied[1]) == without_date(direct[1])
    assert proxied[2] == direct[2]


def test_writes_pass_through_and_reach_the_upstream(mock, proxy):
    body = json.dumps({"name": "through-the-proxy", "backend_type": "SLURM"}).encode()
    service = httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR).json()[0]["uuid"]
    status, _, answer = raw(proxy.url, "POST", f"{SERVICES}{service}/register_processor/", 
                            {**WALDUR, "Content-Type": "application/json"}, body)
    assert status == 201 and json.loads(answer)["name"] == "through-the-proxy"
    state = httpx.get(f"{mock.url}/__admin/state").json()
    names = [p["name"] for s in state["services"] if s["uuid"] == service for p in s["processors"]]
    assert "through-the-proxy" in names


def odd_answers() -> Starlette:
    """An upstream of answers the mock never gives."""
    big = b"[" + b",".join([b'"' + b"x" * 1022 + b'"'] * (TEN_MEGABYTES // 1024)) + b"]"

    async def large(request: Request):
        return Response(big, media_type="application/json")

    async def echo(request: Request):
        body = await request.body()
        return Response(json.dumps({"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest(),
                                    "headers": request.headers.getlist("x-twice")}), media_type="application/json")

    async def text(request: Request):
        return Response("plain words\n", status_code=418, media_type="text/plain",
                        headers={"X-Custom": "kept", "Set-Cookie": "a=1"})

    async def compressed(request: Request):
        return Response(gzip.compress(b'{"detail": "Not found."}'), status_code=404,
                        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})

    async def failing(request: Request):
        return Response(b"<html>Bad Gateway</html>", status_code=502, media_type="text/html")

    return Starlette(routes=[Route("/api/large/", large), Route("/api/echo/", echo, methods=["POST"]),
                             Route("/api/text/", text, methods=["GET", "HEAD"]), Route("/api/gzip/", compressed),
                             Route(SERVICES, failing)])


@pytest.fixture(scope="module")
def odd_upstream():
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(odd_answers(), host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def odd_proxy(odd_upstream):
    proxy = ThreadProxy(odd_upstream)
    yield proxy
    proxy.stop()


@pytest.mark.parametrize("method, path", [("GET", "/api/large/"), ("GET", "/api/text/"), ("HEAD", "/api/text/"),
                                          ("GET", "/api/gzip/"), ("GET", SERVICES)],
                         ids=["10-MB", "non-JSON-418", "HEAD", "gzip-404", "upstream-502-html"])
def test_odd_answers_pass_through_unchanged(odd_upstream, odd_proxy, method, path):
    direct = raw(odd_upstream, method, path, {"Accept-Encoding": "gzip"})
    proxied = raw(odd_proxy.url, method, path, {"Accept-Encoding": "gzip"})
    assert (proxied[0], without_date(proxied[1])) == (direct[0], without_date(direct[1]))
    assert proxied[2] == direct[2]
    if path == "/api/large/":
        assert len(proxied[2]) >= TEN_MEGABYTES


def test_a_10_MB_request_body_and_repeated_headers_reach_the_upstream_unchanged(odd_proxy):
    body = bytes(range(256)) * (TEN_MEGABYTES // 256)
    status, _, answer = raw(odd_proxy.url, "POST", "/api/echo/", {"Content-Type": "application/octet-stream"}, body)
    assert status == 200 and json.loads(answer)["bytes"] == len(body)
    assert json.loads(answer)["sha256"] == hashlib.sha256(body).hexdigest()
    with httpx.Client() as client:
        answer = client.post(f"{odd_proxy.url}/api/echo/", headers=[("X-Twice", "one"), ("X-Twice", "two")]).json()
    assert answer["headers"] == ["one", "two"]


def test_an_upstream_that_is_down_is_a_quick_502_in_the_api_format():
    nothing_there = f"http://127.0.0.1:{free_port()}"
    proxy = ThreadProxy(nothing_there)
    try:
        started = time.monotonic()
        waldur = httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR, timeout=30)
        prefactor = httpx.post(f"{proxy.url}/api/v1/agent", json={"details": {"name": "x"}}, timeout=30)
        assert time.monotonic() - started < 5
        assert waldur.status_code == 502 and nothing_there in waldur.json()["detail"]
        assert "could not reach the upstream" in waldur.json()["detail"]
        assert prefactor.status_code == 502
        assert prefactor.json()["status"] == "error" and prefactor.json()["code"] == "bad_gateway"
    finally:
        proxy.stop()


def test_an_https_upstream_is_checked_against_trusted_certificates():
    """A server whose certificate no trusted authority signed is not talked to (502)."""
    import ssl
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-keyout", f"{folder}/key.pem", "-out", f"{folder}/cert.pem"], check=True, capture_output=True)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(odd_answers(), host="127.0.0.1", port=port, log_level="critical",
                                               ssl_keyfile=f"{folder}/key.pem", ssl_certfile=f"{folder}/cert.pem"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        proxy = ThreadProxy(f"https://127.0.0.1:{port}")
        try:
            refused = httpx.get(f"{proxy.url}/api/text/")
            assert refused.status_code == 502 and "CERTIFICATE_VERIFY_FAILED" in refused.json()["detail"]
        finally:
            proxy.stop()
            server.should_exit = True
            thread.join(timeout=5)
        assert ssl  # the standard library's TLS, through httpx


# --- CORS ------------------------------------------------------------------------------------

def test_cross_origin_requests_get_the_mocks_cors_headers_and_others_nothing_added(mock, proxy):
    plain = httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR)
    assert "access-control-allow-origin" not in plain.headers
    browser = httpx.get(f"{proxy.url}{SERVICES}", headers={**WALDUR, "Origin": "http://frontend.example"})
    assert browser.headers["access-control-allow-origin"] == "*"
    assert {"link", "x-result-count"} <= {h.strip().lower() for h in browser.headers["access-control-expose-headers"].split(",")}
    assert browser.headers.get_list("vary") == ["Origin"]
    preflight = httpx.options(f"{proxy.url}{SERVICES}", headers={"Origin": "http://frontend.example",
                                                                  "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"


# --- the official clients through the proxy --------------------------------------------------

def test_the_waldur_client_through_the_proxy_keeps_the_contract(proxy):
    client = AuthenticatedClient(base_url=proxy.url, token="waldur-staff")
    services = marketplace_site_agent_services_list.sync(client=client)
    assert marketplace_site_agent_services_count.sync(client=client) >= len(services)
    marketplace_site_agent_services_list.sync(client=client, state=[AgentServiceStateEnum.VALUE_3])
    marketplace_site_agent_services_list.sync(client=client, identity_uuid=services[0].identity)
    one = marketplace_site_agent_services_retrieve.sync(services[0].uuid, client=client)
    assert one.uuid == services[0].uuid
    request = AgentProcessorCreateRequest(name="proxied-processor", backend_type="SLURM", backend_version="23.11")
    for expected in (201, 200):
        answer = marketplace_site_agent_services_register_processor.sync_detailed(services[0].uuid, client=client,
                                                                                  body=request)
        assert answer.status_code == expected
    statistics = AgentServiceStatisticsRequestStatistics.from_dict({"processed": 42})
    marketplace_site_agent_services_set_statistics.sync(services[0].uuid, client=client,
                                                        body=AgentServiceStatisticsRequest(statistics=statistics))
    marketplace_site_agent_services_retrieve.sync(services[0].uuid, client=client)
    support = AuthenticatedClient(base_url=proxy.url, token="waldur-support")
    assert marketplace_site_agent_connection_stats_retrieve.sync(client=support).summary.total_agents > 0
    marketplace_site_agent_task_stats_retrieve.sync(client=support)
    statuses = marketplace_integration_statuses_list.sync(client=client, o=[IntegrationStatusDetailsOEnum.VALUE_0])
    assert marketplace_integration_statuses_count.sync(client=client) >= len(statuses)
    marketplace_integration_statuses_retrieve.sync(UUID(statuses[0].url.rstrip("/").rsplit("/", 1)[-1]), client=client)

    seen = journal(proxy)
    assert {entry["operation_id"] for entry in seen} == {
        "marketplace_site_agent_services_list", "marketplace_site_agent_services_count",
        "marketplace_site_agent_services_retrieve", "marketplace_site_agent_services_register_processor",
        "marketplace_site_agent_services_set_statistics", "marketplace_site_agent_connection_stats_retrieve",
        "marketplace_site_agent_task_stats_retrieve", "marketplace_integration_statuses_list",
        "marketplace_integration_statuses_count", "marketplace_integration_statuses_retrieve"}
    assert violations(proxy.url) == []


def test_concurrent_registrations_through_the_proxy_are_no_violation(proxy):
    from concurrent.futures import ThreadPoolExecutor
    service = marketplace_site_agent_services_list.sync(client=AuthenticatedClient(base_url=proxy.url,
                                                                                  token="waldur-staff"))[0]

    def register(n: int) -> int:
        body = AgentProcessorCreateRequest(name=f"threaded-{n % 4}", backend_type="SLURM")
        return marketplace_site_agent_services_register_processor.sync_detailed(
            service.uuid, client=AuthenticatedClient(base_url=proxy.url, token="waldur-staff"), body=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(register, range(24)))
    assert statuses.count(201) == 4 and statuses.count(200) == 20
    assert violations(proxy.url) == []


def test_the_prefactor_sdk_through_the_proxy_keeps_the_contract(proxy):
    async def scenario():
        config = HttpClientConfig(api_url=proxy.url, api_token="prefactor-dev", max_retries=0)
        async with PrefactorHttpClient(config) as client:
            first = await client.agents.create(AgentForCreate(name="Proxied agent"), idempotency_key="proxied")
            again = await client.agents.create(AgentForCreate(name="Proxied agent"), idempotency_key="proxied")
            return first, again

    first, again = asyncio.run(scenario())
    assert first.id == again.id
    assert [entry["status"] for entry in journal(proxy, operation_id="create_agent")] == [201, 200]
    assert violations(proxy.url) == []


def test_an_invalid_request_is_the_clients_violation_and_the_servers_refusal_is_none(proxy):
    async def invalid():
        config = HttpClientConfig(api_url=proxy.url, api_token="prefactor-dev", max_retries=0)
        async with PrefactorHttpClient(config) as client:
            await client.agents.create(AgentForCreate(name=""))

    with pytest.raises(PrefactorValidationError):
        asyncio.run(invalid())
    found = violations(proxy.url)
    assert [(v["rule"], v["party"]) for v in found] == [("request_conforms_to_spec", "client")]
    assert "details/name" in found[0]["found"] or "details" in found[0]["found"]
    report = httpx.get(f"{proxy.url}/__admin/report").json()
    assert report["violations_total"] == 0 and report["violations_by_rule"] == {}
    assert report["client_violations_total"] == 1
    assert report["client_violations_by_rule"] == {"create_agent request_conforms_to_spec": 1}


INVALID_AGENT = {"details": {"description": "no name"}}


@pytest.mark.parametrize("fail_on_violation", [False, True])
def test_a_clients_invalid_request_refused_by_a_correct_server_is_no_violation_of_the_server(mock, fail_on_violation):
    proxy = ThreadProxy(mock.url, fail_on_violation=fail_on_violation)
    try:
        refused = httpx.post(f"{proxy.url}/api/v1/agent", json=INVALID_AGENT, headers=PREFACTOR)
        assert refused.status_code == 422 and refused.json()["code"] == "validation_errors"  # the upstream's, unchanged
        report = httpx.get(f"{proxy.url}/__admin/report").json()
        found = violations(proxy.url)
    finally:
        proxy.stop()
    assert [(v["rule"], v["party"]) for v in found] == [("request_conforms_to_spec", "client")]
    assert report["violations_total"] == 0 and report["client_violations_total"] == 1


@pytest.mark.parametrize("fail_on_violation", [False, True])
def test_a_clients_invalid_request_accepted_by_a_broken_server_is_the_servers_violation(fail_on_violation):
    upstream = mutant_process("invalid_agent_body_accepted")
    proxy = ThreadProxy(upstream.url, fail_on_violation=fail_on_violation)
    try:
        accepted = httpx.post(f"{proxy.url}/api/v1/agent", json=INVALID_AGENT, headers=PREFACTOR)
        report = httpx.get(f"{proxy.url}/__admin/report").json()
        found = violations(proxy.url)
    finally:
        proxy.stop()
        upstream.stop()
    assert accepted.status_code == (502 if fail_on_violation else 201)
    assert {(v["rule"], v["party"]) for v in found} >= {("request_conforms_to_spec", "client"),
                                                        ("invalid_requests_are_refused", "server")}
    assert report["violations_by_rule"].get("create_agent invalid_requests_are_refused") == 1
    assert report["client_violations_by_rule"] == {"create_agent request_conforms_to_spec": 1}


def test_everyday_traffic_to_every_operation_has_no_violation(proxy):
    everyday_traffic(proxy.url)
    summary = httpx.get(f"{proxy.url}/__admin/report").json()
    assert summary["never_exercised"] == []
    assert violations(proxy.url) == []


# --- journal, report, hard stop ------------------------------------------------------------

def test_a_violation_is_journaled_with_the_rule_what_was_expected_what_came_and_a_masked_curl(reports):
    upstream = mutant_process("service_state_in_lower_case")
    proxy = ThreadProxy(upstream.url)
    try:
        httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR)
        entry, = httpx.get(f"{proxy.url}/__admin/requests", params={"rule": "response_schema_conformance"}).json()
        violation = entry["violations"][0]
        assert entry["operation_id"] == "marketplace_site_agent_services_list" and entry["status"] == 200
        assert violation["rule"] == "response_schema_conformance" and violation["source"].startswith("spec/")
        assert '"active" is not one of' in violation["found"] and "200 schema" in violation["expected"]
        request = violation["requests"][0]
        assert request["status"] == 200 and upstream.url + SERVICES in request["curl"]
        assert "waldur-owner" not in request["curl"] and "Token $WALDUR_TOKEN" in request["curl"]
    finally:
        proxy.stop()
        upstream.stop()


def test_the_report_holds_coverage_and_violations_in_json_and_junit(tmp_path):
    upstream = mutant_process("task_stats_server_error")
    proxy = ThreadProxy(upstream.url, report=str(tmp_path / "traffic.json"))
    try:
        httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR)
        httpx.get(f"{proxy.url}/api/marketplace-site-agent-task-stats/", headers=SUPPORT)
        written = httpx.post(f"{proxy.url}/__admin/report").json()["files"]
    finally:
        proxy.stop()
        upstream.stop()
    assert sorted(written) == sorted(str(tmp_path / name) for name in
                                     ("traffic.json", "traffic.violations.jsonl", "traffic.junit.xml"))
    report = json.loads((tmp_path / "traffic.json").read_text())
    by_id = {op["operation_id"]: op for op in report["operations"]}
    assert by_id["marketplace_site_agent_services_list"]["statuses_seen"] == {"200": 1}
    assert by_id["marketplace_site_agent_task_stats_retrieve"]["violations"] == {"status_code_conformance": 1,
                                                                               "not_a_server_error": 1}
    assert "create_agent" in report["never_exercised"] and "marketplace_site_agent_services_list" not in report["never_exercised"]
    assert report["violations_total"] == 2 == len(report["violations"])
    assert {v["rule"] for v in report["violations"]} == {"status_code_conformance", "not_a_server_error"}
    cases = {(case.get("classname"), case.get("name")): case
             for case in ElementTree.parse(tmp_path / "traffic.junit.xml").getroot().iter("testcase")}
    failed = cases[("waldur.marketplace_site_agent_task_stats_retrieve", "status_code_conformance")].find("failure")
    assert failed is not None and "1 violation" in failed.get("message") and "curl" in failed.text
    assert cases[("waldur.marketplace_site_agent_services_list", "response_schema_conformance")].find("failure") is None


def rules_judged_on(operation_id: str) -> set[str]:
    """The rules of every judge that judges `operation_id` (as the judges declare), and the answer's own."""
    return {rule.name for judge in SPEC_JUDGES + rule_judges()
            if getattr(judge, "judged", judge.operations) is None or operation_id in getattr(judge, "judged", judge.operations)
            for rule in judge.rules} | {"every_request_gets_an_http_answer"}


def test_the_junit_report_has_a_case_per_operation_and_rule_judged_and_none_for_the_rest(mock, tmp_path):
    proxy = ThreadProxy(mock.url, report=str(tmp_path / "traffic.json"))
    try:
        httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR)
        httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR)
        httpx.get(f"{proxy.url}/api/marketplace-site-agent-task-stats/", headers=SUPPORT)
        httpx.post(f"{proxy.url}/__admin/report")
    finally:
        proxy.stop()
    suites = ElementTree.parse(tmp_path / "traffic.junit.xml").getroot()
    cases = [(case.get("classname"), case.get("name")) for case in suites.iter("testcase")]
    assert sorted(cases) == sorted({("waldur." + operation_id, rule) for operation_id in
                                    ("marketplace_site_agent_services_list", "marketplace_site_agent_task_stats_retrieve")
                                    for rule in rules_judged_on(operation_id)})
    assert not list(suites.iter("skipped")) and not list(suites.iter("failure"))
    assert sum(int(suite.get("tests")) for suite in suites) == len(cases) < 60


def test_the_report_is_written_when_the_command_stops(mock, tmp_path):
    server = proxy_process("--upstream", mock.url, "--report", str(tmp_path / "exit.json"))
    httpx.get(f"{server.url}{SERVICES}", headers=WALDUR)
    server.stop()  # SIGTERM, as a service manager or CI stops it
    assert any("wrote" in line and "exit.json" in line for line in server.output())
    report = json.loads((tmp_path / "exit.json").read_text())
    assert report["exchanges"] == 1 and report["violations"] == []


def test_ctrl_c_exits_0_quietly_writes_the_reports_and_prints_a_table_per_rule(tmp_path):
    upstream = mutant_process("task_stats_server_error")
    server = proxy_process("--upstream", upstream.url, "--report", str(tmp_path / "traffic.json"))
    try:
        httpx.get(f"{server.url}{SERVICES}", headers=WALDUR)
        httpx.get(f"{server.url}/api/marketplace-site-agent-task-stats/", headers=SUPPORT)
        httpx.post(f"{server.url}/api/v1/agent", json=INVALID_AGENT, headers=PREFACTOR)
        httpx.get(f"{server.url}/api/no-such-thing/", headers=WALDUR)
        server.process.send_signal(signal.SIGINT)
        code = server.process.wait(timeout=30)
        output = server.output()
    finally:
        server.stop()
        upstream.stop()
    assert code == 0, output
    assert not [line for line in output if "Traceback" in line or "KeyboardInterrupt" in line], output
    for name in ("traffic.json", "traffic.violations.jsonl", "traffic.junit.xml"):
        assert f"mockserver proxy: wrote {tmp_path / name}" in output
    report = json.loads((tmp_path / "traffic.json").read_text())
    assert report["exchanges"] == 4 and report["violations_total"] == 2 and report["client_violations_total"] == 1
    assert report["undocumented_paths"] == [{"method": "GET", "path": "/api/no-such-thing/", "status": 404, "exchanges": 1}]
    table = output[output.index(next(line for line in output if "4 exchanges" in line)):]
    assert table[0] == ("mockserver proxy: 4 exchanges; the server: 2 violation(s); "
                        "the clients' own requests: 1 violation(s)"), table
    assert re.match(r"  rule +party +judged +violations +where$", table[1]), table[1]
    rows = {line.split()[0]: line.split(None, 4)[1:] for line in table[2:] if line.startswith("  ")}
    assert rows["status_code_conformance"] == ["server", "3", "1", "marketplace_site_agent_task_stats_retrieve (1)"]
    assert rows["not_a_server_error"] == ["server", "3", "1", "marketplace_site_agent_task_stats_retrieve (1)"]
    assert rows["request_conforms_to_spec"] == ["client", "3", "1", "create_agent (1)"]
    assert rows["every_request_gets_an_http_answer"] == ["server", "4", "0"]
    assert list(rows)[:3] == ["not_a_server_error", "status_code_conformance", "request_conforms_to_spec"]


@pytest.mark.parametrize(("query", "problem"), [
    ("stauts=200", "unknown filter 'stauts'; the filters are: method, path, operation_id, status, query, rule"),
    ("status=ok", "status must be an HTTP status code from 100 to 599, not 'ok'"),
    ("status=200&status=201", "filter 'status' is given twice"),
    ("method=G%20T", "method must be an HTTP method such as GET, not 'G T'"),
    ("operation_id=services_list", "operation_id 'services_list' is no operation of the spec"),
    ("path=api/", "path must start with '/', not 'api/'"),
    ("rule=no_such_rule", "rule 'no_such_rule' is no rule the proxy judges"),
])
def test_a_bad_journal_filter_is_a_400_saying_what_is_wrong_as_the_mocks_is(proxy, query, problem):
    httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR)
    answer = httpx.get(f"{proxy.url}/__admin/requests?{query}")
    assert answer.status_code == 400 and answer.json() == {"detail": problem}


def test_the_journal_filters_by_each_field(proxy):
    httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR)
    httpx.post(f"{proxy.url}/api/v1/agent", json=INVALID_AGENT, headers=PREFACTOR)
    assert [e["path"] for e in journal(proxy, method="get")] == [SERVICES]
    assert [e["path"] for e in journal(proxy, status="422")] == ["/api/v1/agent"]
    assert [e["path"] for e in journal(proxy, operation_id="create_agent")] == ["/api/v1/agent"]
    assert [e["path"] for e in journal(proxy, rule="request_conforms_to_spec")] == ["/api/v1/agent"]
    assert journal(proxy, rule="response_schema_conformance") == []


def test_fail_on_violation_answers_502_with_the_description_and_passes_the_rest(tmp_path):
    upstream = mutant_process("service_state_in_lower_case")
    proxy = ThreadProxy(upstream.url, fail_on_violation=True)
    try:
        refused = httpx.get(f"{proxy.url}{SERVICES}", headers=WALDUR)
        assert refused.status_code == 502
        assert "response_schema_conformance" in refused.json()["detail"]
        assert refused.json()["violations"][0]["rule"] == "response_schema_conformance"
        fine = httpx.get(f"{proxy.url}/api/marketplace-integration-statuses/", headers=WALDUR)
        assert fine.status_code == 200 and isinstance(fine.json(), list)
    finally:
        proxy.stop()
        upstream.stop()


def test_without_the_flag_a_violating_answer_still_passes_unchanged():
    upstream = mutant_process("service_state_in_lower_case")
    proxy = ThreadProxy(upstream.url)
    try:
        direct, proxied = raw(upstream.url, "GET", SERVICES, WALDUR), raw(proxy.url, "GET", SERVICES, WALDUR)
        assert proxied[0] == direct[0] == 200 and proxied[2] == direct[2]
    finally:
        proxy.stop()
        upstream.stop()


def test_a_violation_keeps_a_bounded_curl_line_of_a_huge_request(odd_proxy):
    huge = json.dumps({"name": "x" * TEN_MEGABYTES, "backend_type": 7}).encode()
    path = f"{SERVICES}0123456789abcdef0123456789abcdef/register_processor/"
    raw(odd_proxy.url, "POST", path, {**WALDUR, "Content-Type": "application/json"}, huge)
    entry = httpx.get(f"{odd_proxy.url}/__admin/requests", params={"rule": "request_conforms_to_spec"}).json()[-1]
    curl = entry["violations"][0]["requests"][0]["curl"]
    assert curl.startswith("curl -i -X POST") and curl.endswith("characters, cut)") and len(curl) < 5000


def test_the_journal_keeps_only_the_newest_entries():
    class Seen:
        method, path, url, status, seconds = "GET", SERVICES, "http://x" + SERVICES, 200, 0.001

    kept = Journal(capacity=3)
    for _ in range(5):
        kept.record(Seen, "marketplace_site_agent_services_list", [])
    assert [entry["id"] for entry in kept.entries()] == [3, 4, 5]


def test_registrations_judged_in_order_unless_they_overlapped():
    """A 200 for a name the service did not have when read breaks new_processor_name_creates_a_processor;
    the same 200 while another registration of that path was under way proves nothing."""
    from agent_api_contracts.judges.exchanges import Observed
    from agent_api_spec.operations import OperationIndex
    from agent_api_contracts.judges.services import ProcessorsKeepTheirUuid

    index, service = OperationIndex(), "7d494fe8e36b5b3baf5e76ea7a0add1a"
    url = f"http://waldur{SERVICES}{service}/"

    def seen(method, path, status, body, sent=None, overlapped=False):
        request = httpx.Request(method, f"http://waldur{path}", json=sent)
        return Observed(httpx.Response(status, json=body, request=request), index.find(method, path), "waldur",
                        overlapped=overlapped)

    register = f"{SERVICES}{service}/register_processor/"
    for overlapped, broken in ((True, []), (False, ["new_processor_name_creates_a_processor"])):
        judge = ProcessorsKeepTheirUuid()
        assert judge(seen("GET", f"{SERVICES}{service}/", 200, {"uuid": service, "url": url, "processors": []})) == []
        found = judge(seen("POST", register, 200, {"uuid": "a" * 32, "name": "new"}, {"name": "new"}, overlapped))
        assert [v.rule.name for v in found] == broken


def test_undocumented_paths_are_counted_by_path_up_to_a_bound():
    from agent_api_contracts.proxy.report import OTHER_PATHS, UNDOCUMENTED_PATHS_KEPT, Report
    from agent_api_spec.operations import OperationIndex

    report = Report(OperationIndex().all, SPEC_JUDGES, {"waldur": "http://x"})
    for number in range(UNDOCUMENTED_PATHS_KEPT + 5):
        report.record("GET", f"/api/nothing-{number}/", None, 404, [])
    report.record("GET", "/api/nothing-0/", None, 404, [])
    paths = {row["path"]: row["exchanges"] for row in report.summary()["undocumented_paths"]}
    assert len(paths) == UNDOCUMENTED_PATHS_KEPT + 1
    assert paths["/api/nothing-0/"] == 2 and paths[OTHER_PATHS] == 5
