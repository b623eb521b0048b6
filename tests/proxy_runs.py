"""Running the validating proxy for tests: as the `mockserver proxy` command (a process of its
own), or in a thread of the test process; and the traffic the tests send through it."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from agent_api_contracts.proxy.app import create_proxy
from agent_api_contracts.proxy.upstreams import Upstreams
from agent_api_contracts.target import free_port
from mutants import hyphenate

ROOT = Path(__file__).resolve().parent.parent
WALDUR = {"Authorization": "Token waldur-owner"}
SUPPORT = {"Authorization": "Token waldur-support"}
USER = {"Authorization": "Token waldur-user"}  # neither staff nor support
OFFERING_MANAGER = {"Authorization": "Token waldur-offering-manager"}  # OFFERING.MANAGER on HPC cluster
PREFACTOR = {"Authorization": "Bearer prefactor-dev"}
# The built-in data's objects (mockserver/agent_api_mock/data/default.yaml) the real agent works on
OFFERING = "fce5a890b4e15e57980a83931fcee79c"       # HPC cluster, owned by waldur-owner's customer
ORDER = "d5c3b29deb844de5a6e54f3bf4a976b5"          # its pending Create order
RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"       # the order's resource
PLAN = "d09165e522f746ce9fdd92e6459f8904"           # the resource's plan
SERVICE_PROVIDER = "90c3ef5c89344f438f7d713f0bca6ed9"


class Process:
    """A server process that prints `... listening on URL` when it is up."""

    def __init__(self, *command: str, cwd: Path = ROOT):
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _wait_for_url(self) -> str:
        deadline, seen = time.monotonic() + 30, []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            seen.append(line)
            if "listening on " in line:
                return line.split("listening on ")[1].split()[0]
        self.stop()
        raise RuntimeError("the server did not start:\n" + "\n".join(seen))

    def output(self) -> list[str]:
        lines = []
        while True:
            try:
                line = self.lines.get(timeout=5)
            except queue.Empty:
                return lines
            if line is None:
                return lines
            lines.append(line)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def mock_process() -> Process:
    return Process(sys.executable, "-m", "agent_api_mock", "--port", "0", "--log-level", "warning")


def mutant_process(name: str) -> Process:
    return Process(sys.executable, str(ROOT / "tests" / "serve_mutant.py"), name)


def proxy_process(*options: str) -> Process:
    """`mockserver proxy ...` as a user starts it."""
    return Process(sys.executable, "-m", "agent_api_mock", "proxy", "--port", "0", *options)


class ThreadProxy:
    """The proxy app served by uvicorn in a background thread."""

    def __init__(self, upstream: str, report: str | None = None, fail_on_violation: bool = False):
        self.app = create_proxy(Upstreams.from_options(upstream, waldur=None, prefactor=None), report, fail_on_violation)
        port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="critical",
                                                    server_header=False, date_header=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the proxy did not start"
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def violations(proxy_url: str) -> list[dict]:
    """Every violation in the proxy's journal, with the operation it was found on."""
    return [{"operation_id": entry["operation_id"], **violation}
            for entry in httpx.get(f"{proxy_url}/__admin/requests").json() for violation in entry["violations"]]


def hyphenated_form(uuid: object) -> str:
    """Whatever a broken server wrote as a uuid, in the hyphenated form (never raises)."""
    return hyphenate(str(uuid).replace("-", ""))


def local(url: str, base: str) -> str:
    """A link the upstream wrote (its own host), followed through the proxy instead."""
    parsed = httpx.URL(url)
    return f"{base}{parsed.raw_path.decode()}"


def listed(response: httpx.Response) -> list[dict]:
    """The objects of a list answer; none when a broken server answers something else."""
    try:
        body = response.json()
    except ValueError:
        return []
    return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []


def everyday_traffic(base: str) -> None:
    """Valid requests to every operation, as agents and frontends send them: each account's own
    user, lists and their pages, filters (in both uuid forms, with several values), field
    selection, ordering, HEAD, retrieves, register_processor twice, set_statistics then a read,
    both stats, agents created with and without an idempotency key, what the site agent does in
    its cycles (site_agent_traffic), an offering manager's agent (offering_manager_traffic), and
    refusals."""
    with httpx.Client(base_url=base, timeout=30) as http:
        site_agent_traffic(http)
        offering_manager_traffic(http)
        for account in (SUPPORT, USER):  # a frontend reads its user at login
            http.get("/api/users/me/", headers=account)
        services = listed(http.get("/api/marketplace-site-agent-services/", params={"page_size": 100}, headers=WALDUR))
        page = http.get("/api/marketplace-site-agent-services/", params={"page_size": 2}, headers=WALDUR)
        if 'rel="next"' in page.headers.get("link", ""):
            next_link = [part for part in page.headers["link"].split(", ") if 'rel="next"' in part][0]
            http.get(local(next_link.split(">")[0].lstrip("<"), base), headers=WALDUR)
        http.head("/api/marketplace-site-agent-services/", headers=WALDUR)
        http.get("/api/marketplace-site-agent-services/", params=[("state", "2"), ("state", "3")], headers=WALDUR)
        service = services[0] if services else {"uuid": "0" * 32, "identity": "0" * 32}
        uuid = str(service.get("uuid")).replace("-", "")
        hyphenated = hyphenated_form(uuid)
        http.get("/api/marketplace-site-agent-services/", params={"identity_uuid": service.get("identity")}, headers=WALDUR)
        http.get("/api/marketplace-site-agent-services/", params={"identity_uuid": hyphenated_form(service.get("identity"))},
                 headers=WALDUR)
        http.get(f"/api/marketplace-site-agent-services/{uuid}/", headers=WALDUR)
        http.get(f"/api/marketplace-site-agent-services/{hyphenated}/", headers=WALDUR)
        processor = {"name": f"proxy-{time.monotonic_ns()}", "backend_type": "SLURM", "backend_version": "23.11"}
        http.post(f"/api/marketplace-site-agent-services/{uuid}/register_processor/", json=processor, headers=WALDUR)
        http.post(f"/api/marketplace-site-agent-services/{uuid}/register_processor/",
                  json={**processor, "backend_version": "24.05"}, headers=WALDUR)
        http.post(f"/api/marketplace-site-agent-services/{uuid}/set_statistics/",
                  json={"statistics": {"processed_orders": 42, "queues": ["a", "b"]}}, headers=WALDUR)
        http.get(f"/api/marketplace-site-agent-services/{uuid}/", headers=WALDUR)
        http.get("/api/marketplace-site-agent-connection-stats/", headers=SUPPORT)
        http.get("/api/marketplace-site-agent-task-stats/", headers=SUPPORT)
        statuses = listed(http.get("/api/marketplace-integration-statuses/", params={"page_size": 100}, headers=WALDUR))
        http.get("/api/marketplace-integration-statuses/", params={"page_size": 3}, headers=WALDUR)
        http.get("/api/marketplace-integration-statuses/", params={"o": "-last_request_timestamp"}, headers=WALDUR)
        http.get("/api/marketplace-integration-statuses/", params={"o": "last_request_timestamp"}, headers=WALDUR)
        http.get("/api/marketplace-integration-statuses/", params={"status": "Active"}, headers=WALDUR)
        http.get("/api/marketplace-integration-statuses/", params=[("status", "Active"), ("status", "Disconnected")],
                 headers=WALDUR)
        http.get("/api/marketplace-integration-statuses/", params={"agent_type": "1"}, headers=WALDUR)
        http.head("/api/marketplace-integration-statuses/", headers=WALDUR)
        if statuses and isinstance(statuses[0].get("url"), str):
            status_uuid = statuses[0]["url"].rstrip("/").rsplit("/", 1)[-1]
            http.get(f"/api/marketplace-integration-statuses/{status_uuid}/", headers=WALDUR)
        http.post("/api/v1/agent", json={"details": {"name": "Proxy agent one"}}, headers=PREFACTOR)
        http.post("/api/v1/agent", json={"details": {"name": "Proxy agent two"}}, headers=PREFACTOR)
        key = f"proxy-{time.monotonic_ns()}"
        for _ in range(2):
            http.post("/api/v1/agent", json={"details": {"name": "Replayed agent"}, "idempotency_key": key},
                      headers=PREFACTOR)
        http.get("/api/marketplace-provider-resources/", params=[("field", "uuid"), ("field", "name")], headers=WALDUR)
        http.get("/api/marketplace-site-agent-services/")  # no credentials: 401
        http.post("/api/v1/agent", json={"details": {"name": "Anonymous agent"}})  # 401
        http.post(f"/api/marketplace-site-agent-services/{uuid}/set_statistics/", json={"statistics": {}},
                  headers=SUPPORT)  # support reads but may not write: 403
        http.get("/api/marketplace-site-agent-services/0123456789abcdef0123456789abcdef/", headers=WALDUR)  # 404
        http.get("/api/marketplace-site-agent-connection-stats/", headers=USER)  # 403


def offering_manager_traffic(http: httpx.Client) -> None:
    """An offering manager (OFFERING.MANAGER on HPC cluster) runs its offering's agent: it reads its
    user, the offering, the offering's identities, registers an identity, its event queue (twice)
    and a service of it, and reads them back."""
    http.get("/api/users/me/", headers=OFFERING_MANAGER)
    http.get(f"/api/marketplace-provider-offerings/{OFFERING}/", headers=OFFERING_MANAGER)
    http.get("/api/marketplace-site-agent-identities/", params={"offering_uuid": OFFERING}, headers=OFFERING_MANAGER)
    created = http.post("/api/marketplace-site-agent-identities/", headers=OFFERING_MANAGER, json={
        "offering": OFFERING, "name": f"manager-agent-{time.monotonic_ns()}", "version": "1.0.7", "dependencies": []})
    identity = created.json() if created.status_code in (200, 201) else {}
    if isinstance(identity, dict) and isinstance(identity.get("uuid"), str):
        http.get(f"/api/marketplace-site-agent-identities/{identity['uuid']}/", headers=OFFERING_MANAGER)
        for _ in range(2):  # an agent in event mode registers its queue at each start: 201, then 200
            http.post(f"/api/marketplace-site-agent-identities/{identity['uuid']}/register_queue/",
                      json={"object_types": ["order"]}, headers=OFFERING_MANAGER)
        registered = http.post(f"/api/marketplace-site-agent-identities/{identity['uuid']}/register_service/",
                               json={"name": "report", "mode": "report"}, headers=OFFERING_MANAGER)
        service = registered.json() if registered.status_code in (200, 201) else {}
        if isinstance(service, dict) and isinstance(service.get("uuid"), str):
            http.get(f"/api/marketplace-site-agent-services/{service['uuid']}/", headers=OFFERING_MANAGER)


def added_order(http: httpx.Client, order_type: str) -> str:
    """A pending order for the built-in resource, added on the admin surface (forwarded upstream)."""
    answer = http.post("/__admin/orders", json={"resource": RESOURCE, "type": order_type})
    body = answer.json() if answer.status_code == 201 else {}
    return str(body.get("uuid", "0" * 32)) if isinstance(body, dict) else "0" * 32


def site_agent_traffic(http: httpx.Client) -> None:
    """What waldur-site-agent sends in its order_process, report and membership_sync cycles, on
    the built-in data: its identity registered and updated, a service and processor of it, the
    offering and its settings, orders approved, done, rejected and erred, the resource's backend
    id, limits, metadata and states, usages and per-user usages, and the lists it reads."""
    http.get("/api/version/", headers=WALDUR)
    http.get("/api/users/me/", headers=WALDUR)
    identity_body = {"offering": OFFERING, "name": f"agent-proxy-{time.monotonic_ns()}", "version": "1.0.7",
                     "dependencies": [], "config_file_path": "/etc/waldur/agent.yaml"}
    created = http.post("/api/marketplace-site-agent-identities/", json=identity_body, headers=WALDUR)
    identity = (created.json() if created.status_code in (200, 201) else {}) or {}
    identity_uuid = str(identity.get("uuid", "0" * 32)) if isinstance(identity, dict) else "0" * 32
    http.get("/api/marketplace-site-agent-identities/", params={"name": identity_body["name"]}, headers=WALDUR)
    http.get(f"/api/marketplace-site-agent-identities/{identity_uuid}/", headers=WALDUR)
    http.put(f"/api/marketplace-site-agent-identities/{identity_uuid}/", json={**identity_body, "version": "1.0.8"},
             headers=WALDUR)
    for _ in range(2):  # the agent registers its service at every start
        registered = http.post(f"/api/marketplace-site-agent-identities/{identity_uuid}/register_service/",
                               json={"name": "order_process", "mode": "order_process"}, headers=WALDUR)
    service = registered.json() if registered.status_code in (200, 201) else {}
    service_uuid = str(service.get("uuid", "0" * 32)) if isinstance(service, dict) else "0" * 32
    processor = http.post(f"/api/marketplace-site-agent-services/{service_uuid}/register_processor/",
                          json={"name": "mock", "backend_type": "mock", "backend_version": "1"}, headers=WALDUR)
    processor_body = processor.json() if processor.status_code in (200, 201) else {}
    processor_uuid = str(processor_body.get("uuid", "0" * 32)) if isinstance(processor_body, dict) else "0" * 32
    http.get(f"/api/marketplace-site-agent-processors/{processor_uuid}/", headers=WALDUR)

    http.get(f"/api/marketplace-provider-offerings/{OFFERING}/", headers=WALDUR)
    http.get(f"/api/marketplace-provider-offerings/{OFFERING}/user-attribute-config/", headers=WALDUR)
    http.get(f"/api/marketplace-provider-offerings/{OFFERING}/list_project_service_accounts/", headers=WALDUR)
    http.get(f"/api/marketplace-provider-offerings/{OFFERING}/list_course_accounts/", headers=WALDUR)
    http.get("/api/marketplace-service-providers/", headers=WALDUR)
    http.get(f"/api/marketplace-service-providers/{SERVICE_PROVIDER}/keys/", headers=WALDUR)
    http.get(f"/api/marketplace-plans/{PLAN}/", headers=WALDUR)

    http.get("/api/marketplace-orders/", params={"offering_uuid": OFFERING, "state": "pending-provider"}, headers=WALDUR)
    http.get(f"/api/marketplace-orders/{ORDER}/", headers=WALDUR)
    for _ in range(2):  # the second approval is refused: the order is executing
        http.post(f"/api/marketplace-orders/{ORDER}/approve_by_provider/", json={}, headers=WALDUR)
    http.post(f"/api/marketplace-provider-resources/{RESOURCE}/set_backend_id/", json={"backend_id": "genome-1"},
              headers=WALDUR)
    http.post(f"/api/marketplace-orders/{ORDER}/set_state_done/", headers=WALDUR)
    http.post(f"/api/marketplace-orders/{added_order(http, 'Update')}/reject_by_provider/",
              json={"provider_rejection_comment": "no capacity"}, headers=WALDUR)
    http.post(f"/api/marketplace-orders/{added_order(http, 'Update')}/set_state_erred/",
              json={"error_message": "backend down", "error_traceback": ""}, headers=WALDUR)

    http.get("/api/marketplace-provider-resources/", params={"offering_uuid": OFFERING}, headers=WALDUR)
    http.get(f"/api/marketplace-provider-resources/{RESOURCE}/", headers=WALDUR)
    http.get(f"/api/marketplace-provider-resources/{RESOURCE}/team/", headers=WALDUR)
    http.post(f"/api/marketplace-provider-resources/{RESOURCE}/set_limits/", json={"limits": {"cpu": 900, "mem": 2048}},
              headers=WALDUR)
    http.post(f"/api/marketplace-provider-resources/{RESOURCE}/set_backend_metadata/",
              json={"backend_metadata": {"account": "genome-1"}}, headers=WALDUR)
    http.post(f"/api/marketplace-provider-resources/{RESOURCE}/refresh_last_sync/", headers=WALDUR)
    http.post(f"/api/marketplace-provider-resources/{RESOURCE}/set_as_erred/",
              json={"error_message": "sync failed", "error_traceback": ""}, headers=WALDUR)
    http.post(f"/api/marketplace-provider-resources/{RESOURCE}/set_as_ok/", headers=WALDUR)

    http.post("/api/marketplace-component-usages/set_usage/",
              json={"resource": RESOURCE, "usages": [{"type": "cpu", "amount": "12.5"}, {"type": "mem", "amount": "3"}]},
              headers=WALDUR)
    usages = listed(http.get("/api/marketplace-component-usages/", params={"resource_uuid": RESOURCE}, headers=WALDUR))
    usage_uuid = str(usages[0].get("uuid", "0" * 32)) if usages else "0" * 32
    http.post(f"/api/marketplace-component-usages/{usage_uuid}/set_user_usages/",
              json={"usages": [{"username": "alice", "usage": "10.5"}, {"username": "bob", "usage": "2"}]},
              headers=WALDUR)
    http.post(f"/api/marketplace-component-usages/{usage_uuid}/set_user_usage/",
              json={"username": "carol", "usage": "1.5"}, headers=WALDUR)
    http.get("/api/marketplace-component-user-usages/", params={"resource_uuid": RESOURCE}, headers=WALDUR)
    http.get("/api/marketplace-offering-users/", params={"offering_uuid": OFFERING}, headers=WALDUR)
    http.get("/api/component-user-usage-limits/", params={"resource_uuid": RESOURCE}, headers=WALDUR)
