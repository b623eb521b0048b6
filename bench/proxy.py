"""The validating proxy's cost: the latency it adds and its throughput, beside Prism's `proxy`
mode on the same spec and upstream, and its memory over a sustained run.

    .venv/bin/python bench/proxy.py [--seconds 5] [--connections 32] [--minutes 0.5]

One run, one machine, one upstream (`mockserver`, its built-in data), the same load generator
(wrk, 2 threads) for three ways in:
- direct: straight to the mock;
- ours: `mockserver proxy --upstream MOCK --report FILE` (judging every exchange, journaling,
  streaming the report);
- Prism: `prism proxy SPEC MOCK` for each document (pinned in bench/package.json), as that
  command runs it.
Added latency is p50/p99 through a proxy minus p50/p99 direct, with one connection (no
queueing), in rounds that take turns between the three ways: on a quiet machine, and again
while the benchmark's own load (wrk at --connections, the same operation) runs on the upstream;
throughput is req/s at --connections. The load goes to a second mock on the same machine,
not to the probes' upstream: on a saturated upstream any proxy's added latency is mostly that
upstream's queue (wrk sends its next request microseconds after an answer; a client that takes
a tenth of a millisecond, a proxy, aiohttp or a plain Python socket, waits about twice as long
there even direct: create agent 9.8 against wrk's 5.3 ms p50), which says nothing of the proxy. Then `--minutes` of mixed traffic through our
proxy (a share of it violating, so the journal and report grow) with its RSS sampled: memory
must stay flat. Targets, on every endpoint, quiet and under load: at most 2 ms added p50, and
less added p50 than Prism's (under load: no more); RSS growth over the sustained run under 20 MiB. Exits 1 on a miss.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (AGENTS, PREFACTOR, PYTHON, SERVICE_UUID, SERVICES, SPECS, STAFF, STATUSES, Load,  # noqa: E402
                    Server, Targets, free_port, machine_load, require_wrk, run_wrk, start_mock, table)
from throughput import ENDPOINTS, PRISM, ensure_prism  # noqa: E402

WAYS = ("direct", "ours", "Prism")
TARGET_ADDED_P50_MS = 2.0
TARGET_RSS_GROWTH_MIB = 20.0

# The sustained run: reads, writes and, one request in six, a client's invalid body (a violation).
MIXED = [
    ("GET", f"{SERVICES}?page_size=20", STAFF, None),
    ("GET", f"{SERVICES}{SERVICE_UUID}/", STAFF, None),
    ("GET", f"{STATUSES}?o=-last_request_timestamp", STAFF, None),
    ("POST", f"{SERVICES}{SERVICE_UUID}/register_processor/", STAFF, '{"name": "bench-mixed", "backend_type": "SLURM"}'),
    ("POST", AGENTS, PREFACTOR, '{"details": {"name": "bench-mixed"}}'),
    ("POST", AGENTS, PREFACTOR, '{"details": {}}'),
]


def mixed_lua() -> str:
    requests = []
    for method, path, headers, body in MIXED:
        headers = {**headers, **({"Content-Type": "application/json"} if body else {})}
        lua_headers = "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()) + "}"
        requests.append(f"wrk.format({json.dumps(method)}, {json.dumps(path)}, {lua_headers}, "
                        f"{json.dumps(body) if body else 'nil'})")
    return ("local requests = {}\nlocal n = 0\ninit = function()\n" +
            "".join(f"  requests[{i + 1}] = {r}\n" for i, r in enumerate(requests)) +
            "end\nrequest = function()\n  n = n % #requests + 1\n  return requests[n]\nend\n")


def start_ours(upstream: Server, report: Path) -> Server:
    port = free_port()
    command = [PYTHON, "-m", "agent_api_mock", "proxy", "--upstream", upstream.url, "--port", str(port),
               "--report", str(report), "--log-level", "error"]
    return Server("proxy", command, port, SERVICES + "?page_size=1", STAFF)


def start_prism_proxy(api: str, upstream: Server) -> Server:
    port = free_port()
    command = [str(PRISM), "proxy", "-p", str(port), str(SPECS[api]), upstream.url]
    ready = SERVICES + "?page_size=1" if api == "waldur" else AGENTS
    return Server(f"prism-proxy-{api}", command, port, ready, STAFF, timeout=90, any_answer=api == "prefactor")


def latency_rounds(ways: dict, api: str, load: Load, seconds: float, rounds: int) -> dict:
    """One connection per way, in `rounds` rounds that take turns between the ways (a busy
    machine's noise falls on all of them alike); the round with the median p50 counts."""
    runs = {way: [] for way in WAYS}
    for _ in range(rounds):
        for way in WAYS:
            runs[way].append(run_wrk(ways[way][api].url, load, seconds=seconds / rounds, connections=1))
    return {way: sorted(runs[way], key=lambda r: r.p50_ms)[len(runs[way]) // 2] for way in WAYS}


@contextlib.contextmanager
def background_load(server: Server, load: Load, seconds: float, connections: int):
    """The benchmark's own load (wrk -t2 -c`connections`, the same operation) on `server`, for
    `seconds`, while the block runs."""
    done = {}
    loader = threading.Thread(target=lambda: done.update(result=run_wrk(server.url, load, seconds=seconds,
                                                                         connections=connections)), daemon=True)
    loader.start()
    time.sleep(0.5)  # under way before the first probe
    yield done
    loader.join()


def measure(ways: dict, loaded: Server, seconds: float, warmup: float, connections: int, rounds: int) -> dict:
    """Per endpoint: latency on a quiet machine, latency while the benchmark's own load
    (`connections` connections of the same operation) runs on the machine against `loaded`, a
    second mock, then throughput."""
    results = {}
    for endpoint, load in ENDPOINTS.items():
        api = "prefactor" if load.path == AGENTS else "waldur"
        for way in WAYS:
            if warmup:
                run_wrk(ways[way][api].url, load, seconds=warmup, connections=1)
        for way, result in latency_rounds(ways, api, load, seconds, rounds).items():
            results[endpoint, way, "latency"] = result
        with background_load(loaded, load, len(WAYS) * seconds + 1.5, connections) as background:
            for way, result in latency_rounds(ways, api, load, seconds, rounds).items():
                results[endpoint, way, "latency under load"] = result
        results[endpoint, "load", "throughput"] = background["result"]
        for way in WAYS:
            results[endpoint, way, "throughput"] = run_wrk(ways[way][api].url, load, seconds=seconds,
                                                            connections=connections)
            print(f"  {endpoint:<20} {way:<7} p50 {results[endpoint, way, 'latency'].p50_ms:6.2f} ms, under load "
                  f"{results[endpoint, way, 'latency under load'].p50_ms:6.2f} ms  "
                  f"{results[endpoint, way, 'throughput'].rps:>8,.0f} req/s", flush=True)
    return results


def sustained(proxy: Server, seconds: float, connections: int) -> list[tuple[float, float]]:
    """RSS of the proxy every few seconds while wrk sends the mixed traffic."""
    samples, done = [], threading.Event()

    def sample():
        started = time.monotonic()
        while not done.wait(min(5.0, max(1.0, seconds / 30))):
            samples.append((time.monotonic() - started, proxy.rss_mib()))

    sampler = threading.Thread(target=sample, daemon=True)
    samples.append((0.0, proxy.rss_mib()))
    sampler.start()
    result = run_wrk(proxy.url, Load("GET", "/", {}, mixed_lua()), seconds=seconds, connections=connections)
    done.set()
    sampler.join()
    samples.append((seconds, proxy.rss_mib()))
    print(f"  sustained: {result.requests:,} requests, {result.rps:,.0f} req/s, {result.errors} socket errors")
    return samples


def report(results: dict, samples: list, warm_rss: float, report_file: Path, connections: int) -> int:
    rows = []
    for endpoint in ENDPOINTS:
        direct, loaded_direct = results[endpoint, "direct", "latency"], results[endpoint, "direct", "latency under load"]
        for way in WAYS:
            latency, throughput = results[endpoint, way, "latency"], results[endpoint, way, "throughput"]
            loaded = results[endpoint, way, "latency under load"]
            added = "" if way == "direct" else \
                f"{latency.p50_ms - direct.p50_ms:+.2f} / {latency.p99_ms - direct.p99_ms:+.2f}"
            added_loaded = "" if way == "direct" else f"{loaded.p50_ms - loaded_direct.p50_ms:+.2f}"
            rows.append([endpoint if way == "direct" else "", way, f"{latency.p50_ms:.2f}", f"{latency.p99_ms:.2f}", added,
                         f"{loaded.p50_ms:.2f}", added_loaded, f"{throughput.rps:,.0f}",
                         str(latency.errors + latency.non_2xx + throughput.errors + loaded.errors + loaded.non_2xx)])
        rows.append(["", "(load)", "", "", "", "", "", f"{results[endpoint, 'load', 'throughput'].rps:,.0f}", ""])
    print(f"\nlatency: wrk -t1 -c1 (the median of the rounds), on a quiet machine and while the benchmark's own "
          f"load (wrk -t2 -c{connections}, the same operation, on a second mock: its req/s in the (load) row) runs; "
          f"throughput: wrk -t2 -c{connections}; upstream: one mockserver process")
    print(table(["endpoint", "way", "p50 ms", "p99 ms", "added p50/p99 ms", "loaded p50 ms", "added p50 loaded",
                 "req/s", "socket errors"], rows))
    rss = [mib for _, mib in samples]
    print(f"\nproxy RSS over the sustained run: start {rss[0]:.1f} MiB, end {rss[-1]:.1f} MiB, max {max(rss):.1f} MiB "
          f"({len(samples)} samples over {samples[-1][0]:.0f} s; {warm_rss:.1f} MiB after the latency runs)")
    print("  " + "  ".join(f"{t:.0f}s:{mib:.1f}" for t, mib in samples[:: max(1, len(samples) // 12)]))
    written = json.loads(report_file.read_text()) if report_file.exists() else None
    if written:
        print(f"report: {written['exchanges']:,} exchanges, {written['violations_total']:,} violations "
              f"({report_file.with_suffix('').as_posix()}.violations.jsonl: "
              f"{Path(str(report_file.with_suffix('')) + '.violations.jsonl').stat().st_size / 2**20:.1f} MiB)")
    targets = Targets()
    for endpoint in ENDPOINTS:
        direct, ours, prism = (results[endpoint, way, "latency"] for way in WAYS)
        added_ours, added_prism = ours.p50_ms - direct.p50_ms, prism.p50_ms - direct.p50_ms
        targets.check(f"{endpoint}: ours adds <= {TARGET_ADDED_P50_MS} ms at p50", added_ours <= TARGET_ADDED_P50_MS,
                      f"{added_ours:+.2f} ms")
        targets.check(f"{endpoint}: ours adds less than Prism's proxy at p50", added_ours < added_prism,
                      f"{added_ours:+.2f} vs {added_prism:+.2f} ms")
        direct, ours, prism = (results[endpoint, way, "latency under load"] for way in WAYS)
        added_ours, added_prism = ours.p50_ms - direct.p50_ms, prism.p50_ms - direct.p50_ms
        targets.check(f"{endpoint}: under load, ours adds <= {TARGET_ADDED_P50_MS} ms at p50",
                      added_ours <= TARGET_ADDED_P50_MS, f"{added_ours:+.2f} ms")
        targets.check(f"{endpoint}: under load, ours adds no more than Prism's proxy at p50", added_ours <= added_prism,
                      f"{added_ours:+.2f} vs {added_prism:+.2f} ms")
    growth = rss[-1] - rss[0]
    targets.check(f"proxy RSS grows < {TARGET_RSS_GROWTH_MIB:.0f} MiB over the sustained run",
                  growth < TARGET_RSS_GROWTH_MIB, f"{growth:+.1f} MiB")
    return targets.report()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="measured wrk run per endpoint, way and kind")
    parser.add_argument("--warmup", type=float, default=1, help="unmeasured wrk run before each (0: none)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="latency rounds taking turns between the ways")
    parser.add_argument("--minutes", type=float, default=0.5, help="the sustained run for the memory check (5 for the "
                                                                   "5-minute check)")
    args = parser.parse_args()
    require_wrk()
    ensure_prism()
    with tempfile.TemporaryDirectory() as tmp, start_mock() as mock, contextlib.ExitStack() as stack:
        report_file = Path(tmp) / "proxy-report.json"
        ours = stack.enter_context(start_ours(mock, report_file))
        prism = {api: stack.enter_context(start_prism_proxy(api, mock)) for api in SPECS}
        ways = {"direct": {"waldur": mock, "prefactor": mock}, "ours": {"waldur": ours, "prefactor": ours}, "Prism": prism}
        print(f"measuring: {args.seconds:.0f} s per run after {args.warmup:.0f} s warmup; {machine_load()}", flush=True)
        loaded = stack.enter_context(start_mock())  # the benchmark's own load runs against this one
        results = measure(ways, loaded, args.seconds, args.warmup, args.connections, args.rounds)
        loaded.process.terminate()  # the sustained run has the machine to itself
        warm_rss = ours.rss_mib()
        for server in prism.values():
            server.process.terminate()  # the sustained run has the machine to itself and our proxy
        print(f"sustained mixed traffic through our proxy for {args.minutes * 60:.0f} s", flush=True)
        samples = sustained(ours, args.minutes * 60, args.connections)
        ours.process.terminate()  # SIGTERM: the proxy writes its report on the way out
        ours.process.wait(timeout=60)
        print(f"done; {machine_load()}")
        return report(results, samples, warm_rss, report_file, args.connections)


if __name__ == "__main__":
    sys.exit(main())
