"""How fast `mockserver` is up with its built-in data, as a user starts it.

    .venv/bin/python bench/startup.py [--runs 7]

Starts `python -m mockserver` on a free port --runs times, one after another, and takes the
time from process start to the first 200 from the API (polled every 50 ms), and the RSS then.
Target: the median under one second. Exits 1 on a miss.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Targets, machine_load, start_mock, table  # noqa: E402

TARGET_SECONDS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(machine_load(), flush=True)
    rows, seconds = [], []
    for run in range(1, args.runs + 1):
        with start_mock() as mock:
            seconds.append(mock.startup_seconds)
            rows.append([str(run), f"{mock.startup_seconds:.2f} s", f"{mock.rss_mib():.0f} MiB"])
    print(table(["run", "process start to first 200", "RSS"], rows))
    median = statistics.median(seconds)
    targets = Targets()
    targets.check(f"median startup under {TARGET_SECONDS:.0f} s", median < TARGET_SECONDS, f"{median:.2f} s")
    return targets.report()


if __name__ == "__main__":
    sys.exit(main())
