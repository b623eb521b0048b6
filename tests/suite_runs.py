"""Running the installed contract suite against a server process, as a CI job would: only
--base-url, the credential variables that are given, a JUnit report; results read from it."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
CREDENTIALS = {"WALDUR_TOKEN": "waldur-owner", "WALDUR_SUPPORT_TOKEN": "waldur-support", "PREFACTOR_TOKEN": "prefactor-dev",
               "WALDUR_OFFERING_MANAGER_TOKEN": "waldur-offering-manager"}


@dataclass
class Run:
    code: int
    failures: dict[str, str]   # test -> its failure text
    output: str
    seconds: float

    @property
    def failed_tests(self) -> list[str]:
        return list(self.failures)


@contextlib.contextmanager
def serving(server: str, data: Path | None = None) -> Iterator[str]:
    """Serves `server` (a variant of tests/mutants.py, or `mock`, seeded with `data` if given) in a
    process of its own; yields its URL."""
    process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "serve_mutant.py"), server, *([str(data)] if data else [])],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT / "tests")
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on "), f"{server} did not start: {line}{process.stdout.read()[:2000]}"
        yield line.split()[-1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_suite(server: str, report: Path, *args: str, credentials: dict | None = None, cwd: Path | None = None,
              target: str = "agent_api_contracts", data: Path | None = None) -> Run:
    """Serves `server` (a variant of tests/mutants.py, or `mock`) and runs the suite against it."""
    with serving(server, data) as url:
        return run_against(url, report, *args, credentials=credentials, cwd=cwd, target=target)


def run_against(url: str | None, report: Path, *args: str, credentials: dict | None = None, cwd: Path | None = None,
                target: str = "agent_api_contracts") -> Run:
    """Runs the suite against the server at `url` (None: the suite starts our own mock)."""
    # Not CI's variables either: with CI or BUILD_NUMBER set, pytest prints each failure's whole
    # message in the short summary, and the output tests read the output a terminal shows.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_", "WALDUR_", "PREFACTOR_")) and key not in ("CI", "BUILD_NUMBER")}
    env.update(CREDENTIALS if credentials is None else credentials, CONTRACTS_PROFILE="quick")
    started = time.monotonic()
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", target, *(["--base-url", url] if url else []), "-q",
         "-p", "no:cacheprovider", "-p", "no:randomly", f"--junitxml={report}", *args],
        cwd=cwd or report.parent, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    return Run(suite.returncode, failures_of(report), suite.stdout + suite.stderr[-2000:], time.monotonic() - started)


def failures_of(report: Path) -> dict[str, str]:
    if not report.exists():
        return {}
    found = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        for kind in ("failure", "error"):
            element = case.find(kind)
            if element is not None:
                name = f"{case.get('classname').split('.')[-1]}::{case.get('name')}"
                found[name] = f"{element.get('message', '')}\n{element.text or ''}"
    return found
