"""CPU cost per request of each benchmarked operation, in process, without a network or a
load generator: figures that stay comparable on a busy machine, where wrk's do not.

    .venv/bin/python bench/request_cost.py [--requests 2000] [--profile OPERATION] [--top 25]

Each request is one ASGI call of the mock's app (the same app `mockserver` serves), driven
straight from an event loop. Prints, per operation: CPU microseconds per request (the mean of the cheapest of 5 rounds), the
p50/p99/max of each request's wall time, and the garbage collector's pauses during the run
(count, total, longest, by generation), timed with `gc.callbacks`. --profile runs cProfile over
one operation's requests and prints the functions with the most cumulative and own time.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import ENDPOINTS  # noqa: E402

from agent_api_mock.app import create_app  # noqa: E402


class GcPauses:
    """Every collection's duration, by generation, while installed."""

    def __init__(self):
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._started))

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)

    def summary(self) -> str:
        if not self.pauses:
            return "no collections"
        by_generation = {g: [d for gen, d in self.pauses if gen == g] for g in (0, 1, 2)}
        parts = [f"gen{g}: {len(d)} x, max {max(d) * 1000:.2f} ms" for g, d in by_generation.items() if d]
        return f"{len(self.pauses)} collections, {sum(d for _, d in self.pauses) * 1000:.1f} ms in all; " + "; ".join(parts)


def bodies(lua: str):
    """The bodies wrk's Lua snippet would send (rotating_body's template and count)."""
    if not lua:
        while True:
            yield b""
    template = lua.split("string.format(")[1].split(", n %")[0]
    import json
    template, count = json.loads(template), int(lua.split("n % ")[1].split(")")[0])
    n = 0
    while True:
        n += 1
        yield (template % (n % count)).encode()


async def call(app, method: str, path: str, headers: dict, body: bytes) -> int:
    target, _, query = path.partition("?")
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()] + [(b"host", b"127.0.0.1")]
    if body:
        raw_headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": target, "raw_path": target.encode(), "query_string": query.encode(),
             "root_path": "", "headers": raw_headers, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
    status = 0
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def run(app, load, requests: int) -> tuple[float, list[float]]:
    walls = []
    source = bodies(load.lua)
    cpu = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        status = await call(app, load.method, load.path, load.headers, next(source))
        walls.append(time.perf_counter() - started)
        if not 200 <= status < 300:
            raise RuntimeError(f"{load.method} {load.path}: {status}")
    return (time.process_time() - cpu) / requests, walls


ROUNDS = 5


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", help="an operation name (as in throughput.py) to run under cProfile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    app = create_app()
    loop = asyncio.new_event_loop()
    for load in ENDPOINTS.values():  # warm up: caches, lazily built validators, the first writes
        loop.run_until_complete(run(app, load, 50))
    gc.collect()
    gc.freeze()  # as mockserver does once it has started (cli.py)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        loop.run_until_complete(run(app, ENDPOINTS[args.profile], args.requests))
        profiler.disable()
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
            print(out.getvalue())
        return 0
    print(f"{'operation':<22} {'CPU us/req':>10} {'p50 us':>8} {'p99 us':>8} {'max ms':>7}  garbage collector")
    for name, load in ENDPOINTS.items():
        cpu, walls = float("inf"), []
        with GcPauses() as pauses:
            for _ in range(ROUNDS):  # the least CPU of a few rounds: other work on the machine only adds
                round_cpu, round_walls = loop.run_until_complete(run(app, load, args.requests // ROUNDS))
                cpu, walls = min(cpu, round_cpu), walls + round_walls
        print(f"{name:<22} {cpu * 1e6:>10.0f} {percentile(walls, 50) * 1e6:>8.0f} {percentile(walls, 99) * 1e6:>8.0f} "
              f"{max(walls) * 1000:>7.1f}  {pauses.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
