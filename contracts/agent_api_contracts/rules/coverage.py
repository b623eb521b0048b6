"""A green run with holes is not green: every operation of the spec that the run was asked to
check must get at least one success answer, or its rules were never checked against the API's
data. The verdict names each such operation and the likely cause, read from what it answered."""
from __future__ import annotations

from collections import Counter

from agent_api_contracts.rules import Rule, Violation

SOURCE = "docs/sources.md#what-the-suites-judge"
EVERY_OPERATION_SUCCEEDS = Rule(
    "every_operation_gets_a_success_answer",
    "every operation of the spec gets at least one success (2xx) answer in a run; one that never does "
    "had none of its rules checked against the API's data", SOURCE)
# Answers the suite provokes on purpose (no credential, a method the operation lacks, an invalid
# request): they say nothing about why the valid requests failed.
PROVOKED = {400, 401, 405, 413, 415, 422}


def is_success(status) -> bool:
    return isinstance(status, int) and 200 <= status < 300


def likely_cause(statuses: Counter, account: str, nothing_found: bool = False) -> str:
    """Why an operation never succeeded, as far as its answers (and the objects found) tell."""
    if not statuses:
        return "no check sent it a request"
    answers = telling(statuses)
    if 409 in answers and set(answers) <= {404, 409}:
        return "every request on a found object was refused for its state (409): no object in a state that allows it"
    if set(answers) == {404} and nothing_found:
        return (f"no object visible to {account}: no list it can read shows or names one (the suite looks in every "
                f"list and at the objects listed objects name), and every other uuid got 404")
    if set(answers) == {404}:
        return f"no object visible to {account}: every request named an object the server did not show (404)"
    if set(answers) <= {401, 403}:
        return f"every request was refused ({'/'.join(map(str, sorted(answers)))}): {account} lacks the role, or is wrong"
    if all(status == "no answer" or (isinstance(status, int) and status >= 500) for status in answers):
        return "every request failed on the server's side (5xx or no answer)"
    return "every request was refused"


def telling(statuses: Counter) -> Counter:
    return Counter({status: n for status, n in statuses.items() if status not in PROVOKED}) or statuses


def refused_for_state(row: dict) -> bool:
    """Every request the suite meant to succeed got 409: no object was in a state that allows the
    transition (Waldur's StateValidator, docs/sources.md#orders). On a target that cannot be reset
    (staging) the run's own writes may have used up such objects; that is no hole of the server."""
    statuses = Counter({int(s) if s.isdigit() else s: n for s, n in row["statuses"].items()})
    answers = telling(statuses)  # 404s beside them: the checks' own unknown uuids
    return not any(map(is_success, statuses)) and 409 in answers and set(answers) <= {404, 409}


def holes(rows: list[dict], examples: dict, accounts: dict[str, str], nothing_found: set[str] = frozenset()) -> list[Violation]:
    """The verdicts of the rule over the coverage report's rows (`observed.Observations.report()`)
    of the operations the run was asked to check; `examples[(api, operation_id)]` are exchanges
    the operation got (one per status), `accounts[operation_id]` the credential it is called with,
    `nothing_found` the path templates under which the suite found no object."""
    violations = []
    for row in rows:
        statuses = Counter({int(s) if s.isdigit() else s: n for s, n in row["statuses"].items()})
        if any(is_success(status) for status in statuses):
            continue
        cause = likely_cause(statuses, accounts.get(row["operation_id"], "the account"), row["path"] in nothing_found)
        shown = " ".join(f"{status}x{n}" for status, n in sorted(statuses.items(), key=str)) or "no request"
        seen = examples.get((row["api"], row["operation_id"]), {})
        example = next((seen[s] for s in sorted(seen, key=lambda s: (s in PROVOKED, str(s)))), None)
        violations.append(EVERY_OPERATION_SUCCEEDS.violation(
            f"{row['operation_id']} ({row['method']} {row['path']}) to answer 2xx at least once",
            f"{shown}; likely cause: {cause}", *([example] if example is not None else [])))
    return violations
