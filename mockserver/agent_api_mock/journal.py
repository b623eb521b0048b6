"""A bounded journal of the requests the mock received, for tests to query."""
from __future__ import annotations

import collections
import time

from agent_api_mock.wire import strict_json


class Journal:
    def __init__(self, capacity: int = 10_000):
        self._entries: collections.deque[dict] = collections.deque(maxlen=capacity)
        self._next_id = 1

    def record(self, *, method: str, path: str, query: str, body: bytes, status: int,
               operation_id: str | None) -> None:
        self._entries.append({
            "id": self._next_id,
            "time": time.time(),
            "method": method,
            "path": path,
            "query": query,
            "operation_id": operation_id,
            "body": _readable(body),
            "status": status,
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
