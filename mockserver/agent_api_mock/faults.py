"""Simulated trouble: injected faults (status and/or latency for the next N requests of an
operation) and Prism's `Prefer: code=NNN` / `Prefer: example=NAME` request header."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from agent_api_mock.errors import ApiError, error_for_path, prefactor_error
from agent_api_mock.specs import Operation

PREFER = re.compile(r"\b(code|example)=([^\s,;]+)")


@dataclass
class Fault:
    operation_id: str
    times: int
    status: int | None = None
    latency_ms: int = 0

    @classmethod
    def from_json(cls, data: object, known_operations: set[str]) -> "Fault":
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        operation_id, times = data.get("operation_id"), data.get("times", 1)
        status, latency = data.get("status"), data.get("latency_ms", 0)
        if operation_id not in known_operations:
            raise ValueError(f"operation_id must be one of {sorted(known_operations)}")
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise ValueError("times must be a positive integer")
        if status is not None and (not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599):
            raise ValueError("status must be an HTTP status code")
        if not isinstance(latency, int) or isinstance(latency, bool) or not 0 <= latency <= 60_000:
            raise ValueError("latency_ms must be an integer from 0 to 60000")
        if status is None and latency == 0:
            raise ValueError("give a status, a latency_ms, or both")
        return cls(operation_id, times, status, latency)

    def to_json(self) -> dict:
        return {"operation_id": self.operation_id, "times": self.times, "status": self.status,
                "latency_ms": self.latency_ms}


class Faults:
    def __init__(self):
        self.pending: list[Fault] = []

    def take(self, operation_id: str) -> Fault | None:
        """The first fault waiting for this operation, counted as used."""
        for fault in self.pending:
            if fault.operation_id == operation_id:
                fault.times -= 1
                if fault.times == 0:
                    self.pending.remove(fault)
                return fault
        return None


def simulated_answer(operation: Operation, status: int, example: str | None, path: str) -> ApiError:
    """The documented answer for `status` as an ApiError (raised or returned, never stored)."""
    documented = operation.documented_answer(status, example)
    if documented is not None and documented[1] is not None:
        return ApiError(status, documented[1], operation.documented_headers(status))
    if operation.api == "prefactor":
        return prefactor_error(status, f"Simulated {status} response.")
    return error_for_path(path, status, f"Simulated {status} response.")


def preferred(prefer_header: str | None) -> dict[str, str]:
    return dict(PREFER.findall(prefer_header or ""))


async def apply_fault(fault: Fault) -> None:
    if fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
