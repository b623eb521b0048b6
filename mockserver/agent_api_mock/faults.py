"""Simulated trouble: injected faults (status and/or latency for the next N requests of an
operation) and Prism's `Prefer: code=NNN` / `Prefer: example=NAME` request header.

Both stay within what the spec documents: a fault's status must be an error status the
operation documents, a `Prefer` must name a status and/or an example the operation documents
(a request for anything else is refused with 400, listing what is documented), and the
answer's body is the spec's example for it, in the API's own error format when it has none.
Preferences other than `code` and `example` (`respond-async`, `return=minimal`...) are ignored,
as RFC 7240 asks of a server that does not support them."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from agent_api_mock.errors import ApiError, error_for_path, prefactor_error
from agent_api_spec.operations import Operation, OperationIndex

PREFER = re.compile(r"(?:^|[\s,;])(code|example)=([^\s,;]*)")


def _statuses(operation: Operation, errors_only: bool = False) -> str:
    keys = [key for key in operation.documented_statuses() if not errors_only or not key.isdigit() or int(key) >= 400]
    return ", ".join("any error status (default)" if key == "default" else key for key in keys) or "none"


@dataclass
class Fault:
    operation_id: str
    times: int
    status: int | None = None
    latency_ms: int = 0

    @classmethod
    def from_json(cls, data: object, operations: OperationIndex) -> "Fault":
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        operation_id, times = data.get("operation_id"), data.get("times", 1)
        status, latency = data.get("status"), data.get("latency_ms", 0)
        operation = operations.by_id(operation_id) if isinstance(operation_id, str) else None
        if operation is None:
            raise ValueError(f"operation_id must be one of {sorted(operations.operation_ids)}")
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise ValueError("times must be a positive integer")
        if status is not None and (not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599):
            raise ValueError("status must be an HTTP status code")
        if status is not None and (status < 400 or not operation.documents(status)):
            raise ValueError(f"status {status} is not an error status {operation_id} documents; "
                             f"its documented error statuses: {_statuses(operation, errors_only=True)}")
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


def steering(operation: Operation, prefer_header: str | None) -> tuple[int, str | None] | None:
    """The (status, example name) a `Prefer` header asks for, or None for the real answer
    (no `code`/`example`, or a documented 2xx `code` alone: the live data). A request the
    operation does not document raises ValueError saying what it does document."""
    prefer = preferred(prefer_header)
    code, example = prefer.get("code"), prefer.get("example")
    if code is None and example is None:
        return None
    name = operation.operation_id
    if code is not None:
        if not code.isdigit() or not operation.documents(int(code)):
            raise ValueError(f"Prefer: code={code} is not documented for {name}; its documented statuses: "
                             f"{_statuses(operation)}")
        status = int(code)
        if example is None:
            return None if 200 <= status < 300 else (status, None)
        examples = operation.examples(status if str(status) in operation.responses else "default")
        if example not in examples:
            raise ValueError(f"Prefer: example={example} is not documented for code={status} of {name}; "
                             + (f"its examples: {', '.join(examples)}" if examples else "it has no named examples"))
        return status, example
    for key in operation.documented_statuses():
        if key.isdigit() and example in operation.examples(key):
            return int(key), example
    if example in operation.examples("default"):
        raise ValueError(f"Prefer: example={example} is an example of {name}'s default (error) response, which "
                         f"documents no one status: give the status too, e.g. code=400, example={example}")
    documented = [f"{name_} ({key})" for key in operation.documented_statuses() for name_ in operation.examples(key)]
    raise ValueError(f"Prefer: example={example} is not documented for {name}; its examples: "
                     f"{', '.join(documented) or 'none'}")


async def apply_fault(fault: Fault) -> None:
    if fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
