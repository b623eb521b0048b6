"""What every bench script shares: servers on free loopback ports, wrk runs, py-spy profiles,
targets that decide the exit code, and plain-text tables.

Everything here talks to 127.0.0.1 only, and every loop is bounded in time.
"""
from __future__ import annotations

import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
SPECS = {"waldur": ROOT / "spec" / "waldur-marketplace-site-agent.yaml",
         "prefactor": ROOT / "spec" / "prefactor-agents.yaml"}
STAFF = {"Authorization": "Token waldur-staff"}
PREFACTOR = {"Authorization": "Bearer prefactor-dev"}
SERVICES = "/api/marketplace-site-agent-services/"
STATUSES = "/api/marketplace-integration-statuses/"
AGENTS = "/api/v1/agent"
# A service of the built-in data set (order-processing, Alpha University).
SERVICE_UUID = "7d494fe8e36b5b3baf5e76ea7a0add1a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine_load() -> str:
    """Timing figures mean little while other work runs on the machine: print this beside them."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Server:
    """A server in a child process, ready once `ready_path` answers 200 (or anything, with
    `any_answer`); `startup_seconds` is the time from process start to then. Stopped on exit."""

    def __init__(self, name: str, command: list[str], port: int, ready_path: str, headers: dict | None = None,
                 timeout: float = 60, cwd: Path = ROOT, any_answer: bool = False):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        started = time.monotonic()
        self.process = subprocess.Popen(command, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        try:
            self._wait_ready(ready_path, headers or {}, timeout, any_answer)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_ready(self, path: str, headers: dict, timeout: float, any_answer: bool) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status = httpx.get(self.url + path, headers=headers, timeout=5).status_code
                if status == 200 or any_answer:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} did not answer 200 on {path} within {timeout:.0f} s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mib(self) -> float:
        return rss_mib(self.pid)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_mock(*options: str, data: Path | None = None, timeout: float = 60) -> Server:
    """`mockserver` (one uvicorn worker, no access log) on a free port, as a user starts it."""
    port = free_port()
    command = [PYTHON, "-m", "agent_api_mock", "--port", str(port), "--log-level", "warning", *options]
    if data is not None:
        command += ["--data", str(data)]
    return Server("mockserver", command, port, SERVICES + "?page_size=1", STAFF, timeout)


def api_requests_received(mock: Server) -> int:
    """How many API requests the mock has journaled since it started: the journal keeps only
    the latest entries, but its ids count every request (and survive /__admin/reset)."""
    httpx.get(mock.url + "/api/marketplace-site-agent-task-stats/", params={"bench_probe": "1"}, headers=STAFF,
              timeout=10)
    entries = httpx.get(mock.url + "/__admin/requests", params={"query": "bench_probe=1"}, timeout=30).json()
    return entries[-1]["id"] - 1


# --- wrk ------------------------------------------------------------------------------------

WRK_HINT = "wrk is missing: install it with `apt-get update && apt-get install -y wrk` (Debian package wrk)"

# Appended to every wrk script: one machine-readable line with exact percentiles and error counts.
WRK_REPORT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class Load:
    """What wrk sends: a method, a path, headers, and an optional Lua snippet that builds bodies."""
    method: str
    path: str
    headers: dict
    lua: str = ""


@dataclass
class WrkResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int      # socket errors and timeouts
    non_2xx: int     # answers other than 2xx/3xx

    def cells(self) -> list[str]:
        return [f"{self.rps:,.0f}", f"{self.p50_ms:.1f}", f"{self.p99_ms:.1f}", f"{self.non_2xx + self.errors}"]


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit(WRK_HINT)
    return wrk


def run_wrk(base_url: str, load: Load, *, seconds: float, connections: int, threads: int = 2) -> WrkResult:
    script = f"wrk.method = {json.dumps(load.method)}\n"
    script += "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in load.headers.items())
    script += load.lua + WRK_REPORT
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        threads = min(threads, connections)
        out = subprocess.run([require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                              "--latency", "--timeout", "10s", "-s", lua.name, base_url + load.path],
                             capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(lua.name)
    line = next((text for text in out.stdout.splitlines() if text.startswith("BENCH-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    r = json.loads(line.removeprefix("BENCH-RESULT "))
    return WrkResult(r["requests"], r["requests"] / (r["duration_us"] / 1e6), r["p50_us"] / 1000, r["p99_us"] / 1000,
                     r["max_us"] / 1000, r["connect"] + r["read"] + r["write"] + r["timeout"], r["status"])


def rotating_body(template: str, names: int) -> str:
    """Lua for a POST whose body cycles through `names` names: `template` holds %d once."""
    return f"""
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format({json.dumps(template)}, n % {names}))
end
"""


# --- py-spy ---------------------------------------------------------------------------------

PY_SPY_HINT = "py-spy is missing: .venv/bin/pip install -e '.[bench]' (it is in pyproject's `bench` extra)"


def py_spy() -> str:
    beside_python = Path(PYTHON).parent / "py-spy"
    found = str(beside_python) if beside_python.exists() else shutil.which("py-spy")
    if found is None:
        sys.exit(PY_SPY_HINT)
    return found


def start_profile(pid: int, seconds: float, raw_path: Path) -> subprocess.Popen:
    """py-spy sampling `pid` for `seconds` into collapsed stacks (flamegraph.pl / speedscope read them)."""
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
                             "--rate", "200", "--format", "raw", "--output", str(raw_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish_profile(recorder: subprocess.Popen, raw_path: Path, top: int = 15) -> str:
    _, err = recorder.communicate(timeout=120)
    if recorder.returncode != 0 or not raw_path.exists():
        return f"py-spy failed ({recorder.returncode}): {err.strip()}"
    return summarize_profile(raw_path, top)


def _frame(frame: str) -> str:
    """`func (uvicorn/server.py:86)` -> `func (uvicorn/server.py)`: one entry per function."""
    return re.sub(r":\d+\)$", ")", frame.strip())


def _package(frame: str) -> str:
    """py-spy names files relative to their sys.path entry: the first part is the package."""
    file = frame[frame.rfind("(") + 1:-1]
    return file.split("/")[0].removesuffix(".py")


def _layer(frames: list[str]) -> str:
    """Where a sample's time belongs: uvicorn writing to the socket, else the operation's
    handler if it is running, else the innermost ASGI layer (`__call__`, including the `send`
    wrappers defined inside one), else uvicorn's own protocol code outside the app."""
    if "RequestResponseCycle.send" in frames[-1]:
        return "uvicorn writing the answer to the socket (RequestResponseCycle.send)"
    for frame in frames:
        if "agent_api_mock/resources/" in frame:
            return "handler " + frame
    for frame in reversed(frames):
        if "__call__" in frame:
            return frame
    return "outside the app: " + frames[-1]


def summarize_profile(raw_path: Path, top: int = 15) -> str:
    """Own time per package and per function, and time per layer of the app (with callees)."""
    own, layer, package = collections.Counter(), collections.Counter(), collections.Counter()
    samples = 0
    for line in raw_path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_frame(f) for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        n = int(count)
        samples += n
        own[frames[-1]] += n
        package[_package(frames[-1])] += n
        layer[_layer(frames)] += n

    def block(title: str, counter: collections.Counter) -> list[str]:
        rows = [f"  {100 * n / samples:5.1f} %  {name}" for name, n in counter.most_common(top)]
        return [title, *rows]

    lines = [f"profile: {samples} samples of busy time ({raw_path.name})"]
    lines += block("own time by package:", package)
    lines += block("own time by function:", own)
    lines += block("time by layer (the handler, else the innermost ASGI __call__), callees included:", layer)
    return "\n".join(lines)


# --- targets and tables ---------------------------------------------------------------------

class Targets:
    """Collects pass/miss verdicts; the script exits non-zero when any target is missed."""

    def __init__(self):
        self.rows: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, figure: str) -> bool:
        self.rows.append((name, ok, figure))
        return ok

    def report(self) -> int:
        print("\ntargets:")
        print(table(["target", "figure", "verdict"], [[name, figure, "ok" if ok else "MISSED"]
                                                      for name, ok, figure in self.rows]))
        missed = sum(not ok for _, ok, _ in self.rows)
        print(f"\n{len(self.rows) - missed} met, {missed} missed")
        return 1 if missed else 0


def table(header: list[str], rows: list[list[str]]) -> str:
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _exit_on_sigterm(signum, frame):
    sys.exit(128 + signum)


# A bench script stopped with SIGTERM (CI's timeout, kill PID) unwinds its `with` blocks and so
# stops the servers it started, instead of leaving them running.
signal.signal(signal.SIGTERM, _exit_on_sigterm)
