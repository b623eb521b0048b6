"""The contract suite earns its keep: `pytest contracts --base-url URL` fails against every
broken variant of the mock and passes against every harmless one (tests/mutants.py).

Each variant runs in a server process of its own and the suite in another, as a CI job
would run it: only --base-url and the credential environment variables, a JUnit report."""
from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mutants import VARIANTS, Variant

ROOT = Path(__file__).resolve().parent.parent
CREDENTIALS = {"WALDUR_TOKEN": "waldur-owner", "WALDUR_SUPPORT_TOKEN": "waldur-support", "PREFACTOR_TOKEN": "prefactor-dev"}
PARALLEL = max(1, min(4, os.cpu_count() or 1))


def run_suite_against(variant: Variant, report: Path) -> tuple[int, list[str], str]:
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "serve_mutant.py"), variant.name],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        line = server.stdout.readline()
        assert line.startswith("listening on "), f"{variant.name} did not start: {line}{server.stdout.read()[:2000]}"
        url = line.split()[-1]
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "WALDUR_", "PREFACTOR_"))}
        env.update(CREDENTIALS, CONTRACTS_PROFILE="quick")
        stop_early = [] if variant.harmless else ["-x"]
        suite = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "agent_api_contracts", "--base-url", url, "-q", "-p", "no:cacheprovider",
             "-p", "no:randomly", f"--junitxml={report}", *stop_early],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        return suite.returncode, failed_tests(report), suite.stdout[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=10)


def failed_tests(report: Path) -> list[str]:
    if not report.exists():
        return []
    cases = ElementTree.parse(report).getroot().iter("testcase")
    return [f"{case.get('classname').split('.')[-1]}::{case.get('name')}"
            for case in cases if case.find("failure") is not None or case.find("error") is not None]


@pytest.fixture(scope="module")
def verdicts(request, tmp_path_factory) -> dict[str, tuple[int, list[str], str]]:
    """The suite's verdict on each variant whose test is selected (`-k NAME` runs one)."""
    selected = {item.callspec.params["variant"].name for item in request.session.items
                if "variant" in getattr(getattr(item, "callspec", None), "params", {})}
    chosen = [v for v in VARIANTS if v.name in selected]
    reports = tmp_path_factory.mktemp("junit")
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {v.name: pool.submit(run_suite_against, v, reports / f"{v.name}.xml") for v in chosen}
    results = {name: future.result() for name, future in futures.items()}
    print("\nvariant | family | caught by")
    for variant in chosen:
        code, failures, _ = results[variant.name]
        print(f"{variant.name} | {variant.family} | {', '.join(failures) or ('passes' if code == 0 else f'exit {code}')}")
    return results


def test_the_harness_covers_every_family_of_bug():
    families = {v.family for v in VARIANTS if not v.harmless}
    assert families >= {"schema", "status", "header", "auth", "pagination", "filter", "ordering", "persistence", "invariant"}
    assert sum(not v.harmless for v in VARIANTS) >= 25


@pytest.mark.parametrize("variant", [v for v in VARIANTS if not v.harmless], ids=lambda v: v.name)
def test_the_suite_fails_a_broken_server(verdicts, variant):
    code, failures, output = verdicts[variant.name]
    assert code == 1 and failures, f"{variant.name} ({variant.bug}) was not caught (exit {code}):\n{output}"


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.harmless], ids=lambda v: v.name)
def test_the_suite_passes_a_harmlessly_different_server(verdicts, variant):
    code, failures, output = verdicts[variant.name]
    assert code == 0, f"{variant.name} ({variant.bug}) failed {failures} (exit {code}):\n{output}"
