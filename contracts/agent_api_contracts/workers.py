"""A run spread over pytest-xdist workers reports as one run: each worker sends what it saw (the
answers per operation, the rules judged, the failures as violations, the objects found) to the
controller (`config.workeroutput`), which merges them as the workers finish
(`pytest_testnodedown`) and then, over the whole run, judges `every_operation_gets_a_success_answer`
(answered.py) as one more check of the run, and writes the coverage table, the verdict, JUnit and
the HTML report as a run in one process does. Exchanges travel as their request and status, which
is all a violation shows of them (its curl line)."""
from __future__ import annotations

import httpx
import pytest
from _pytest.reports import TestReport

from agent_api_contracts import observed
from agent_api_contracts.answered import never_answered
from agent_api_contracts.found import paths_found
from agent_api_contracts.rules import Rule, RuleFailure
from agent_api_contracts.sessions import SPREAD
from agent_api_contracts.verdicts import HEADER, VERDICTS, Verdicts, rule_repr

KEY = "agent_api_contracts"
HOLES_CHECK = pytest.StashKey[tuple]()   # on a worker of a spread run: (nodeid, location) of the check it leaves out
RESETTABLE = pytest.StashKey[bool]()    # on a worker: whether its target could be reset
CHECKED = pytest.StashKey[list]()        # on a worker: the base URLs it checked (its session's, or its own mock's)
RUN = pytest.StashKey[dict]()           # on the controller: what the workers sent beside observations and verdicts


def exchange_data(exchange) -> dict:
    request = exchange.request if isinstance(exchange, httpx.Response) else exchange
    try:
        content = request.content
    except httpx.RequestNotRead:
        content = b""
    return {"method": request.method, "url": str(request.url), "headers": list(request.headers.multi_items()),
            "content": content, "status": exchange.status_code if isinstance(exchange, httpx.Response) else None}


def exchange_from(data: dict):
    request = httpx.Request(data["method"], data["url"], headers=data["headers"], content=data["content"])
    return request if data["status"] is None else httpx.Response(data["status"], request=request)


def violation_data(violation) -> dict:
    rule = violation.rule
    return {"rule": [rule.name, rule.quote, rule.source], "expected": violation.expected, "found": violation.found,
            "exchanges": [exchange_data(exchange) for exchange in violation.responses]}


def violation_from(data: dict):
    return Rule(*data["rule"]).violation(data["expected"], data["found"], *map(exchange_from, data["exchanges"]))


def observations_data(observations: observed.Observations) -> dict:
    return {"operations": [[list(key), {"statuses": list(seen.statuses.items()), "passed": list(seen.passed.items()),
                                        "failed": list(seen.failed.items()), "skipped": list(seen.skipped.items()),
                                        "examples": [[status, exchange_data(exchange)] for status, exchange in seen.examples.items()]}]
                           for key, seen in observations.operations.items()],
            "skipped": [list(skip) for skip in observations.skipped], "notes": list(observations.notes),
            "drift": [[list(finding), count] for finding, count in observations.drift.items()]}


def merge_observations(into: observed.Observations, data: dict) -> None:
    for key, sent in data["operations"]:
        seen = into.operations[tuple(key)]
        for counter in ("statuses", "passed", "failed"):
            getattr(seen, counter).update(dict(sent[counter]))
        seen.skipped.update(dict(sent["skipped"]))
        for status, exchange in sent["examples"]:
            if status not in seen.examples:
                seen.examples[status] = exchange_from(exchange)
    into.skipped += [tuple(skip) for skip in data["skipped"]]
    into.notes += data["notes"]
    into.drift.update({tuple(finding): count for finding, count in data["drift"]})


def worker_output(config) -> dict:
    """What this worker saw, as plain data (pytest-xdist sends `config.workeroutput` to the controller)."""
    verdicts = config.stash[VERDICTS]
    found, empty = paths_found()
    return {"observations": observations_data(observed.current),
            "failures": [[check, [violation_data(v) for v in violations]] for check, violations in verdicts.failures.items()],
            "other": list(verdicts.other.items()), "missing": sorted(verdicts.missing),
            "header": config.stash.get(HEADER, []), "resettable": config.stash.get(RESETTABLE, None),
            "checked": config.stash.get(CHECKED, []), "worker": config.workerinput["workerid"],
            "paths_found": sorted(found), "paths_empty": sorted(empty),
            "holes_check": list(config.stash[HOLES_CHECK]) if config.stash.get(SPREAD, False) and HOLES_CHECK in config.stash else None}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the controller: a worker's observations and verdicts join the run's."""
    data = getattr(node, "workeroutput", {}).get(KEY)
    if data is None:
        return
    config = node.config
    run = config.stash.setdefault(RUN, {"resettable": [], "paths_found": set(), "paths_empty": set(), "holes_check": None,
                                        "checked": {}})
    config.stash.setdefault(VERDICTS, Verdicts())
    merge_observations(observed.current, data["observations"])
    verdicts = config.stash[VERDICTS]
    verdicts.failures.update({check: [violation_from(v) for v in violations] for check, violations in data["failures"]})
    verdicts.other.update(dict(data["other"]))
    verdicts.missing.update(data["missing"])
    config.stash[HEADER] = config.stash.get(HEADER, []) or data["header"]
    run["resettable"] += [] if data["resettable"] is None else [data["resettable"]]
    run["paths_found"].update(data["paths_found"])
    run["paths_empty"].update(data["paths_empty"])
    run["holes_check"] = run["holes_check"] or data["holes_check"]
    run["checked"][data["worker"]] = data["checked"]


def checked_lines(config) -> list[str]:
    """On the controller: what each worker checked, for the run's summary."""
    run = config.stash.get(RUN, None)
    if not run:
        return []
    return ["  pytest-xdist workers:"] + [f"    {worker} checked {', '.join(urls) or 'nothing'}"
                                         for worker, urls in sorted(run["checked"].items())]


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    """On the controller of a spread run, once every worker is done: the holes rule over the merged run."""
    result = yield
    run = session.config.stash.get(RUN, None)
    if run and run["holes_check"] and not session.shouldstop:
        judge_holes(session.config, run)
    return result


def judge_holes(config, run: dict) -> None:
    """`every_operation_gets_a_success_answer` reported as the check it is in a run in one process:
    its failure in the terminal, the exit status, JUnit and the verdict."""
    nodeid, location = run["holes_check"][0], tuple(run["holes_check"][1])
    violations = never_answered(config, observed.current, all(run["resettable"]), run["paths_empty"] - run["paths_found"])
    longrepr = None
    if violations:
        config.stash[VERDICTS].failures[nodeid] = violations
        path, lineno, _ = location
        longrepr = rule_repr(RuleFailure(violations), path, (lineno or 0) + 1)
    hook = config.hook
    hook.pytest_runtest_logstart(nodeid=nodeid, location=location)
    for when, outcome, shown in (("setup", "passed", None), ("call", "failed" if violations else "passed", longrepr),
                                 ("teardown", "passed", None)):
        hook.pytest_runtest_logreport(report=TestReport(nodeid, location, {}, outcome, shown, when))
    hook.pytest_runtest_logfinish(nodeid=nodeid, location=location)
