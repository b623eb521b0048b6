"""A bounded journal of the requests the mock received, for tests to query."""
from __future__ import annotations

import collections
import time

from agent_api_mock.wire import strict_json

# Headers that carry credentials: recorded with the scheme and the first characters only.
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key"}
SHOWN_CHARACTERS = 3


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


# What an entry costs beyond its texts (the dict, its numbers), measured with tracemalloc.
ENTRY_OVERHEAD_BYTES = 600


FIELDS = ("id", "time", "method", "path", "query", "operation_id", "headers", "body", "status", "duration_ms")


class Journal:
    """Entries are kept as received (tuples of strings, bytes and numbers) and rendered when read.

    A tuple that holds no container is untracked by the garbage collector after its first pass:
    10,000 entries of dicts (the former layout) made each full collection walk every one of them,
    tens of milliseconds on the event loop, and the request journal is written on every request."""

    def __init__(self, capacity: int = 10_000):
        self._entries: collections.deque[tuple] = collections.deque(maxlen=capacity)
        self._sizes: collections.deque[int] = collections.deque(maxlen=capacity)
        self._next_id = 1
        self.size_bytes = 0
        """About the memory the entries hold (their texts and ENTRY_OVERHEAD_BYTES each): what a
        session's memory estimate adds to its state's (sessions.py)."""

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, *, method: str, path: str, query: str, headers: list[tuple[bytes, bytes]], body: bytes,
               status: int, operation_id: str | None, started: float, duration_ms: float) -> None:
        """`headers`: the ASGI scope's raw headers (masked and decoded when read)."""
        size = (ENTRY_OVERHEAD_BYTES + len(body) + len(path) + len(query)
                + sum(len(name) + len(value) for name, value in headers))
        if len(self._sizes) == self._sizes.maxlen:
            self.size_bytes -= self._sizes[0]
        self._sizes.append(size)
        self.size_bytes += size
        self._entries.append((self._next_id, started, method, path, query, operation_id,
                              tuple(pair for header in headers for pair in header), body, status,
                              round(duration_ms, 3)))
        self._next_id += 1

    def entries(self, **criteria: str) -> list[dict]:
        """Entries whose fields equal every given criterion (compared as text)."""
        rendered = (_rendered(entry) for entry in self._entries)
        return [entry for entry in rendered if all(str(entry.get(field)) == value for field, value in criteria.items())]

    def clear(self) -> None:
        self._entries.clear()
        self._sizes.clear()
        self.size_bytes = 0


def _rendered(entry: tuple) -> dict:
    rendered = dict(zip(FIELDS, entry))
    flat = rendered["headers"]
    rendered["headers"] = recorded_headers(list(zip(flat[::2], flat[1::2])))
    rendered["body"] = _readable(rendered["body"])
    return rendered


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
