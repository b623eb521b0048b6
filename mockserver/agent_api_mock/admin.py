"""The test-control surface under /__admin/ (WireMock's convention).

    POST   /__admin/reset       back to the seed data (journal and faults cleared too)
    GET    /__admin/state       the whole state as JSON      PUT /__admin/state  replace it
    GET    /__admin/requests    the journal, filtered by ?method=&path=&operation_id=&status=
    DELETE /__admin/requests    clear the journal
    GET    /__admin/faults      pending faults    POST /__admin/faults  add one    DELETE: clear
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent_api_mock.faults import Fault
from agent_api_mock.store import InvalidData, StateNotSaved
from agent_api_mock.wire import json_bytes, strict_json


def _json(data: object, status: int = 200) -> Response:
    return Response(json_bytes(data), status, media_type="application/json")


def _error(message: str, status: int = 400) -> Response:
    return _json({"detail": message}, status)


async def _body(request: Request) -> object:
    try:
        return strict_json(await request.body())
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"JSON parse error - {error}") from None


async def reset(request: Request) -> Response:
    mock = request.scope["mock"]
    try:
        mock.store.reset()
    except StateNotSaved as error:
        return _error(str(error), 503)
    mock.journal.clear()
    mock.faults.pending.clear()
    return _json({"detail": "State reset to the seed data."})


async def state(request: Request) -> Response:
    mock = request.scope["mock"]
    if request.method == "GET":
        return _json(mock.store.dump())
    try:
        mock.store.load(await _body(request))
    except (ValueError, InvalidData) as error:
        return _error(f"Invalid state in the request body: {error}")
    except StateNotSaved as error:
        return _error(str(error), 503)
    return _json({"detail": "State loaded."})


async def requests(request: Request) -> Response:
    journal = request.scope["mock"].journal
    if request.method == "DELETE":
        journal.clear()
        return Response(status_code=204)
    criteria = {key: value for key, value in request.query_params.items()
                if key in ("method", "path", "operation_id", "status", "query")}
    return _json(journal.entries(**criteria))


async def faults(request: Request) -> Response:
    mock = request.scope["mock"]
    if request.method == "DELETE":
        mock.faults.pending.clear()
        return Response(status_code=204)
    if request.method == "POST":
        try:
            fault = Fault.from_json(await _body(request), mock.operations)
        except ValueError as error:
            return _error(str(error))
        mock.faults.pending.append(fault)
        return _json(fault.to_json(), 201)
    return _json([fault.to_json() for fault in mock.faults.pending])


ROUTES = [
    Route("/__admin/reset", reset, methods=["POST"]),
    Route("/__admin/state", state, methods=["GET", "PUT"]),
    Route("/__admin/requests", requests, methods=["GET", "DELETE"]),
    Route("/__admin/faults", faults, methods=["GET", "POST", "DELETE"]),
]
