"""What the judges see of one exchange: the answer (an httpx.Response carrying its request),
its documented operation, and both bodies parsed once."""
from __future__ import annotations

from dataclasses import dataclass, field

import functools
import json

import httpx

from agent_api_contracts.proxy.operations import Operation
from agent_api_contracts.rules.answers import MISSING, parsed


def parse(content: bytes) -> object:
    if not content.strip():
        return MISSING
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return MISSING


@dataclass
class Observed:
    response: httpx.Response
    operation: Operation | None
    api: str | None
    overlapped: bool = False  # another request to the same path was under way meanwhile
    _body: object = field(default=None, repr=False)
    _sent: object = field(default=None, repr=False)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def body(self) -> object:
        """The answer's JSON body, or MISSING."""
        if self._body is None:
            self._body = parsed(self.response)
        return self._body

    @property
    def sent(self) -> object:
        """The request's JSON body, or MISSING."""
        if self._sent is None:
            self._sent = parse(self.response.request.content)
        return self._sent

    @property
    def operation_id(self) -> str | None:
        return self.operation.operation_id if self.operation else None

    @functools.cached_property
    def query(self) -> httpx.QueryParams:
        return self.response.request.url.params


def watches(*rules, operations: tuple[str, ...] | None = None):
    """Marks a judge with the rules it applies and the operations it watches (None: all)."""
    def mark(judge):
        judge.rules, judge.operations = rules, frozenset(operations) if operations else None
        return judge
    return mark
