"""The test-control surface under /__admin/ (WireMock's convention).

    GET    /__admin/            this index: every admin endpoint, its methods and what it does
    POST   /__admin/reset       back to the seed data (journal and faults cleared too)
    GET    /__admin/state       the whole state as JSON      PUT /__admin/state  replace it
    GET    /__admin/requests    the journal, filtered by ?method=&path=&operation_id=&status=&query=
    DELETE /__admin/requests    clear the journal
    GET    /__admin/faults      pending faults    POST /__admin/faults  add one    DELETE: clear
    POST   /__admin/orders      add a pending order (Create, Update, Terminate) for a resource (resources/orders.py)
    GET    /__admin/sessions    the named sessions (sessions.py)    DELETE /__admin/sessions/<name>  drop one

Under a session's prefix (/sessions/<name>/__admin/...), each acts on that session only.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent_api_mock import resources
from agent_api_mock.faults import Fault
from agent_api_mock.store import InvalidData, StateNotSaved
from agent_api_mock.wire import json_bytes, strict_json
from agent_api_spec.admin import journal_filters


def _json(data: object, status: int = 200) -> Response:
    return Response(json_bytes(data), status, media_type="application/json")


def _error(message: str, status: int = 400) -> Response:
    return _json({"detail": message}, status)


async def _body(request: Request) -> object:
    try:
        return strict_json(await request.body())
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"JSON parse error - {error}") from None


async def index(request: Request) -> Response:
    """This index of the admin surface."""
    return _json({"endpoints": [
        {"path": route.path, "methods": sorted(route.methods - {"HEAD"}),
         "description": " ".join((route.endpoint.__doc__ or "").split())}
        for route in ROUTES if isinstance(route, Route)
    ]})


async def reset(request: Request) -> Response:
    """POST: back to the seed data; the journal and pending faults are cleared too. 503 when the
    --state file refuses the write (nothing is changed then)."""
    mock = request.scope["mock"]
    try:
        mock.store.reset()
    except StateNotSaved as error:
        return _error(str(error), 503)
    mock.journal.clear()
    mock.faults.pending.clear()
    return _json({"detail": "State reset to the seed data."})


async def state(request: Request) -> Response:
    """GET: the whole state as JSON (the --data format). PUT: replace it; a body that breaks the
    data format (data/state.schema.json) or refers to nothing is a 400 naming the item, and the old
    state stays."""
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
    """GET: the journal of API requests (method, path, query, headers with credentials masked,
    body, status, duration_ms, operation_id), filtered by method, path, operation_id, status and
    query; an unknown or malformed filter is a 400. DELETE: clear it."""
    mock = request.scope["mock"]
    if request.method == "DELETE":
        mock.journal.clear()
        return Response(status_code=204)
    try:
        criteria = journal_filters(request.query_params.multi_items(), mock.operations.operation_ids)
    except ValueError as error:
        return _error(str(error))
    return _json(mock.journal.entries(**criteria))


async def faults(request: Request) -> Response:
    """GET: the pending faults. POST {"operation_id", "status", "latency_ms", "times"}: the next
    `times` requests of that operation get that documented error status (with the spec's body)
    and/or that delay; anything else is a 400. DELETE: clear them."""
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


async def sessions(request: Request) -> Response:
    """GET: the named sessions (each served under /sessions/<name>/): name, url (its prefix),
    created, estimated_memory_bytes (its state and journal: sessions.py) and requests (journal
    entries). The default session (no prefix) is not listed."""
    return _json(request.scope["sessions"].listing())


async def session(request: Request) -> Response:
    """DELETE: drop the named session (its state, journal and faults); the next request under
    its prefix starts it afresh from the seed. 404 for a session that does not exist."""
    name = request.path_params["name"]
    if not request.scope["sessions"].drop(name):
        return _error(f"No session {name!r}.", 404)
    return Response(status_code=204)


ROUTES = [
    Route("/__admin/", index, methods=["GET"]),
    Route("/__admin/reset", reset, methods=["POST"]),
    Route("/__admin/state", state, methods=["GET", "PUT"]),
    Route("/__admin/requests", requests, methods=["GET", "DELETE"]),
    Route("/__admin/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/__admin/sessions", sessions, methods=["GET"]),
    Route("/__admin/sessions/{name}", session, methods=["DELETE"]),
    *resources.ADMIN_ROUTES,
]
