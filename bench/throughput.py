"""Throughput and latency of the mock beside a bare Starlette app and Stoplight Prism.

    .venv/bin/python bench/throughput.py [--seconds 10] [--connections 32] [--warmup 1] [--profile]

The same load generator (wrk, 2 threads), the same machine, the same spec/ documents:
- ours: `mockserver`, one uvicorn worker, its built-in data;
- Starlette: bare_starlette.py under the same uvicorn, answering the mock's captured bytes;
- Prism: `prism mock SPEC` on each document (pinned in bench/package.json, installed on first
  use), as that command runs it (logging each request at info, to a file here), and again
  with `-v warn`, its fastest setting. The targets compare with the fastest, `-v warn`.
Prints req/s and p50/p99 latency per endpoint, the ratios, and the targets; exits 1 on a miss.
--profile then samples the mock with py-spy under the same loads (bench/results/).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (AGENTS, BENCH, PREFACTOR, PYTHON, RESULTS, SERVICE_UUID, SERVICES, SPECS, STAFF, STATUSES,  # noqa: E402
                    Load, Server, Targets, finish_profile, free_port, machine_load, require_wrk, rotating_body,
                    run_wrk, start_mock, start_profile, table)

PRISM = BENCH / "node_modules" / ".bin" / "prism"
PRISM_VERSION = json.loads((BENCH / "package.json").read_text())["dependencies"]["@stoplight/prism-cli"]

ORDERS = "/api/marketplace-orders/"
OFFERING_UUID = "fce5a890b4e15e57980a83931fcee79c"  # hpc-cluster, an offering of the built-in data set

ENDPOINTS = {
    "list services": Load("GET", f"{SERVICES}?page_size=20", STAFF),
    "list statuses (o=)": Load("GET", f"{STATUSES}?o=-last_request_timestamp", STAFF),
    "retrieve service": Load("GET", f"{SERVICES}{SERVICE_UUID}/", STAFF),
    # As waldur-site-agent 1.0.7 polls for work (waldur_site_agent/common/processors.py, its orders query).
    "list orders (state)": Load("GET", f"{ORDERS}?offering_uuid={OFFERING_UUID}&state=pending-provider&state=executing",
                                STAFF),
    # Eight names: the first request of each creates a processor, every later one updates it.
    "register_processor": Load("POST", f"{SERVICES}{SERVICE_UUID}/register_processor/", STAFF,
                               rotating_body('{"name": "bench-%d", "backend_type": "SLURM"}', 8)),
    "create agent": Load("POST", AGENTS, PREFACTOR, rotating_body('{"details": {"name": "bench-agent-%d"}}', 1000)),
}
READS = ("list services", "list statuses (o=)", "retrieve service", "list orders (state)")
SERVERS = ("ours", "Starlette", "Prism", "Prism -v warn")
TARGET_VS_PRISM, TARGET_VS_STARLETTE, TARGET_P99_MS = 1.5, 0.5, 25.0


def capture(mock: Server) -> list[dict]:
    """One real answer of the mock per endpoint, for the bare app to serve verbatim."""
    register = ENDPOINTS["register_processor"]
    body = {"name": "bench-0", "backend_type": "SLURM"}
    httpx.post(mock.url + register.path, json=body, headers=register.headers)  # created; the next one updates
    captured = []
    for load in ENDPOINTS.values():
        payload = body if load is register else {"details": {"name": "bench-agent-0"}} if load.path == AGENTS else None
        answer = httpx.request(load.method, mock.url + load.path, json=payload, headers=load.headers)
        answer.raise_for_status()
        captured.append({"method": load.method, "path": load.path.split("?")[0], "status": answer.status_code,
                         "body": answer.text})
    return captured


def ensure_prism() -> None:
    version = subprocess.run([PRISM, "--version"], capture_output=True, text=True).stdout.strip() if PRISM.exists() else ""
    if version != PRISM_VERSION:
        print(f"installing Prism {PRISM_VERSION} into bench/node_modules (npm ci --prefix bench)", flush=True)
        subprocess.run(["npm", "ci", "--prefix", str(BENCH), "--ignore-scripts", "--no-audit", "--no-fund",
                        "--loglevel=error"], check=True)


def start_prism(api: str, quiet: bool) -> Server:
    port = free_port()
    command = [str(PRISM), "mock", "-p", str(port), str(SPECS[api])] + (["-v", "warn"] if quiet else [])
    ready = SERVICES if api == "waldur" else AGENTS
    return Server(f"prism-{api}", command, port, ready, STAFF, timeout=90, any_answer=api == "prefactor")


def measure(servers: dict[str, dict[str, Server]], seconds: float, warmup: float, connections: int):
    results = {}
    for endpoint, load in ENDPOINTS.items():
        api = "prefactor" if load.path == AGENTS else "waldur"
        for name in SERVERS:
            url = servers[name][api].url
            if warmup:
                run_wrk(url, load, seconds=warmup, connections=connections)
            results[endpoint, name] = run_wrk(url, load, seconds=seconds, connections=connections)
            print(f"  {endpoint:<20} {name:<14} {results[endpoint, name].rps:>8,.0f} req/s", flush=True)
    return results


def report(results, connections: int) -> int:
    rows = []
    for endpoint in ENDPOINTS:
        for name in SERVERS:
            rows.append([endpoint if name == "ours" else "", name, *results[endpoint, name].cells()])
        ours = results[endpoint, "ours"]
        for name in SERVERS[1:]:
            rows.append(["", f"ours/{name}", f"{ours.rps / results[endpoint, name].rps:.2f}x", "", "", ""])
    print(f"\nwrk -t2 -c{connections}, one server process each (ours and Starlette: 1 uvicorn worker)")
    print(table(["endpoint", "server", "req/s", "p50 ms", "p99 ms", "errors/non-2xx"], rows))
    targets = Targets()
    for endpoint in ENDPOINTS:
        ours, bare, prism = (results[endpoint, name] for name in ("ours", "Starlette", "Prism -v warn"))
        targets.check(f"{endpoint}: ours >= {TARGET_VS_PRISM}x Prism -v warn", ours.rps >= TARGET_VS_PRISM * prism.rps,
                      f"{ours.rps / prism.rps:.2f}x")
        if endpoint in READS:
            targets.check(f"{endpoint}: ours >= {TARGET_VS_STARLETTE:.0%} of Starlette",
                          ours.rps >= TARGET_VS_STARLETTE * bare.rps, f"{ours.rps / bare.rps:.0%}")
        targets.check(f"{endpoint}: ours p99 < {TARGET_P99_MS:.0f} ms at {connections} connections",
                      ours.p99_ms < TARGET_P99_MS, f"{ours.p99_ms:.1f} ms")
        targets.check(f"{endpoint}: ours answered every request with 2xx", ours.errors + ours.non_2xx == 0,
                      f"{ours.errors} errors, {ours.non_2xx} non-2xx")
    return targets.report()


def profile(mock: Server, seconds: float, connections: int) -> None:
    print(f"\nprofiling the mock with py-spy, {seconds:.0f} s per endpoint under the same load")
    summaries = []
    for endpoint, load in ENDPOINTS.items():
        raw = RESULTS / f"throughput-{endpoint.replace(' ', '-')}.collapsed"
        recorder = start_profile(mock.pid, seconds, raw)
        run_wrk(mock.url, load, seconds=seconds, connections=connections)
        summaries.append(f"== {endpoint}\n{finish_profile(recorder, raw, top=12)}")
    text = "\n\n".join(summaries)
    (RESULTS / "throughput-profile.txt").write_text(text + "\n")
    print(text)
    print(f"\nsaved: {RESULTS / 'throughput-profile.txt'} and the collapsed stacks beside it")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured wrk run per endpoint and server")
    parser.add_argument("--warmup", type=float, default=1, help="unmeasured wrk run before each (0: none)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--profile", action="store_true", help="then profile the mock under load with py-spy")
    parser.add_argument("--profile-seconds", type=float, default=6)
    args = parser.parse_args()
    require_wrk()
    ensure_prism()
    with start_mock() as mock, tempfile.TemporaryDirectory() as tmp:
        captured = Path(tmp) / "captured.json"
        captured.write_text(json.dumps(capture(mock)))
        port = free_port()
        bare = Server("starlette", [PYTHON, str(BENCH / "bare_starlette.py"), str(captured), str(port)], port,
                      f"{SERVICES}{SERVICE_UUID}/", STAFF)
        with contextlib.ExitStack() as stack:
            stack.enter_context(bare)
            servers = {"ours": {"waldur": mock, "prefactor": mock}, "Starlette": {"waldur": bare, "prefactor": bare}}
            for name, quiet in (("Prism", False), ("Prism -v warn", True)):
                servers[name] = {api: stack.enter_context(start_prism(api, quiet)) for api in SPECS}
            print(f"measuring: {args.seconds:.0f} s per run after {args.warmup:.0f} s warmup, "
                  f"{args.connections} connections; {machine_load()}", flush=True)
            results = measure(servers, args.seconds, args.warmup, args.connections)
            print(f"done; {machine_load()}")
        status = report(results, args.connections)
        if args.profile:
            profile(mock, args.profile_seconds, args.connections)
    return status


if __name__ == "__main__":
    sys.exit(main())
