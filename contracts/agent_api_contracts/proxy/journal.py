"""The journal of exchanges with their violations, for /__admin/requests (bounded: the oldest
entries go first)."""
from __future__ import annotations

import collections
import time


class Journal:
    def __init__(self, capacity: int = 1_000):
        self._entries: collections.deque[dict] = collections.deque(maxlen=capacity)
        self._next_id = 1

    def record(self, exchange, operation_id: str | None, violations: list[dict]) -> None:
        self._entries.append({
            "id": self._next_id,
            "time": time.time(),
            "method": exchange.method,
            "path": exchange.path,
            "query": exchange.url.partition("?")[2],
            "operation_id": operation_id,
            "status": exchange.status,
            "upstream_ms": round(exchange.seconds * 1000, 3),
            "violations": violations,
        })
        self._next_id += 1

    def entries(self, rule: str | None = None, **criteria: str) -> list[dict]:
        """Entries whose fields equal every criterion (compared as text), with a violation of
        `rule` if given."""
        return [entry for entry in self._entries
                if all(str(entry.get(field)) == value for field, value in criteria.items())
                and (rule is None or any(v["rule"] == rule for v in entry["violations"]))]

    def clear(self) -> None:
        self._entries.clear()
