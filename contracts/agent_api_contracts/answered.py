"""The verdict of `every_operation_gets_a_success_answer` over a run's observations: a run is not
green while an operation of the spec never got a success answer, since none of its rules was
then checked against the API's data. Left out on purpose: what --api and --read-only exclude, the
operations named by --expect-no-success, and those whose credential is missing (that has its own
failure or skip); on a target that cannot be reset, transitions refused only for the objects'
state (409). One process judges it, after every other check: the last check of a run in one
process (test_operations_answered.py), pytest-xdist's controller when the checks are spread over
workers (workers.py), each over what the whole run saw."""
from __future__ import annotations

import pytest

from agent_api_contracts import observed, schemas
from agent_api_contracts.rules import Violation
from agent_api_contracts.rules.coverage import EVERY_OPERATION_SUCCEEDS, holes, refused_for_state
from agent_api_contracts.target import credentials_of

READS = ("GET", "HEAD")


def expected_no_success(config) -> set[str]:
    """The operations named by --expect-no-success (repeatable, comma-separated)."""
    named = {name.strip() for value in config.getoption("expect_no_success") for name in value.split(",") if name.strip()}
    known = {operation_id for api in observed.APIS for operation_id in schemas.operations(api)}
    if named - known:
        raise pytest.UsageError(f"--expect-no-success: no operation {', '.join(sorted(named - known))} in the spec")
    return named


def credential_of(api: str, operation: dict) -> str:
    if api == "prefactor":
        return "PREFACTOR_TOKEN"
    return "WALDUR_SUPPORT_TOKEN" if operation.get("x-required-role") == "support" else "WALDUR_TOKEN"


def left_out(config, api: str, operation_id: str) -> bool:
    operation = schemas.operations(api)[operation_id]
    return (api not in (config.getoption("api") or observed.APIS)
            or (config.getoption("read_only") and operation["method"] not in READS)
            or operation_id in expected_no_success(config)
            or not credentials_of(config)[credential_of(api, operation)])


def never_answered(config, observations: observed.Observations, resettable: bool,
                   nothing_found: set[str]) -> list[Violation]:
    """The rule's violations: one per operation that never answered 2xx (one for the run when
    nothing did); `nothing_found` are the path templates under which the suite found no object."""
    rows = [row for row in observations.report()["operations"] if not left_out(config, row["api"], row["operation_id"])]
    if not resettable:
        used_up = [row for row in rows if refused_for_state(row)]
        observations.notes += [f"not a hole: {row['operation_id']} answered only 409 (no object in a state that allows it), "
                               f"and the target cannot be reset" for row in used_up]
        rows = [row for row in rows if row not in used_up]
    examples = {key: seen.examples for key, seen in observations.operations.items()}
    accounts = {row["operation_id"]: f"{credential_of(row['api'], schemas.operations(row['api'])[row['operation_id']])}'s account"
                for row in rows}
    found = holes(rows, examples, accounts, nothing_found)
    if found and len(found) == len(rows) and observations.successes() == 0:
        # Nothing answered: one verdict for the run, not one per operation.
        first = found[0]
        return [EVERY_OPERATION_SUCCEEDS.violation(
            f"a success (2xx) answer from at least one of the {len(rows)} operations",
            f"none answered 2xx; {first.expected.split(' to answer')[0]}: {first.found}", *first.responses)]
    return found
