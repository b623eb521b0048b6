"""Soak: the mock under moderate, steady load for minutes; its memory must not keep growing.

    .venv/bin/python bench/soak.py [--minutes 10] [--connections 8] [--delay-ms 20]

wrk cycles through reads and writes that do not grow the state (register_processor over 8
names, set_statistics, create agent over 16 idempotency keys, so replays after the first
round, and the lists and a retrieve), each connection pausing --delay-ms between requests.
RSS is read from /proc every 10 s. The baseline is RSS after the first minute, once the
request journal (10,000 entries) is full and caches are warm. Target: growth from the
baseline to the end under 10 %. Exits 1 on a miss or on any non-2xx answer.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (AGENTS, SERVICE_UUID, SERVICES, STATUSES, Load, Targets, require_wrk, run_wrk,  # noqa: E402
                    start_mock)

TARGET_GROWTH = 0.10
WARMUP_SECONDS = 60

MIX = f"""
local requests, i = {{}}, 0
local waldur = {{["Authorization"] = "Token waldur-staff", ["Content-Type"] = "application/json"}}
local prefactor = {{["Authorization"] = "Bearer prefactor-dev", ["Content-Type"] = "application/json"}}
init = function(args)
  local service = "{SERVICES}{SERVICE_UUID}/"
  for n = 0, 7 do
    table.insert(requests, wrk.format("POST", service .. "register_processor/", waldur,
      string.format('{{"name": "soak-%d", "backend_type": "SLURM"}}', n)))
    table.insert(requests, wrk.format("POST", service .. "set_statistics/", waldur,
      string.format('{{"statistics": {{"round": %d}}}}', n)))
    table.insert(requests, wrk.format("GET", "{SERVICES}?page_size=20", waldur))
    table.insert(requests, wrk.format("GET", service, waldur))
    table.insert(requests, wrk.format("GET", "{STATUSES}?status=Active&o=-last_request_timestamp", waldur))
  end
  for n = 0, 15 do
    table.insert(requests, wrk.format("POST", "{AGENTS}", prefactor,
      string.format('{{"details": {{"name": "soak-%d"}}, "idempotency_key": "soak-%d"}}', n, n)))
  end
end
request = function()
  i = i + 1
  return requests[(i % #requests) + 1]
end
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--delay-ms", type=int, default=20, help="pause of each connection between requests")
    args = parser.parse_args()
    require_wrk()
    seconds = args.minutes * 60
    load = Load("GET", "/", {}, MIX + f"delay = function() return {args.delay_ms} end\n")
    with start_mock() as mock:
        samples = [(0.0, mock.rss_mib())]
        result = {}
        load_thread = threading.Thread(target=lambda: result.update(
            wrk=run_wrk(mock.url, load, seconds=seconds, connections=args.connections, threads=1)))
        started = time.monotonic()
        load_thread.start()
        print(f"soak: {args.minutes:g} min, {args.connections} connections, {args.delay_ms} ms pauses; RSS every 10 s",
              flush=True)
        while load_thread.is_alive():
            load_thread.join(timeout=10)
            elapsed = time.monotonic() - started
            if mock.alive():
                samples.append((elapsed, mock.rss_mib()))
            if len(samples) % 6 == 1 or not load_thread.is_alive():
                print(f"  {elapsed / 60:5.1f} min  RSS {samples[-1][1]:7.1f} MiB", flush=True)
        alive = mock.alive()
    wrk = result.get("wrk")
    baseline = next((rss for t, rss in samples if t >= min(WARMUP_SECONDS, seconds / 2)), samples[-1][1])
    final, peak = samples[-1][1], max(rss for _, rss in samples)
    growth = (final - baseline) / baseline
    print(f"\nRSS: start {samples[0][1]:.1f} MiB, baseline (after {WARMUP_SECONDS} s) {baseline:.1f} MiB, "
          f"end {final:.1f} MiB, peak {peak:.1f} MiB; growth from baseline {growth:+.1%}")
    if wrk:
        print(f"load: {wrk.requests:,} requests, {wrk.rps:,.0f}/s, p50 {wrk.p50_ms:.1f} ms, p99 {wrk.p99_ms:.1f} ms")
    targets = Targets()
    targets.check(f"RSS growth under {TARGET_GROWTH:.0%}", growth < TARGET_GROWTH, f"{growth:+.1%}")
    targets.check("every answer 2xx, server alive", bool(wrk) and wrk.errors + wrk.non_2xx == 0 and alive,
                  f"{wrk.errors} errors, {wrk.non_2xx} non-2xx" if wrk else "wrk failed")
    return targets.report()


if __name__ == "__main__":
    sys.exit(main())
