"""What a shared PostgreSQL state costs, and what several processes give back.

    .venv/bin/python bench/shared_state.py [--seconds 5] [--connections 16]

In one run, on a private PostgreSQL cluster in a temporary folder (tests/postgres_cluster.py,
fsync on, 127.0.0.1 only):
- requests/s and p50/p99 (wrk, after an unmeasured second) of a read (retrieve a service) and a
  write (register_processor, 8 names, so updates after the first 8) on: one process in memory,
  one process on PostgreSQL, `--workers 2` on PostgreSQL (target: reads at least 1.6x one
  process);
- 64 writers at once (one register_processor each, distinct names) spread over two processes on
  one database: lost or doubled processors (target: 0 of each);
- memory per session of the built-in data: a mock's resident memory before and after 50
  sessions (/sessions/<name>/) each answered a list, and the mock's own estimate of one.
The machine may be shared: figures move with its load (printed beside them).
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import (SERVICE_UUID, SERVICES, STAFF, Load, Targets, machine_load, require_wrk,  # noqa: E402
                    rotating_body, run_wrk, start_mock, table)
from postgres_cluster import Cluster  # noqa: E402

LOADS = {
    "read (retrieve service)": Load("GET", f"{SERVICES}{SERVICE_UUID}/", STAFF),
    "write (register_processor)": Load("POST", f"{SERVICES}{SERVICE_UUID}/register_processor/", STAFF,
                                       rotating_body('{"name": "bench-%d", "backend_type": "SLURM"}', 8)),
}
WRITERS = 64
READS_SCALED = 1.6  # issue 23: --workers 2 on a shared state serves reads at least this many times one process
SESSIONS = 50


def new_database(cluster: Cluster) -> str:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(cluster.url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return cluster.url.rsplit("/", 1)[0] + f"/{name}"


def throughput(cluster: Cluster, seconds: float, connections: int, figures: dict) -> list[list[str]]:
    """Rows of the table; `figures` gets each WrkResult by (setup, load)."""
    rows = []
    setups = {"1 process, memory": [], "1 process, PostgreSQL": ["--state", None],
              "--workers 2, PostgreSQL": ["--state", None, "--workers", "2"]}
    for name, options in setups.items():
        options = [new_database(cluster) if option is None else option for option in options]
        with start_mock(*options) as mock:
            for load_name, load in LOADS.items():
                # Unmeasured first: the mock answers its readiness check once one worker is up, and
                # connections opened before the others are would all go to that one.
                run_wrk(mock.url, load, seconds=1, connections=connections)
                result = run_wrk(mock.url, load, seconds=seconds, connections=connections)
                figures[name, load_name] = result
                rows.append([name, load_name, *result.cells()])
                print(f"  {name:<26} {load_name:<28} {result.rps:,.0f} req/s", flush=True)
    return rows


def concurrent_writers(cluster: Cluster) -> tuple[int, int, int, float]:
    """(acknowledged, lost, doubled, seconds) for WRITERS writers over two processes."""
    database = new_database(cluster)
    with start_mock("--state", database) as first, start_mock("--state", database) as second:
        path = f"{SERVICES}{SERVICE_UUID}/"
        before = {p["name"] for p in httpx.get(first.url + path, headers=STAFF).json()["processors"]}
        released, acknowledged = [], []  # the clock starts when every writer is ready to send
        barrier = threading.Barrier(WRITERS, action=lambda: released.append(time.perf_counter()))

        def write(number: int) -> None:
            mock = (first, second)[number % 2]
            with httpx.Client(base_url=mock.url, timeout=60) as client:
                barrier.wait()
                answer = client.post(f"{path}register_processor/", headers=STAFF,
                                     json={"name": f"writer-{number}", "backend_type": "SLURM"})
                if answer.status_code == 201:
                    acknowledged.append(f"writer-{number}")

        threads = [threading.Thread(target=write, args=(number,)) for number in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.perf_counter() - released[0]
        names = [p["name"] for p in httpx.get(second.url + path, headers=STAFF).json()["processors"]]
        new = [name for name in names if name not in before]
        lost = len(set(acknowledged) - set(new))
        doubled = len(new) - len(set(new))
        return len(acknowledged), lost, doubled, elapsed


def memory_per_session() -> tuple[float, float]:
    """MiB that one more session (/sessions/<name>/) of the built-in data holds in a running mock:
    its resident memory before and after SESSIONS sessions each answered a list, divided by
    SESSIONS; and the mock's own estimate of one (GET /__admin/sessions, sessions.py)."""
    with start_mock() as mock:
        with httpx.Client(base_url=mock.url, timeout=30) as http:
            http.get(f"/sessions/warmup{SERVICES}", headers=STAFF).raise_for_status()
            http.delete("/__admin/sessions/warmup")
            before = mock.rss_mib()
            for number in range(SESSIONS):
                http.get(f"/sessions/bench{number}{SERVICES}", headers=STAFF).raise_for_status()
            after = mock.rss_mib()
            listed = http.get("/__admin/sessions").json()
    estimated = sum(session["estimated_memory_bytes"] for session in listed) / len(listed) / 1024 / 1024
    return (after - before) / SESSIONS, estimated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="wrk's time per load (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="wrk's connections (default 16)")
    args = parser.parse_args()
    require_wrk()
    print(machine_load(), flush=True)
    cluster = Cluster(fsync=True)
    targets = Targets()
    try:
        cluster.start()
        figures: dict = {}
        rows = throughput(cluster, args.seconds, args.connections, figures)
        acknowledged, lost, doubled, elapsed = concurrent_writers(cluster)
    finally:
        cluster.delete()
    per_session, estimated = memory_per_session()
    print(f"\nthroughput, wrk -c{args.connections} for {args.seconds:.0f} s each ({machine_load()}):")
    print(table(["setup", "load", "req/s", "p50 ms", "p99 ms", "errors"], rows))
    print(f"\n{WRITERS} concurrent writers over 2 processes on one database: {acknowledged} acknowledged, "
          f"{lost} lost, {doubled} doubled, in {elapsed:.2f} s")
    print(f"memory per session of the built-in data: {per_session:,.2f} MiB resident ({SESSIONS} sessions in one mock: "
          f"{per_session * SESSIONS:,.1f} MiB); the mock's estimate of one: {estimated:,.2f} MiB")
    targets.check("no write lost", lost == 0, f"{lost} lost")
    targets.check("no write doubled", doubled == 0, f"{doubled} doubled")
    targets.check("every writer acknowledged", acknowledged == WRITERS, f"{acknowledged} of {WRITERS}")
    read = "read (retrieve service)"
    scaled = figures["--workers 2, PostgreSQL", read].rps / figures["1 process, PostgreSQL", read].rps
    targets.check(f"reads with --workers 2 >= {READS_SCALED}x one process, on PostgreSQL", scaled >= READS_SCALED,
                  f"{scaled:.2f}x")
    return targets.report()


if __name__ == "__main__":
    sys.exit(main())
