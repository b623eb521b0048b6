"""What a reader of a contract run sees first: each failure as its rule (the docs' words, expected,
found, a curl line) in a few lines instead of a traceback, one failure per missing credential,
and the verdicts of the run gathered for the summary and the HTML report."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from _pytest._code.code import ReprFileLocation

from agent_api_contracts.rules import RuleFailure, Violation
from agent_api_contracts.rules.coverage import EVERY_OPERATION_SUCCEEDS
from agent_api_contracts.target import CREDENTIALS, SKIP_MISSING


class RuleRepr:
    """A failure's report as its violations' messages (pytest prints it with `toterminal`, JUnit
    takes `reprcrash.message` as the failure's message and `str()` as its text)."""

    def __init__(self, text: str, headline: str, path: str, lineno: int):
        self.text = text
        self.reprcrash = ReprFileLocation(path, lineno, headline)

    def toterminal(self, tw) -> None:
        for line in self.text.splitlines():
            tw.line(line, red=line.endswith(" violated"), bold=line.endswith(" violated"))

    def __str__(self) -> str:
        return self.text


def rule_repr(failure: RuleFailure, path: str, lineno: int) -> RuleRepr:
    first = failure.violations[0]
    more = f" (and {len(failure.violations) - 1} more)" if len(failure.violations) > 1 else ""
    return RuleRepr(str(failure), f"{first.rule.name} violated{more}: {' '.join(first.found.split())}", path, lineno)


class MissingCredential(pytest.Item):
    """One failure per missing credential, naming the variable and the checks it would enable
    (those checks are skipped, each pointing here)."""

    def __init__(self, *, variable: str, needing: list[str], **kwargs):
        super().__init__(**kwargs)
        self.variable, self.needing = variable, needing

    def runtest(self) -> None:
        option, api, what = CREDENTIALS[self.variable]
        modules = Counter(nodeid.split("::")[0].rsplit("/", 1)[-1] for nodeid in self.needing)
        pytest.fail(f"{self.variable} is missing: set {self.variable} (or {option}), {what}, or run with {SKIP_MISSING} "
                    f"to skip such checks.\n  it would enable {len(self.needing)} checks: "
                    + ", ".join(f"{module} ({count})" for module, count in modules.items()), pytrace=False)

    def reportinfo(self):
        return self.path, None, f"credentials::{self.variable}"


@dataclass
class Verdicts:
    """The run's failures as violations (per check), and the credentials reported missing."""
    failures: dict[str, list[Violation]] = field(default_factory=dict)   # check -> its violations
    other: dict[str, str] = field(default_factory=dict)                  # check -> a failure that is no rule's
    missing: set[str] = field(default_factory=set)

    def by_rule(self) -> Counter:
        return Counter(violation.rule.name for violations in self.failures.values()
                       for violation in {v.rule.name: v for v in violations}.values())

    def summary(self, checked_nothing: bool) -> list[str]:
        """The verdict, in a few lines, for the top of the run's summary."""
        holes = [v for violations in self.failures.values() for v in violations if v.rule == EVERY_OPERATION_SUCCEEDS]
        lines = []
        if checked_nothing:
            lines.append("FAILED: checked nothing: no operation ever answered with success (2xx), so no rule was checked against the "
                         "API's data. Check the URL (a deployment without these routes answers 404 everywhere) "
                         "and the credentials.")
        for variable in sorted(self.missing):
            lines.append(f"FAILED: {variable} is missing; the checks it would enable were skipped (credentials::{variable})")
        if holes and not checked_nothing:  # then every operation is one, and the line above says so
            lines.append(f"FAILED: {len(holes)} operation(s) never answered with success ({EVERY_OPERATION_SUCCEEDS.name}):")
            lines += [f"  {violation.expected.split(' to answer')[0]}: {violation.found}" for violation in holes[:12]]
            lines += [f"  ... and {len(holes) - 12} more"] if len(holes) > 12 else []
        counts = self.by_rule()
        if counts:
            lines.append(f"{len(self.failures)} check(s) failed, under {len(counts)} rule(s):")
            lines += [f"  {name}: {count} check(s)" for name, count in counts.most_common(15)]
            lines += [f"  ... and {len(counts) - 15} more rules"] if len(counts) > 15 else []
        if self.other:
            lines.append(f"{len(self.other)} check(s) failed without a rule (a bug of the suite, or a setup error): "
                         + ", ".join(list(self.other)[:5]))
        return lines


VERDICTS = pytest.StashKey[Verdicts]()
HEADER = pytest.StashKey[list]()  # the run's header lines (what it checks, with which credentials)
