"""How the mock scales with its data: startup, memory and filtered-list latency at 100 objects
and at 100,000 services plus 100,000 integration statuses.

    .venv/bin/python bench/scale.py [--objects 100000] [--seconds 5] [--profile]

For each size: write a seed file (the format of mockserver/agent_api_mock/data/default.yaml, as JSON) to a
temporary folder, start `mockserver --data FILE`, time process start to the first 200 (if
that takes longer than --startup-timeout, load the same state with PUT /__admin/state into
a fresh mock instead, so the run stays bounded), read RSS from /proc, and take p50 latency of one request at a time (wrk -c1) for a filtered,
paginated list of services, one of integration statuses (filtered and ordered), and a
retrieve. Target: p50 at the large size at most 3x the small one. Exits 1 on a miss.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (RESULTS, ROOT, SERVICES, STAFF, STATUSES, Load, Server, Targets, finish_profile,  # noqa: E402
                    machine_load, require_wrk, run_wrk, start_mock, start_profile, table)

TARGET_RATIO = 3.0
OFFERINGS = 100
SERVICE_STATES = ("Active", "Idle", "Error")
AGENT_TYPES = ("Order processing", "Usage reporting", "Glauth sync", "Resource sync", "Event processing")
INTEGRATION_STATUSES = ("Unknown", "Active", "Disconnected")


def seed_data(objects: int) -> dict:
    """`objects` services over max(1, objects // 1000) identities (100 at 100,000, so that the
    identity filter keeps a full page at both sizes), and `objects` integration statuses."""
    rng = random.Random(objects)
    uid = lambda: uuid.UUID(int=rng.getrandbits(128), version=4).hex  # noqa: E731
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    when = lambda: (start + timedelta(seconds=rng.randrange(365 * 86400))).isoformat(timespec="microseconds")  # noqa: E731
    default = yaml.safe_load((ROOT / "mockserver" / "agent_api_mock" / "data" / "default.yaml").read_text())
    customers = default["customers"]
    offerings = [{"uuid": uid(), "name": f"Offering {i}", "slug": f"offering-{i}",
                  "customer": customers[i % len(customers)]["uuid"], "parent": None} for i in range(OFFERINGS)]
    identities = [{"uuid": uid(), "name": f"site-agent-{i}", "offering": offerings[i % OFFERINGS]["uuid"],
                   "version": "0.7.3", "last_restarted": when()} for i in range(max(1, objects // 1000))]
    services = []
    for i in range(objects):
        created = when()
        processors = [{"uuid": uid(), "name": "main", "backend_type": "SLURM", "backend_version": "23.02",
                       "last_run": created, "created": created, "modified": created}] if i % 5 == 0 else []
        services.append({"uuid": uid(), "identity": identities[i % len(identities)]["uuid"], "name": f"service-{i}",
                         "mode": "order_processing", "state": SERVICE_STATES[(i // len(identities)) % 3],
                         "statistics": {"processed": i % 97}, "created": created, "modified": created,
                         "processors": processors})
    statuses = [{"uuid": uid(), "offering": offerings[i % OFFERINGS]["uuid"], "agent_type": AGENT_TYPES[i % 5],
                 "status": INTEGRATION_STATUSES[(i // OFFERINGS) % 3],
                 "last_request_timestamp": None if i % 7 == 0 else when()} for i in range(objects)]
    # The built-in data stays (its users' roles refer to its offerings, projects, providers...);
    # these lists are added to it.
    return {**default, "offerings": default["offerings"] + offerings,
            "identities": default["identities"] + identities, "services": default["services"] + services,
            "integration_statuses": default["integration_statuses"] + statuses}


def loads_for(data: dict) -> dict[str, Load]:
    identity, service = data["identities"][-1]["uuid"], data["services"][len(data["services"]) // 2]["uuid"]
    return {
        "services ?identity_uuid&state=1": Load("GET", f"{SERVICES}?identity_uuid={identity}&state=1&page_size=20", STAFF),
        "statuses ?status=Active&o=-last_request_timestamp":
            Load("GET", f"{STATUSES}?status=Active&o=-last_request_timestamp&page_size=20", STAFF),
        "retrieve service": Load("GET", f"{SERVICES}{service}/", STAFF),
    }


def start_with(data: dict, folder: Path, startup_timeout: float) -> tuple[Server, dict]:
    """`mockserver --data FILE`; if it does not answer within the bound, the same state through
    PUT /__admin/state into a mock started with the built-in data (its JSON path is fast)."""
    path = folder / f"seed-{len(data['services'])}.json"
    path.write_bytes(orjson.dumps(data))
    figures = {"file_mib": path.stat().st_size / 2**20}
    try:
        mock = start_mock(data=path, timeout=startup_timeout)
        figures["startup_s"] = mock.startup_seconds
        figures["rss_mib"] = mock.rss_mib()
        return mock, figures
    except TimeoutError:
        print(f"  mockserver --data {path.name} did not answer within {startup_timeout:.0f} s; "
              "loading the same state with PUT /__admin/state instead", flush=True)
    mock = start_mock()
    started = time.monotonic()
    httpx.put(mock.url + "/__admin/state", content=path.read_bytes(), timeout=600).raise_for_status()
    figures["put_state_s"] = time.monotonic() - started
    figures["rss_mib"] = mock.rss_mib()
    return mock, figures


def measure(objects: int, seconds: float, profile: bool, folder: Path, startup_timeout: float) -> dict:
    data = seed_data(objects)
    mock, figures = start_with(data, folder, startup_timeout)
    with mock:
        startup = (f"first 200 after {figures['startup_s']:.1f} s" if "startup_s" in figures
                   else f"PUT /__admin/state took {figures['put_state_s']:.1f} s")
        print(f"{objects:>7} objects: {figures['file_mib']:.1f} MiB seed, {startup}, RSS {figures['rss_mib']:.0f} MiB",
              flush=True)
        figures["p50_ms"] = {}
        recorder = raw = None
        if profile:
            raw = RESULTS / f"scale-{objects}.collapsed"
            recorder = start_profile(mock.pid, seconds * len(loads_for(data)), raw)
        for name, load in loads_for(data).items():
            result = run_wrk(mock.url, load, seconds=seconds, connections=1, threads=1)
            if result.non_2xx or result.errors:
                raise RuntimeError(f"{name}: {result.non_2xx} non-2xx answers, {result.errors} errors")
            figures["p50_ms"][name] = result.p50_ms
            print(f"  {name:<52} p50 {result.p50_ms:8.2f} ms  p99 {result.p99_ms:8.2f} ms  ({result.requests} requests)",
                  flush=True)
        figures["rss_after_mib"] = mock.rss_mib()
        if recorder is not None:
            figures["profile"] = finish_profile(recorder, raw, top=15)
    return figures


def startup_cell(figures: dict, bound: float) -> str:
    return f"{figures['startup_s']:.1f} s" if "startup_s" in figures else f"> {bound:.0f} s (bound)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=100_000, help="services and integration statuses at the large size")
    parser.add_argument("--small", type=int, default=100, help="the same at the small size")
    parser.add_argument("--seconds", type=float, default=5, help="wrk run per request kind and size")
    parser.add_argument("--profile", action="store_true", help="sample the large mock with py-spy while measured")
    parser.add_argument("--startup-timeout", type=float, default=120,
                        help="how long to wait for `mockserver --data` before loading the state over HTTP instead")
    args = parser.parse_args()
    require_wrk()
    print(machine_load(), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        small = measure(args.small, args.seconds, False, Path(folder), args.startup_timeout)
        large = measure(args.objects, args.seconds, args.profile, Path(folder), args.startup_timeout)
    loaded_by = lambda f: "--data" if "startup_s" in f else f"PUT /__admin/state ({f['put_state_s']:.1f} s)"  # noqa: E731
    rows = [["seed file", f"{small['file_mib']:.2f} MiB", f"{large['file_mib']:.1f} MiB", ""],
            ["state loaded by", loaded_by(small), loaded_by(large), ""],
            ["startup with --data (process start to first 200)", startup_cell(small, args.startup_timeout),
             startup_cell(large, args.startup_timeout),
             f"{large['startup_s'] / small['startup_s']:.1f}x" if "startup_s" in large else ""],
            ["RSS with the state loaded", f"{small['rss_mib']:.0f} MiB", f"{large['rss_mib']:.0f} MiB",
             f"{large['rss_mib'] / small['rss_mib']:.1f}x"],
            ["RSS after the requests", f"{small['rss_after_mib']:.0f} MiB", f"{large['rss_after_mib']:.0f} MiB", ""]]
    targets = Targets()
    for name in small["p50_ms"]:
        ratio = large["p50_ms"][name] / small["p50_ms"][name]
        rows.append([f"p50 {name}", f"{small['p50_ms'][name]:.2f} ms", f"{large['p50_ms'][name]:.2f} ms", f"{ratio:.1f}x"])
        targets.check(f"p50 {name}: {args.objects:,} vs {args.small} objects <= {TARGET_RATIO:.0f}x",
                      ratio <= TARGET_RATIO, f"{ratio:.1f}x")
    print()
    print(table(["", f"{args.small} objects", f"{args.objects:,} objects", "ratio"], rows))
    if "profile" in large:
        text = f"scale.py, {args.objects:,} objects, the three requests above, one at a time\n{large['profile']}\n"
        (RESULTS / "scale-profile.txt").write_text(text)
        print(f"\n{text}saved: {RESULTS / 'scale-profile.txt'}")
    return targets.report()


if __name__ == "__main__":
    sys.exit(main())
