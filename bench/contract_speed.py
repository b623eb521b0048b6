"""How long the contract suite takes, and how many requests per second it gets through,
beside the plain `schemathesis run` CLI on the same documents.

    .venv/bin/python bench/contract_speed.py [--profile full|quick]

1. `pytest contracts` as CI runs it (the suite starts the mock in its own process): wall time.
2. `pytest contracts --base-url URL` against `mockserver` on a free port: wall time, and the
   API requests the mock received (its journal's ids count every one, across resets).
3. `schemathesis run SPEC --url URL -H Authorization:... --max-examples N` per document, N
   being the profile's Schemathesis examples per operation (all phases, all checks): wall
   time, generated test cases, requests.
Target: the whole contract run (1) under 3 minutes. Exits 1 on a miss or a failing suite.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SPECS, Targets, api_requests_received, machine_load, start_mock, table  # noqa: E402

TARGET_SECONDS = 180
# The Schemathesis examples per operation of each contract profile (contracts/agent_api_contracts/plugin.py).
SCHEMATHESIS_EXAMPLES = {"quick": 6, "full": 25}
# What the suite needs to be told about a target given by URL (README, "CI gate").
MOCK_CREDENTIALS = {"WALDUR_TOKEN": "waldur-owner", "WALDUR_SUPPORT_TOKEN": "waldur-support", "PREFACTOR_TOKEN": "prefactor-dev"}
CLI_TOKENS = {"waldur": "Token waldur-owner", "prefactor": "Bearer prefactor-dev"}


def timed(command: list[str], env: dict | None = None, cwd: Path = ROOT,
          timeout: float = 600) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    return time.monotonic() - started, done


def pytest_outcome(done: subprocess.CompletedProcess) -> str:
    """pytest's closing line, e.g. '53 passed, 11 subtests passed in 38.0s'."""
    lines = [line.strip("= ") for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed|error)", line)]
    return lines[-1] if lines else f"exit {done.returncode}: {done.stdout[-500:]}{done.stderr[-500:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(SCHEMATHESIS_EXAMPLES), default="full", help="contract profile")
    args = parser.parse_args()
    pytest = [sys.executable, "-m", "pytest", "--pyargs", "agent_api_contracts", "-q", "-p", "no:randomly", "--contract-profile", args.profile]
    rows, targets = [], Targets()

    print(f"1/3 pytest contracts (the suite's own mock); {machine_load()}", flush=True)
    seconds, done = timed(pytest)
    rows.append(["pytest contracts", f"{seconds:.1f} s", "", "", pytest_outcome(done)])
    targets.check(f"pytest contracts under {TARGET_SECONDS // 60} minutes", seconds < TARGET_SECONDS, f"{seconds:.0f} s")
    targets.check("pytest contracts passes", done.returncode == 0, pytest_outcome(done))

    print("2/3 pytest contracts --base-url (mockserver on a free port)", flush=True)
    with start_mock() as mock:
        seconds, done = timed(pytest + ["--base-url", mock.url], env=MOCK_CREDENTIALS)
        requests = api_requests_received(mock)
    rows.append(["pytest contracts --base-url", f"{seconds:.1f} s", f"{requests:,}", f"{requests / seconds:,.0f}",
                 pytest_outcome(done)])

    print("3/3 schemathesis run, per document", flush=True)
    for api, spec in SPECS.items():
        with start_mock() as mock, tempfile.TemporaryDirectory() as reports:
            seconds, done = timed([str(Path(sys.executable).parent / "schemathesis"), "run", str(spec), "--url", mock.url,
                                   "-H", f"Authorization: {CLI_TOKENS[api]}", "--max-examples",
                                   str(SCHEMATHESIS_EXAMPLES[args.profile]), "--no-color", "--report", "json",
                                   "--report-dir", reports], cwd=Path(reports))  # its ./.schemathesis cache too
            requests = api_requests_received(mock)
            report = json.loads(next(Path(reports).glob("json-*.json")).read_text())
        cases = report["test_cases"]["generated"]
        failures = ", ".join(f"{f['code']} x{f['count']}" for f in report["failures"]) or "no failures"
        rows.append([f"schemathesis run {spec.name}", f"{seconds:.1f} s", f"{requests:,}", f"{requests / seconds:,.0f}",
                     f"{cases:,} test cases ({cases / seconds:,.0f}/s), {failures}"])

    print(f"done; {machine_load()}\n")
    print(table(["run", "wall time", "API requests", "requests/s", "outcome"], rows))
    return targets.report()


if __name__ == "__main__":
    sys.exit(main())
