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

ROOT = Path(__file__).resolve().parent.parent
WALDUR = {"Authorization": "Token waldur-owner"}
SUPPORT = {"Authorization": "Token waldur-support"}
PREFACTOR = {"Authorization": "Bearer prefactor-dev"}


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
    """Valid requests to every operation, as agents and frontends send them: lists and their pages,
    filters, ordering, HEAD, retrieves, register_processor twice, set_statistics then a read,
    both stats, agents created with and without an idempotency key, and refusals."""
    with httpx.Client(base_url=base, timeout=30) as http:
        services = listed(http.get("/api/marketplace-site-agent-services/", params={"page_size": 100}, headers=WALDUR))
        page = http.get("/api/marketplace-site-agent-services/", params={"page_size": 2}, headers=WALDUR)
        if 'rel="next"' in page.headers.get("link", ""):
            next_link = [part for part in page.headers["link"].split(", ") if 'rel="next"' in part][0]
            http.get(local(next_link.split(">")[0].lstrip("<"), base), headers=WALDUR)
        http.head("/api/marketplace-site-agent-services/", headers=WALDUR)
        http.get("/api/marketplace-site-agent-services/", params=[("state", "2"), ("state", "3")], headers=WALDUR)
        service = services[0] if services else {"uuid": "0" * 32, "identity": "0" * 32}
        uuid = str(service.get("uuid")).replace("-", "")
        hyphenated = f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}"
        http.get("/api/marketplace-site-agent-services/", params={"identity_uuid": service.get("identity")}, headers=WALDUR)
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
        http.get("/api/marketplace-site-agent-services/")  # no credentials: 401
        http.get("/api/marketplace-site-agent-services/0123456789abcdef0123456789abcdef/", headers=WALDUR)  # 404
        http.get("/api/marketplace-site-agent-connection-stats/", headers={"Authorization": "Token waldur-user"})  # 403
