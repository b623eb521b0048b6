"""Fuzzing the running mock with Schemathesis: no 5xx and no answer that breaks the spec.

    .venv/bin/python bench/fuzz.py [--requests 10000] [--seconds 270] [--round 30] [--seed N]

Starts `mockserver` on a free port and runs the `schemathesis run` CLI on both documents in
parallel (coverage and fuzzing phases, valid and invalid data), in rounds of --round seconds
with a fresh seed each, until the mock has received --requests API requests (counted by its
journal) or --seconds have passed. Waldur rounds rotate through the staff, owner, support and
no-permission tokens. Only two checks run: not_a_server_error and
response_schema_conformance. Every answer's status is read from the rounds' HAR files.
Afterwards the server must still answer. Exits 1 on a 5xx, a schema violation, a dead
server, or fewer requests than asked for.
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (PREFACTOR, SERVICES, SPECS, STAFF, Targets, api_requests_received, start_mock, table)  # noqa: E402

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
WALDUR_TOKENS = ["waldur-staff", "waldur-owner", "waldur-support", "waldur-user"]
CHECKS = "not_a_server_error,response_schema_conformance"


def cli(api: str, url: str, authorization: str, seconds: float, seed: int, reports: Path) -> subprocess.Popen:
    command = [SCHEMATHESIS, "run", str(SPECS[api]), "--url", url, "-H", f"Authorization: {authorization}",
               "--phases", "coverage,fuzzing", "--mode", "all", "--checks", CHECKS, "--max-examples", "100",
               "--max-time", str(max(1, round(seconds))), "--no-shrink", "--generation-database", "none",
               "--seed", str(seed), "--no-color", "--report", "json,har", "--report-dir", str(reports)]
    # Outside the repository: the CLI keeps a cache in ./.schemathesis.
    reports.mkdir(parents=True)
    return subprocess.Popen(command, cwd=reports, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def read_reports(reports: Path) -> tuple[collections.Counter, collections.Counter, int]:
    """(statuses of every answer, failures by code and title, generated test cases)."""
    statuses, failures = collections.Counter(), collections.Counter()
    for har in reports.glob("har-*.json"):
        statuses.update(entry["response"]["status"] for entry in json.loads(har.read_text())["log"]["entries"])
    report = json.loads(next(reports.glob("json-*.json")).read_text())
    for failure in report["failures"]:
        failures[f"{failure['code']} {failure['title']}"] += failure["count"]
    for error in report.get("errors", []):
        failures[f"error: {error['title']}"] += error.get("count", 1)
    return statuses, failures, report["test_cases"]["generated"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="keep going until the mock received this many")
    parser.add_argument("--seconds", type=float, default=270, help="bound on the whole run")
    parser.add_argument("--round", type=float, default=30, help="seconds per Schemathesis round")
    parser.add_argument("--seed", type=int, default=None, help="seed of the first round (default: random)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    statuses, failures, cases = collections.Counter(), collections.Counter(), 0
    rows, rounds = [], 0
    started = time.monotonic()
    with start_mock() as mock, tempfile.TemporaryDirectory() as tmp:
        print(f"fuzzing {mock.url} until {args.requests:,} requests or {args.seconds:.0f} s; first seed {seed}", flush=True)
        received = 0
        while received < args.requests:
            left = args.seconds - (time.monotonic() - started) - 10  # room for the reports and the final checks
            if left < 5:
                break
            token = WALDUR_TOKENS[rounds % len(WALDUR_TOKENS)]
            runs = {api: cli(api, mock.url, auth, min(args.round, left), seed + rounds, Path(tmp) / f"{rounds}-{api}")
                    for api, auth in (("waldur", f"Token {token}"), ("prefactor", "Bearer prefactor-dev"))}
            for api, run in runs.items():
                output, _ = run.communicate(timeout=args.round + 120)
                got = read_reports(Path(tmp) / f"{rounds}-{api}")
                statuses.update(got[0])
                failures.update(got[1])
                cases += got[2]
                rows.append([str(rounds + 1), api, token if api == "waldur" else "prefactor-dev", str(seed + rounds),
                             f"{got[2]:,}", ", ".join(f"{k} x{v}" for k, v in got[1].items()) or "none"])
                if got[1]:
                    print(output[-3000:])
            rounds += 1
            received = api_requests_received(mock)
            print(f"  round {rounds}: {received:,} requests so far", flush=True)
        alive = (mock.alive()
                 and httpx.get(mock.url + SERVICES, headers=STAFF, timeout=10).status_code == 200
                 and httpx.post(mock.url + "/api/v1/agent", json={"details": {"name": "after-fuzz"}},
                                headers=PREFACTOR, timeout=10).status_code == 201
                 and httpx.get(mock.url + "/__admin/state", timeout=30).status_code == 200)
    elapsed = time.monotonic() - started
    print(f"\n{received:,} API requests ({cases:,} generated test cases) in {elapsed:.0f} s, {rounds} round(s)")
    print(table(["round", "api", "token", "seed", "cases", "failures"], rows))
    print("\nanswers by status: " + ", ".join(f"{status}: {n:,}" for status, n in sorted(statuses.items())))
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    targets = Targets()
    targets.check(f"at least {args.requests:,} generated requests", received >= args.requests, f"{received:,}")
    targets.check("no 5xx answer", server_errors == 0, f"{server_errors}")
    targets.check("no failed check (5xx or response schema violation)", not failures,
                  ", ".join(f"{k} x{v}" for k, v in failures.items()) or "none")
    targets.check("server still answers afterwards", alive, "yes" if alive else "NO")
    return targets.report()


if __name__ == "__main__":
    sys.exit(main())
