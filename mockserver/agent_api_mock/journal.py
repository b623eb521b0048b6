"""A bounded journal of the requests the mock received, for tests to query."""
from __future__ import annotations

import collections
import re
import time

from agent_api_mock.wire import strict_json

FILTERS = ("method", "path", "operation_id", "status", "query")
# Headers that carry credentials: recorded with the scheme and the first characters only.
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key"}
SHOWN_CHARACTERS = 3
METHOD = re.compile(r"[A-Za-z]+")


def masked(value: str) -> str:
    """`Token waldur-staff` -> `Token wal***`: enough to tell the callers apart, not to replay them."""
    scheme, _, credential = value.strip().partition(" ")
    if not credential:
        scheme, credential = "", scheme
    return (f"{scheme} " if scheme else "") + credential[:SHOWN_CHARACTERS] + "***"


def recorded_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request's headers by lowercase name (repeated ones joined with ", "), credentials masked."""
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        if key in SECRET_HEADERS:
            text = masked(text)
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def filters(params: list[tuple[str, str]], operation_ids: set[str]) -> dict[str, str]:
    """The journal's query filters, checked: an unknown name or a value no entry could have is a
    ValueError saying so (a typo would otherwise answer `[]`, which reads as "no such request")."""
    criteria: dict[str, str] = {}
    for name, value in params:
        if name not in FILTERS:
            raise ValueError(f"unknown filter {name!r}; the filters are: {', '.join(FILTERS)}")
        if name in criteria:
            raise ValueError(f"filter {name!r} is given twice")
        if name == "status" and not (value.isdigit() and 100 <= int(value) <= 599):
            raise ValueError(f"status must be an HTTP status code from 100 to 599, not {value!r}")
        if name == "method":
            if not METHOD.fullmatch(value):
                raise ValueError(f"method must be an HTTP method such as GET, not {value!r}")
            value = value.upper()
        if name == "operation_id" and value not in operation_ids:
            raise ValueError(f"operation_id {value!r} is no operation of the spec")
        if name == "path" and not value.startswith("/"):
            raise ValueError(f"path must start with '/', not {value!r}")
        criteria[name] = value
    return criteria


class Journal:
    def __init__(self, capacity: int = 10_000):
        self._entries: collections.deque[dict] = collections.deque(maxlen=capacity)
        self._next_id = 1

    def record(self, *, method: str, path: str, query: str, headers: dict[str, str], body: bytes, status: int,
               operation_id: str | None, started: float, duration_ms: float) -> None:
        self._entries.append({
            "id": self._next_id,
            "time": started,
            "method": method,
            "path": path,
            "query": query,
            "operation_id": operation_id,
            "headers": headers,
            "body": _readable(body),
            "status": status,
            "duration_ms": round(duration_ms, 3),
        })
        self._next_id += 1

    def entries(self, **criteria: str) -> list[dict]:
        """Entries whose fields equal every given criterion (compared as text)."""
        return [entry for entry in self._entries
                if all(str(entry.get(field)) == value for field, value in criteria.items())]

    def clear(self) -> None:
        self._entries.clear()


def _readable(body: bytes) -> object:
    if not body:
        return None
    try:
        return strict_json(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", errors="replace")


def now() -> tuple[float, float]:
    """(wall-clock time for the entry, a monotonic reading for its duration)."""
    return time.time(), time.perf_counter()
