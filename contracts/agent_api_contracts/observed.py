"""What a run saw, for its coverage report and its "checked nothing" verdict: every answer per
operation (status counts), every rule judged, passed or failed, per operation, and the drift
findings that are no failure (fields a server lacks because a later Waldur version added them)."""
from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from agent_api_contracts.schemas import operations
from agent_api_contracts.versions import RULE as LATER_FIELD, missing_later_fields

APIS = ("waldur", "prefactor")


@functools.cache
def _templates() -> list[tuple[str, str, re.Pattern, str]]:
    """(api, method, path pattern, operationId) for every documented operation."""
    found = []
    for api in APIS:
        for operation_id, operation in operations(api).items():
            pattern = re.escape(operation["path"])
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            found.append((api, operation["method"], re.compile(f"(?:/.*)?{pattern}"), operation_id))
    return found


def operation_of(method: str, url: str) -> tuple[str, str] | None:
    """(api, operationId) of a request, None when it is none of the documented operations."""
    path = urlsplit(url).path
    for api, documented_method, pattern, operation_id in _templates():
        if documented_method == method.upper() and pattern.fullmatch(path):
            return api, operation_id
    return None


@dataclass
class Operation:
    statuses: Counter = field(default_factory=Counter)
    passed: Counter = field(default_factory=Counter)   # rule name -> times it held
    failed: Counter = field(default_factory=Counter)   # rule name -> times it was broken
    skipped: dict = field(default_factory=dict)        # check -> reason
    examples: dict = field(default_factory=dict)       # status -> the first exchange that got it

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


class Observations:
    def __init__(self):
        self.operations: dict[tuple[str, str], Operation] = defaultdict(Operation)
        self.skipped: list[tuple[str, str]] = []  # (check, reason)
        self.notes: list[str] = []
        self.drift: Counter = Counter()  # (rule, api, operationId, field, version) -> answers

    def answer(self, method: str, url: str, status: int | None, operation: tuple[str, str] | None = None,
               body: object = None, exchange=None) -> None:
        """Counts an answer; `exchange` (an httpx.Response or Request, or a function that makes one)
        is kept as the example of its status (what the hole rule shows); `body` (the parsed answer)
        is read for fields of later Waldur versions the server leaves out."""
        operation = operation or operation_of(method, url)
        if operation:
            seen = self.operations[operation]
            key = status if status is not None else "no answer"
            seen.statuses[key] += 1
            if exchange is not None and key not in seen.examples:
                seen.examples[key] = exchange() if callable(exchange) else exchange
            if body is not None and status is not None and "field=" not in urlsplit(url).query:
                for name, version in missing_later_fields(*operation, status, body).items():
                    self.drift[(LATER_FIELD, *operation, name, version)] += 1

    def rule(self, name: str, held: bool, exchanges) -> None:
        touched = {operation_of(e.request.method if hasattr(e, "status_code") else e.method,
                                str(e.request.url if hasattr(e, "status_code") else e.url)) for e in exchanges}
        for operation in touched - {None} or {("", "(no request)")}:
            (self.operations[operation].passed if held else self.operations[operation].failed)[name] += 1

    def skip(self, check: str, reason: str, operation: tuple[str, str] | None = None) -> None:
        self.skipped.append((check, reason))
        if operation:
            self.operations[operation].skipped[check] = reason

    def successes(self) -> int:
        return sum(count for op in self.operations.values() for status, count in op.statuses.items()
                   if isinstance(status, int) and 200 <= status < 300)

    def report(self) -> dict:
        rows = []
        for api in APIS:
            for operation_id, operation in operations(api).items():
                seen = self.operations.get((api, operation_id), Operation())
                rows.append({
                    "api": api, "operation_id": operation_id, "method": operation["method"], "path": operation["path"],
                    "beyond_published_pages": bool(operation.get("x-beyond-published-pages")),
                    "exercised": seen.requests > 0, "requests": seen.requests,
                    "statuses": {str(status): count for status, count in sorted(seen.statuses.items(), key=str)},
                    "rules": {"run": sorted(set(seen.passed) | set(seen.failed)), "passed": sorted(set(seen.passed) - set(seen.failed)),
                              "failed": sorted(seen.failed), "skipped": [{"check": c, "reason": r} for c, r in seen.skipped.items()]},
                })
        return {"operations": rows, "never_exercised": [f"{r['api']} {r['operation_id']}" for r in rows if not r["exercised"]],
                "skipped": [{"check": check, "reason": reason} for check, reason in self.skipped],
                "successful_answers": self.successes(), "notes": list(self.notes),
                "drift": [{"rule": rule, "api": api, "operation_id": operation_id, "field": name, "added_in": version,
                           "answers": count}
                          for (rule, api, operation_id, name, version), count in sorted(self.drift.items())]}

    def table(self) -> list[str]:
        report = self.report()
        lines = [f"{'operation':<70} {'req':>5}  {'statuses':<24} {'rules run/passed/failed/skipped'}"]
        for row in report["operations"]:
            statuses = " ".join(f"{s}x{n}" for s, n in row["statuses"].items()) or "-"
            rules = row["rules"]
            lines.append(f"{row['method'] + ' ' + row['path']:<70} {row['requests']:>5}  {statuses:<24} "
                         f"{len(rules['run'])}/{len(rules['passed'])}/{len(rules['failed'])}/{len(rules['skipped'])}")
            lines += [f"{'':8}failed: {', '.join(rules['failed'])}"] if rules["failed"] else []
        if report["never_exercised"]:
            lines.append("never exercised: " + ", ".join(report["never_exercised"]))
        return lines

    def drift_lines(self) -> list[str]:
        """One line per later field a server lacked (reported, not failed)."""
        return [f"{finding['rule']}: {finding['api']} {finding['operation_id']} answered without `{finding['field']}` "
                f"(added in Waldur {finding['added_in']}) {finding['answers']} time(s)"
                for finding in self.report()["drift"]]


# The run's observations; the plugin starts a fresh one per session.
current = Observations()
