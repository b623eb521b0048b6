"""The contract suites spread over pytest-xdist workers: against a mock that offers sessions each
worker checks its own session (and drops it at the end), and the run reports as one run (the
holes rule judged once over what every worker saw); with no URL each worker checks a mock of its
own; against a target without sessions the checks stay together on one worker, as one process
must see one state."""
from __future__ import annotations

import contextlib
import re
import threading
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Iterator

import httpx

from suite_runs import run_against, serving
from test_contract_reports import data_without_plans

HOLES = "test_operations_answered::test_every_operation_gets_a_success_answer"
SESSION = re.compile(r"^contracts-[0-9a-f]{8}-gw\d+$")
WORKER_LINE = re.compile(r"^\[(gw\d+)\] .*(PASSED|FAILED|SKIPPED) (\S+)", re.M)


def outcomes(report: Path) -> dict[str, str]:
    """Each check of a JUnit report and its outcome."""
    cases = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        outcome = next((kind for kind in ("failure", "error", "skipped") if case.find(kind) is not None), "passed")
        cases[f"{case.get('classname').split('.')[-1]}::{case.get('name')}"] = outcome
    return cases


def sessions_of(url: str) -> dict[str, int]:
    """The mock's named sessions and how many requests each got (`GET /__admin/sessions`)."""
    answer = httpx.get(f"{url}/__admin/sessions", timeout=10)
    assert answer.status_code == 200, answer.text
    return {session["name"]: session["requests"] for session in answer.json()}


@contextlib.contextmanager
def watching_sessions(url: str) -> Iterator[dict[str, int]]:
    """Every session the mock listed while the block ran, with the most requests it had."""
    seen: dict[str, int] = {}
    done = threading.Event()

    def watch():
        while not done.wait(0.5):
            for name, requests in sessions_of(url).items():
                seen[name] = max(seen.get(name, 0), requests)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join(timeout=15)


def test_four_workers_each_check_their_own_session_and_the_run_passes_as_with_one(tmp_path):
    with serving("mock") as url:
        one = run_against(url, tmp_path / "one.xml", "-n", "0")
        with watching_sessions(url) as sessions:
            spread = run_against(url, tmp_path / "spread.xml", "-n", "4")
        left = sessions_of(url)
    assert one.code == 0 and spread.code == 0, spread.output
    # The same checks, with the same outcomes: the holes rule among them, judged by the controller.
    assert outcomes(tmp_path / "spread.xml") == outcomes(tmp_path / "one.xml")
    assert outcomes(tmp_path / "spread.xml")[HOLES] == "passed"
    assert "contract coverage (agent_api_contracts)" in spread.output and "never exercised" not in spread.output
    # The run with one worker checked the target itself; each of the four workers its own
    # session, which it dropped at the end (the mock keeps a bounded number of them).
    assert len(sessions) == 4 and all(SESSION.match(name) for name in sessions), sessions
    assert not left, left
    assert {name.rsplit("-", 1)[1] for name in sessions} == {"gw0", "gw1", "gw2", "gw3"}
    assert len({name.split("-")[1] for name in sessions}) == 1, "one run id for the run's sessions"
    # How many checks each worker gets is pytest-xdist's choice (a loaded machine gave 10 to one, 5,264 to another).
    assert all(requests > 0 for requests in sessions.values()), sessions


def test_spread_over_workers_an_operation_that_never_answers_success_still_fails_the_run(tmp_path):
    with serving("mock", data_without_plans(tmp_path)) as url:
        run = run_against(url, tmp_path / "report.xml", "-n", "2")
    assert run.code == 1, run.output
    text = run.failures[HOLES]
    assert text.count("  expected: ") == 1, text  # one operation, though two workers each saw it fail
    assert "marketplace_plans_retrieve (GET /api/marketplace-plans/{uuid}/) to answer 2xx" in text
    assert "likely cause: no object visible to WALDUR_TOKEN's account: no list it can read shows or names one" in text
    assert re.search(r"reproduce: curl .*/sessions/contracts-[0-9a-f]{8}-gw\d+/api/marketplace-plans/", text), text
    verdict = run.output.split("contract verdict", 1)[1].split("contract coverage", 1)[0]
    assert "1 operation(s) never answered with success" in verdict and "marketplace_plans_retrieve" in verdict, run.output


def test_without_a_url_each_worker_checks_a_mock_of_its_own(tmp_path):
    run = run_against(None, tmp_path / "report.xml", "-n", "2", "-v", "-v", "--api", "prefactor")
    assert run.code == 0, run.output
    workers = {worker for worker, _, _ in WORKER_LINE.findall(run.output)}
    assert workers == {"gw0", "gw1"}, run.output[-3000:]
    assert outcomes(tmp_path / "report.xml")[HOLES] == "passed"


def test_against_a_target_without_sessions_the_checks_stay_on_one_worker(tmp_path):
    with serving("mock-without-sessions") as url:
        run = run_against(url, tmp_path / "report.xml", "-n", "2", "--dist", "loadgroup", "-v", "-v",
                          "--api", "prefactor")
    assert run.code == 0, run.output
    ran = WORKER_LINE.findall(run.output)
    assert ran and len({worker for worker, _, _ in ran}) == 1, run.output[-3000:]
    checks = outcomes(tmp_path / "report.xml")
    assert all("@agent_api_contracts" in check for check in checks), checks  # pytest-xdist's group, in the ids
    assert checks[f"{HOLES}@agent_api_contracts"] == "passed", checks


def test_spread_over_workers_against_a_target_without_sessions_the_run_warns(tmp_path):
    with serving("mock-without-sessions") as url:
        run = run_against(url, tmp_path / "report.xml", "-n", "2", "--api", "prefactor", "-k", "test_access")
    assert "the target offers no sessions (GET /__admin/sessions), so the contract checks share its one state" in run.output, \
        run.output[-3000:]
