"""Rules and their verdicts: every failure of the contract suites is a rule that the observed
answers broke, with what the rule expected, what came back and a curl line per request.

    SAME = Rule("same_processor_name_updates_that_processor", "a name the service already has answers 200 ...",
                "docs/sources.md#register_processor")

A judge is a pure function over observed `httpx.Response` objects (each carries its `.request`):
it returns a list of `Violation`, sends no request and never raises on an odd body. A test
hands the verdicts to `enforce(...)`, which fails it with every violation's message.
The older style, `RULE.check(condition, detail, *responses)`, raises at the first broken rule.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Iterable, Union

import httpx

from agent_api_contracts.citations import cited

# The credential placeholders a curl line shows instead of the secret, per Authorization scheme.
SECRET_PLACEHOLDERS = {"Token": "$WALDUR_TOKEN", "Bearer": "$PREFACTOR_TOKEN"}
HIDDEN_HEADERS = ("host", "content-length", "accept-encoding", "connection", "user-agent")

# What a violation shows of a request: its answer, or the request alone when none came back.
Exchange = Union[httpx.Response, httpx.Request]

# Called as observer(rule, held, exchanges) for every verdict (the coverage report listens here).
OBSERVERS: list = []


def _observe(rule: "Rule", held: bool, exchanges) -> None:
    for observer in OBSERVERS:
        observer(rule, held, exchanges)


@dataclass(frozen=True)
class Rule:
    """A documented rule: a snake_case name, the words of the docs it enforces, where they are
    (a published page's file name, or docs/sources.md#anchor)."""
    name: str
    quote: str
    source: str

    def violation(self, expected: str, found: str, *exchanges: Exchange) -> "Violation":
        return Violation(self, expected, found, tuple(exchanges))

    def judge(self, holds: bool, expected: str, found: str, *exchanges: Exchange) -> list["Violation"]:
        """[] when the rule holds, else the one violation."""
        _observe(self, holds, exchanges)
        return [] if holds else [self.violation(expected, found, *exchanges)]

    # The older style: raise at the first broken rule (tests written this way keep working).
    def violated(self, detail: str, *exchanges: Exchange) -> "RuleFailure":
        return RuleFailure([self.violation(self.quote, detail, *exchanges)])

    def check(self, condition: bool, detail: str, *exchanges: Exchange) -> None:
        _observe(self, bool(condition), exchanges)
        if not condition:
            raise self.violated(detail, *exchanges)


@dataclass(frozen=True)
class Violation:
    rule: Rule
    expected: str
    found: str
    responses: tuple[Exchange, ...] = field(default=())

    def as_dict(self) -> dict:
        return {"rule": self.rule.name, "quote": self.rule.quote, "source": self.rule.source,
                "citation": cited(self.rule.source),
                "expected": self.expected, "found": self.found,
                "requests": [exchange_summary(exchange) for exchange in self.responses]}

    def message(self) -> str:
        lines = [f"{self.rule.name} violated",
                 f'  rule: "{self.rule.quote}" ({cited(self.rule.source)})',
                 f"  expected: {self.expected}",
                 f"  found: {self.found}"]
        for exchange in self.responses:
            summary = exchange_summary(exchange)
            lines.append(f"  after: {summary['method']} {summary['url']} -> {summary['status'] or 'no answer'}")
            lines.append(f"  reproduce: {summary['curl']}")
        return "\n".join(lines)


class RuleFailure(AssertionError):
    """A test's failure: the violations, each with its message."""

    def __init__(self, violations: list[Violation]):
        self.violations = list(violations)
        super().__init__("\n".join(v.message() for v in self.violations))


def enforce(*verdicts: Iterable[Violation]) -> None:
    """Fails the calling test with every violation of the given verdicts (none: passes)."""
    violations = [violation for verdict in verdicts for violation in verdict]
    if violations:
        raise RuleFailure(violations)


def exchange_summary(exchange: Exchange) -> dict:
    request = exchange.request if isinstance(exchange, httpx.Response) else exchange
    status = exchange.status_code if isinstance(exchange, httpx.Response) else None
    return {"method": request.method, "url": str(request.url), "status": status, "curl": curl(request)}


def curl(request: httpx.Request) -> str:
    """A curl command that sends the request again, with credentials shown as variables: the
    suites' failures and the proxy's violations both show this line.

    HEAD is `curl -I`: `-X HEAD` makes curl wait for a body the answer never has (curl's manual,
    --request). A URL with [] or {} gets --globoff, or curl would read them as its globs."""
    parts = ["curl", "-I"] if request.method == "HEAD" else ["curl", "-i", "-X", request.method]
    if any(char in str(request.url) for char in "[]{}"):
        parts.append("--globoff")
    for name, value in request.headers.items():
        if name.lower() in HIDDEN_HEADERS:
            continue
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0]
            parts += ["-H", f'"{name}: {scheme} {SECRET_PLACEHOLDERS.get(scheme, "$TOKEN")}"']
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    try:
        content = request.content
    except httpx.RequestNotRead:
        content = b""
    if content and request.method != "HEAD":  # -I and a body are two methods to curl; a HEAD body has no defined meaning (RFC 9110, 9.3.2)
        parts += ["--data-binary", shlex.quote(content.decode("utf-8", errors="replace"))]
    parts.append(shlex.quote(str(request.url)))
    return " ".join(parts)
