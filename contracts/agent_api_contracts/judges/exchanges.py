"""Judges of observed exchanges, shared by the active suites and the validating proxy.

A judge takes one `Observed` exchange (an answer with its request and its documented
operation) and returns the violations it shows. A judge of one exchange is a function; a judge
of a sequence is an object that remembers a bounded number of earlier exchanges (the least
recently seen forgotten). Both are marked with the rules they apply and the operations they
watch (`@watches`); a judge that watches more than it judges (to see writes that change what
it compares) names the operations it judges as `judged`, and the report lists its rules there.
The proxy hands them every exchange that passes; an active test hands them the answers it got
(`Watching`), and enforces what they find.

A sequence judge assumes it sees the writes it compares against: a write that bypasses it
can make a later read look stale."""
from __future__ import annotations

import collections
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Iterable

import httpx
import orjson

from agent_api_contracts.rules import Violation
from agent_api_contracts.rules.answers import MISSING
from agent_api_spec.operations import Operation, documented

REMEMBERED = 2_000  # per kind of object a sequence judge remembers


# 19 digits in a row: maybe an integer beyond 64 bits, which orjson reads as a float (json.loads
# keeps it exact), so such a body goes to json.loads.
LONG_NUMBER = re.compile(rb"\d{19}")


def parse(content: bytes) -> object:
    """A JSON body, or MISSING: what json.loads reads, by orjson where it can (a few times faster;
    it refuses NaN and turns integers beyond 64 bits into floats, which json.loads reads exactly)."""
    if not content.strip():
        return MISSING
    if not LONG_NUMBER.search(content):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return MISSING


def content_of(response: httpx.Response) -> bytes:
    try:
        return response.content
    except (httpx.ResponseNotRead, httpx.StreamError):
        return b""


@dataclass
class Observed:
    """What a judge sees of one exchange: the answer (an httpx.Response carrying its request),
    its documented operation, and both bodies parsed once."""
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
            self._body = parse(content_of(self.response))
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

    @property
    def path_uuids(self) -> list[str]:
        """The uuids in the request's path, in order, without hyphens."""
        template = self.operation.template.strip("/").split("/") if self.operation else []
        sent = self.response.request.url.path.strip("/").split("/")
        return [hex_uuid(part) for name, part in zip(reversed(template), reversed(sent)) if name.startswith("{")][::-1]

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300


def observe(response: httpx.Response, operation_id: str) -> Observed:
    """An answer an active test got, as the judges see it."""
    operation = documented().by_id(operation_id)
    if operation is None:
        raise KeyError(f"no operation {operation_id!r} in spec/")
    return Observed(response, operation, operation.api)


def watches(*rules, operations: Iterable[str] | None = None):
    """Marks a judge with the rules it applies and the operations it watches (None: all)."""
    def mark(judge):
        judge.rules, judge.operations = rules, frozenset(operations) if operations else None
        return judge
    return mark


class Watching:
    """Judges fed by an active test: `enforce(watching(response, operation_id))` after each
    answer applies every judge that watches that operation, as the proxy would in passing."""

    def __init__(self, *judges):
        self.judges = judges

    def __call__(self, response: httpx.Response, operation_id: str) -> list[Violation]:
        seen = observe(response, operation_id)
        return [violation for judge in self.judges if judge.operations is None or operation_id in judge.operations
                for violation in judge(seen)]


class Recent(collections.OrderedDict):
    """A mapping that forgets its least recently written keys beyond `size`."""

    def __init__(self, size: int = REMEMBERED):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


def fingerprint(value: object) -> bytes:
    """The same for the same JSON text, whatever the key order (for two answers of one server)."""
    return hashlib.blake2b(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()


def value_fingerprint(value: object) -> bytes:
    """The same for equal JSON values (as same_json has it: 1 and 1.0 are one number, true is
    not 1), to compare what a client sent with what a server answers."""
    return fingerprint(canonical(value))


def canonical(value: object) -> object:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def hex_uuid(text: object) -> str:
    return str(text).replace("-", "").lower()


def light(response: httpx.Response) -> httpx.Response:
    """A response to remember: its status and request (for the curl line), not its body."""
    return httpx.Response(response.status_code, request=response.request)


def snippet(value: object, limit: int = 300) -> str:
    return orjson.dumps(value)[:limit].decode(errors="replace")


def same_json(first: object, second: object) -> bool:
    """Equal as JSON values: true is not 1 (as Python's == has it), 1 and 1.0 are one number."""
    if isinstance(first, bool) or isinstance(second, bool):
        return type(first) is type(second) and first == second
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(same_json(first[key], second[key]) for key in first)
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(same_json(a, b) for a, b in zip(first, second))
    if isinstance(first, (int, float)) and isinstance(second, (int, float)):
        return first == second
    return type(first) is type(second) and first == second
