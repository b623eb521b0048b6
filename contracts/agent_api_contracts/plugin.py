"""The contract suites' pytest plugin (entry point `pytest11`): `pytest --pyargs agent_api_contracts`
checks our own mock (started on a free port); with `--base-url URL` (or PYTEST_BASE_URL) any
implementation.

The plugin loads in every pytest run where the package is installed; everything it does beyond
registering its options and markers happens only in sessions that collected contract checks.
In those, a run cannot pass by checking nothing: a missing credential is one failure naming the
variable and the checks it would enable (unless --skip-missing-credentials), skips are listed, an
operation that never answered with success fails the run (`test_operations_answered.py`), and a
coverage table ends the run. A failure prints its rule, the docs' words, what was expected and
found and a curl line, in a few lines (the traceback with -v or --tb=...); the summary leads with
the verdict; --html-report writes it all as one HTML file. Under pytest-xdist the checks are
spread over workers when each can check a state of its own (sessions.py), and the run still
reports as one (workers.py); otherwise they stay together on one worker."""
from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings

from agent_api_contracts import clients, html_report, observed, rules, schemas, workers
from agent_api_contracts.answered import expected_no_success
from agent_api_contracts.rules.answers import JSON_ANSWER, shown, unanswered
from agent_api_contracts.sessions import spread, worker_of
from agent_api_contracts.target import CREDENTIALS, OPTIONAL, SKIP_MISSING, choose_target, credentials_of, urls_of
from agent_api_contracts.verdicts import HEADER, VERDICTS, MissingCredential, Verdicts, rule_repr

PROFILES = {
    # Enough to catch what the mutation harness injects, in seconds per run.
    "quick": dict(max_examples=8, schemathesis_examples=6, stateful_scenarios=3),
    # The default: the conformance layer's phases and the rules' properties in earnest.
    "full": dict(max_examples=40, schemathesis_examples=25, stateful_scenarios=25),
}
# The fixtures through which a check uses each credential (the header counts the checks per credential).
FIXTURE_CREDENTIALS = {"waldur_manager": "WALDUR_TOKEN", "waldur_support": "WALDUR_SUPPORT_TOKEN",
                       "prefactor_client": "PREFACTOR_TOKEN", "waldur_credentials": "WALDUR_TOKEN",
                       "prefactor_credentials": "PREFACTOR_TOKEN",
                       "waldur_offering_manager": "WALDUR_OFFERING_MANAGER_TOKEN"}
# Python errors that mean "the answer was not what the check could read": they become rule failures.
READING_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError)
JSON_VALUE_ATTRIBUTE = re.compile(r"'(list|dict|str|int|float|bool|NoneType)' object has no attribute")
CONTRACTS = pytest.StashKey[list]()
CONTRACT_IDS: set[str] = set()
CHECKED_NOTHING = pytest.StashKey[bool]()
# The check that runs last and fails on every operation that never answered with success.
HOLES_MODULE = "agent_api_contracts.test_operations_answered"


def pytest_addoption(parser):
    group = parser.getgroup("contracts", "API contract suites (agent_api_contracts)")
    group.addoption("--api", action="append", choices=["waldur", "prefactor"],
                    help="check only this API (repeatable; default: both)")
    group.addoption("--read-only", action="store_true", help="never send a request that changes state (shared staging)")
    group.addoption("--waldur-url", help="Waldur's base URL when it differs from --base-url (env WALDUR_URL)")
    group.addoption("--prefactor-url", help="Prefactor's base URL when it differs from --base-url (env PREFACTOR_URL)")
    group.addoption("--waldur-token", help="an account that manages at least one site-agent service (env WALDUR_TOKEN)")
    group.addoption("--waldur-support-token", help="a support account (env WALDUR_SUPPORT_TOKEN)")
    group.addoption("--prefactor-token", help="a Prefactor API token (env PREFACTOR_TOKEN)")
    group.addoption("--waldur-offering-manager-token",
                    help="an account with OFFERING.MANAGER on an offering (env WALDUR_OFFERING_MANAGER_TOKEN; optional)")
    group.addoption(SKIP_MISSING, action="store_true",
                    help="skip (instead of fail) the checks whose credential or URL is missing; the skips are listed")
    group.addoption("--contract-profile", choices=sorted(PROFILES), default=os.environ.get("CONTRACTS_PROFILE", "full"),
                    help="how many generated cases (env CONTRACTS_PROFILE; default: full)")
    group.addoption("--coverage-json", metavar="FILE", help="write the per-operation coverage report to FILE as JSON")
    group.addoption("--html-report", metavar="FILE", help="write the run as one self-contained HTML file: per operation "
                    "the statuses seen and the rules run, each failure with its rule, exchange and curl line")
    group.addoption("--expect-no-success", action="append", default=[], metavar="OPERATION_ID",
                    help="an operation that may get no success answer in this run without failing it (repeatable, "
                         "or comma-separated); --api and --read-only already leave out what they exclude")


def pytest_configure(config):
    config.addinivalue_line("markers", "waldur: checks the Waldur API")
    config.addinivalue_line("markers", "prefactor: checks the Prefactor API")
    config.addinivalue_line("markers", "writes: changes state on the target (skipped with --read-only)")
    profile = PROFILES[config.getoption("contract_profile")]
    settings.register_profile("contracts", max_examples=profile["max_examples"], deadline=None, derandomize=True,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                     HealthCheck.function_scoped_fixture])
    config.stash[CONTRACTS] = []
    config.stash[VERDICTS] = Verdicts()
    if not config.pluginmanager.is_registered(workers):  # a run spread over pytest-xdist workers reports as one
        config.pluginmanager.register(workers, "agent_api_contracts.workers")


def is_contract_check(item) -> bool:
    module = getattr(item, "module", None)
    return module is not None and module.__name__.startswith("agent_api_contracts.")


@pytest.hookimpl(tryfirst=True)  # its xdist_group marks must be there before pytest-xdist reads them
def pytest_collection_modifyitems(session, config, items):
    contract_items = [item for item in items if is_contract_check(item)]
    config.stash[CONTRACTS] = contract_items
    CONTRACT_IDS.clear()
    CONTRACT_IDS.update(item.nodeid for item in contract_items)
    if not contract_items:
        return
    expected_no_success(config)  # an unknown operation name is a usage error before anything runs
    apis = set(config.getoption("api") or ("waldur", "prefactor"))
    read_only = config.getoption("read_only")
    for item in contract_items:
        for api in ("waldur", "prefactor"):
            if item.get_closest_marker(api) and api not in apis:
                item.add_marker(pytest.mark.skip(reason=f"--api excludes {api}"))
        if read_only and item.get_closest_marker("writes"):
            item.add_marker(pytest.mark.skip(reason="--read-only: this check changes state"))
    if spread(config, urls_of(config)):
        # Each pytest-xdist worker checks its own mock or session (sessions.py); the controller
        # judges the holes rule over what they all saw (workers.py).
        holes_check = [item for item in contract_items if item.module.__name__ == HOLES_MODULE]
        for item in holes_check:
            config.stash[workers.HOLES_CHECK] = (item.nodeid, list(item.location))
        contract_items = [item for item in contract_items if item not in holes_check]
        items[:] = [item for item in items if item not in holes_check]
        config.hook.pytest_deselected(items=holes_check)
    else:
        for item in contract_items:
            # One state, seen by one process: under pytest-xdist's --dist loadgroup the checks
            # stay together on one worker.
            item.add_marker(pytest.mark.xdist_group("agent_api_contracts"))
        if worker_of(config) is not None and not config.getvalue("loadgroup"):
            warnings.warn(pytest.PytestWarning(
                "the target offers no sessions (GET /__admin/sessions), so the contract checks share its one state: "
                "run them in one process (-n 0) or on one worker (--dist loadgroup); spread over workers they "
                "see and reset each other's writes"))
    # An optional credential's checks skip on their own (Target.credential), naming the variable.
    missing = [] if config.getoption("skip_missing_credentials") else \
        [variable for variable, found in credentials_of(config).items() if not found and variable not in OPTIONAL]
    failures = []
    for variable in missing:
        needing = [item for item in contract_items if needs(item, variable) and not item.get_closest_marker("skip")]
        if not needing:
            continue
        for item in needing:
            item.add_marker(pytest.mark.skip(reason=f"{variable} is missing (one failure says so: credentials::{variable})"))
        failures.append(MissingCredential.from_parent(session, name=variable, nodeid=f"credentials::{variable}",
                                                      variable=variable, needing=[item.nodeid for item in needing]))
    items[:0] = failures
    config.stash[VERDICTS].missing = {failure.variable for failure in failures}
    config.stash[CONTRACTS] = failures + contract_items
    CONTRACT_IDS.update(item.nodeid for item in failures)


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_holes_check_last(items):
    """After every other check (and after any plugin that reorders them): it judges what they saw."""
    last = [item for item in items if getattr(getattr(item, "module", None), "__name__", "") == HOLES_MODULE]
    items[:] = [item for item in items if item not in last] + last


def needs(item, variable: str) -> bool:
    return any(FIXTURE_CREDENTIALS.get(name) == variable for name in getattr(item, "fixturenames", ()))


def pytest_collection_finish(session):
    contract_items = session.config.stash.get(CONTRACTS, [])
    if not contract_items:
        return
    observed.current = observed.Observations()
    rules.OBSERVERS[:] = [lambda rule, held, exchanges: observed.current.rule(rule.name, held, exchanges)]
    session.config.stash[HEADER] = header(session.config, contract_items)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for line in session.config.stash[HEADER] if reporter else ():
        reporter.write_line(line)


def header(config, items) -> list[str]:
    urls, found = urls_of(config), credentials_of(config)
    apis = config.getoption("api") or ("waldur", "prefactor")
    lines = ["contract suites (agent_api_contracts):"]
    for api in ("waldur", "prefactor"):
        where = urls[api] or ("our own mock, started on a free port" if not any(urls.values()) else "no URL")
        lines.append(f"  {api}: {where}" + ("" if api in apis else " (excluded by --api)"))
    for variable, (option, api, what) in CREDENTIALS.items():
        enabled = sum(1 for item in items if needs(item, variable))
        state = "found" if found[variable] else ("missing: those checks are skipped" if config.getoption("skip_missing_credentials")
                                                 else "MISSING: one failure, its checks are skipped")
        lines.append(f"  {variable}: {state}; enables {enabled} checks ({what})")
    lines.append(f"  profile: {config.getoption('contract_profile')}" + ("; read-only" if config.getoption("read_only") else ""))
    return lines


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A contract check that trips over an answer it cannot read fails under the answers' rule,
    with the last answer it got, never as a bare KeyError, TypeError or JSONDecodeError; several
    failures Hypothesis found (an exception group) become one failure listing every violation."""
    if not is_contract_check(item):
        return (yield)
    try:
        return (yield)
    except (rules.RuleFailure, pytest.fail.Exception, pytest.skip.Exception):
        raise
    except BaseExceptionGroup as group:
        violations = [violation for error in leaves(group) for violation in as_violations(error)]
        if any(violation is None for violation in violations):
            raise
        raise rules.RuleFailure(violations) from None
    except httpx.TransportError as error:
        raise unanswered(error) from None
    except READING_ERRORS as error:
        if not is_reading_error(error):
            raise
        raise unreadable(error) from None


def unreadable(error: Exception) -> rules.RuleFailure:
    """An answer a check could not read, as a failure of JSON_ANSWER with the last answer got."""
    last = clients.last_response()
    found = f"{type(error).__name__} {error} while reading " + (shown(last) if last is not None else "the answers")
    exchanges = (last,) if last is not None else ()
    return rules.RuleFailure([JSON_ANSWER.violation("the answer the operation documents", found, *exchanges)])


def leaves(group: BaseExceptionGroup) -> list[BaseException]:
    return [leaf for error in group.exceptions
            for leaf in (leaves(error) if isinstance(error, BaseExceptionGroup) else [error])]


def as_violations(error: BaseException) -> list:
    """The violations an error stands for; [None] when it is none of ours (a bug to show as it is)."""
    if isinstance(error, rules.RuleFailure):
        return error.violations
    if isinstance(error, httpx.TransportError):
        return unanswered(error).violations
    if isinstance(error, READING_ERRORS) and is_reading_error(error):
        return unreadable(error).violations
    return [None]


def is_reading_error(error: Exception) -> bool:
    # `'list' object has no attribute 'get'` is an odd answer; another AttributeError is the suite's own bug.
    return not isinstance(error, AttributeError) or bool(JSON_VALUE_ATTRIBUTE.match(str(error)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if item.nodeid not in CONTRACT_IDS and not is_contract_check(item):  # Schemathesis's subtests have ids of their own
        return report
    if report.skipped and report.when in ("setup", "call"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        observed.current.skip(item.nodeid, reason.removeprefix("Skipped: "), operation_of_item(item))
    if report.failed and call.excinfo is not None and not isinstance(item, MissingCredential):
        verdicts = item.config.stash[VERDICTS]
        if isinstance(call.excinfo.value, rules.RuleFailure):
            verdicts.failures[report.nodeid] = call.excinfo.value.violations
            if brief_failures(item.config):
                path, lineno, _ = item.location
                report.longrepr = rule_repr(call.excinfo.value, path, (lineno or 0) + 1)
        else:
            verdicts.other[report.nodeid] = str(report.longrepr).strip().splitlines()[-1][:300] if report.longrepr else ""
    return report


def brief_failures(config) -> bool:
    """A failure shows its rule, not its traceback, unless -v or an explicit --tb asks for it."""
    return config.option.tbstyle == "auto" and config.get_verbosity() < 1


def operation_of_item(item) -> tuple[str, str] | None:
    """The operation a check parametrized by `path` (and `method`) exercises, if it is one."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    path, method = params.get("path"), params.get("method")
    if not isinstance(path, str):
        return None
    for api in observed.APIS:
        for operation_id, operation in schemas.operations(api).items():
            if operation["path"] == path and (method is None or operation["method"] == method):
                return api, operation_id
    return None


def contract_run(config) -> bool:
    """Whether this process reports a run of contract checks: it collected them, or it is the
    pytest-xdist controller of workers that ran them."""
    return (bool(config.stash.get(CONTRACTS, [])) or workers.RUN in config.stash) and not config.getoption("collectonly")


def pytest_sessionfinish(session, exitstatus):
    if not contract_run(session.config):
        return
    if hasattr(session.config, "workeroutput"):  # a pytest-xdist worker: the controller reports the run
        session.config.workeroutput[workers.KEY] = workers.worker_output(session.config)
        return
    report = observed.current.report()
    path = session.config.getoption("coverage_json")
    if path:
        Path(path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if report["successful_answers"] == 0 and session.exitstatus in (0, 5):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if report["successful_answers"] == 0:
        session.config.stash[CHECKED_NOTHING] = True
    verdicts = session.config.stash[VERDICTS]
    path = session.config.getoption("html_report")
    if path:
        html_report.write(path, html_report.of_suite(report, verdicts, session.config.stash.get(HEADER, []),
                                                     verdicts.summary(report["successful_answers"] == 0)))


@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_terminal_summary")
def pytest_terminal_summary_verdict_first(terminalreporter, config):
    """The verdict first, before the failures (and, in a run where nothing answered, instead of
    their details: each is then one line of the short summary)."""
    if not contract_run(config):
        return (yield)
    checked_nothing = config.stash.get(CHECKED_NOTHING, False)
    lines = config.stash[VERDICTS].summary(checked_nothing)
    if lines:
        terminalreporter.section("contract verdict (agent_api_contracts)", red=True)
        for line in lines:
            terminalreporter.write_line(line, red=line.startswith("FAILED"))
        if checked_nothing and brief_failures(config):
            config.option.tbstyle = "no"
            terminalreporter.write_line("Each failure follows in one line; their details are in --junitxml or "
                                        "--html-report, or run with --tb=short.")
    if config.getoption("html_report"):
        terminalreporter.write_line(f"HTML report: {config.getoption('html_report')}")
    return (yield)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not contract_run(config):
        return
    write = terminalreporter.write_line
    terminalreporter.section("contract coverage (agent_api_contracts)")
    if workers.RUN in config.stash:  # the controller of pytest-xdist workers: what the run checked, and where
        for line in config.stash.get(HEADER, []) + workers.checked_lines(config):
            write(line)
    for line in observed.current.table():
        write(line)
    for note in observed.current.notes:
        write(note)
    if observed.current.drift:
        terminalreporter.section("drift: reported, not failures")
        for line in observed.current.drift_lines():
            write(line, yellow=True)
    if observed.current.skipped:
        terminalreporter.section("contract checks skipped")
        for reason, checks in skips_by_reason(observed.current.skipped):
            write(f"SKIPPED {checks[0]}: {reason}" if len(checks) == 1 else
                  f"SKIPPED {len(checks)} checks: {reason}: {', '.join(checks[:4])}{', ...' if len(checks) > 4 else ''}")


def skips_by_reason(skipped: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for check, reason in skipped:
        grouped.setdefault(reason, []).append(check)
    return list(grouped.items())


@pytest.fixture(scope="session")
def target(request):
    chosen = choose_target(request.config)
    chosen.reported_missing = frozenset(request.config.stash[VERDICTS].missing)
    request.config.stash[workers.RESETTABLE] = chosen.resettable
    request.config.stash[workers.CHECKED] = sorted({url for url in (chosen.waldur_url, chosen.prefactor_url) if url})
    yield chosen
    chosen.stop()


@pytest.fixture(scope="session")
def contract_profile(request) -> dict:
    return PROFILES[request.config.getoption("contract_profile")]


@pytest.fixture
def fresh_target(target):
    """The target, reset to its seed data first where it can be (our mock and its variants)."""
    target.reset()
    return target


@pytest.fixture(scope="session")
def waldur_credentials(target) -> tuple[str, str, str | None]:
    """(URL, the manager's Authorization, the support account's or None) for the generated layers."""
    url = target.url("waldur")
    support = target.waldur_support_token
    return url, f"Token {target.credential('WALDUR_TOKEN')}", f"Token {support}" if support else None


@pytest.fixture(scope="session")
def prefactor_credentials(target) -> tuple[str, str]:
    return target.url("prefactor"), f"Bearer {target.credential('PREFACTOR_TOKEN')}"


@pytest.fixture
def waldur_manager(fresh_target):
    with clients.waldur(fresh_target, "WALDUR_TOKEN") as client:
        yield client


@pytest.fixture
def waldur_support(fresh_target):
    with clients.waldur(fresh_target, "WALDUR_SUPPORT_TOKEN") as client:
        yield client


@pytest.fixture
def waldur_offering_manager(fresh_target):
    with clients.waldur(fresh_target, "WALDUR_OFFERING_MANAGER_TOKEN") as client:
        yield client


@pytest.fixture
def waldur_anonymous(fresh_target):
    with clients.client(fresh_target.url("waldur"), None) as client:
        yield client


@pytest.fixture
def prefactor_client(fresh_target):
    with clients.prefactor(fresh_target) as client:
        yield client


@pytest.fixture
def prefactor_anonymous(fresh_target):
    with clients.client(fresh_target.url("prefactor"), None) as client:
        yield client
