"""ASGI layers around the Connexion app: the access log (with --access-log only), the mock of
the request's session in its scope, the body size limit, the request journal and simulated trouble
(faults and `Prefer`)."""
from __future__ import annotations

import time
from http import HTTPStatus

from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from agent_api_mock.errors import ApiError, error_for_path
from agent_api_mock.faults import apply_fault, simulated_answer, steering
from agent_api_mock.journal import now
from agent_api_mock.sessions import PREFIX, SessionRefused, split_path
from agent_api_mock.wire import json_bytes

MAX_BODY_BYTES = 1024 * 1024
RAW_BODY_KEY = "mock_raw_body"


def api_request(scope) -> bool:
    """An HTTP request to the APIs (or /docs), not to the admin surface: what the journal records,
    faults steer and answers are reused for."""
    return scope["type"] == "http" and not scope["path"].startswith("/__admin")


async def answer(error: ApiError, scope, receive, send) -> None:
    body = b"" if scope["method"] == "HEAD" else json_bytes(error.body)
    await Response(body, error.status, headers=error.headers, media_type="application/json")(scope, receive, send)


def first_header(scope, name: bytes) -> bytes | None:
    """A request header's first value, as Starlette's Headers.get and Connexion read it."""
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def last_header(scope, name: bytes) -> bytes | None:
    """A request header's value (the last one, if repeated), without building a dict of them all."""
    found = None
    for key, value in scope["headers"]:
        if key == name:
            found = value
    return found


def replay(body: bytes, receive):
    sent = False

    async def receive_():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_


class AccessLog:
    """One line per request, once its answer is sent: the time it came, method, path (with its
    query), status, how long the answer took and the operationId ("-" off the spec's paths)."""

    def __init__(self, app, operations, stream):
        self.app, self.operations, self.stream = app, operations, stream

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        arrived, clock, status = time.time(), time.perf_counter(), 500

        async def send_(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            operation = self.operations.find(scope["method"], split_path(scope["path"])[1])
            self.stream.write(f"{time.strftime('%H:%M:%S', time.localtime(arrived))} {scope['method']} "
                              f"{scope['path']}{'?' + query if query else ''} {status} "
                              f"{(time.perf_counter() - clock) * 1000:.1f}ms "
                              f"{operation.operation_id if operation else '-'}\n")
            self.stream.flush()


class SelectSession:
    """Puts the mock of the request's session in the scope, where auth, handlers and admin routes
    find it (and the sessions, for the admin surface). A path under `/sessions/<name>/` goes on
    without that prefix, which moves to `root_path`, so that everything below sees the paths the
    spec documents and builds absolute URLs with the prefix (sessions.py)."""

    def __init__(self, app, sessions):
        self.app, self.sessions = app, sessions

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        name, path = split_path(scope["path"])
        try:
            mock = self.sessions.mock_for(name)
        except SessionRefused as refusal:
            return await answer(error_for_path(path, refusal.status, refusal.message), scope, receive, send)
        if name is not None:
            prefix = f"{PREFIX}{name}"
            scope = {**scope, "path": path, "root_path": scope.get("root_path", "") + prefix}
            raw_path = scope.get("raw_path")
            if raw_path is not None:
                within = raw_path[len(prefix):] if raw_path.startswith(prefix.encode()) else path.encode()
                scope["raw_path"] = within or b"/"
        scope["mock"], scope["sessions"], scope["session"] = mock, self.sessions, name
        scope.setdefault("state", {})
        await self.app(scope, receive, send)


class CorsForBrowsers:
    """Starlette's CORS layer (`options` as CORSMiddleware takes them) for requests that carry an
    `Origin` (browsers, and preflights); other clients pass it by: for them its only work was a
    `Vary: Origin` header, which Waldur's own middleware does not send either
    (waldur_core/server/middleware.py answers preflights only)."""

    def __init__(self, app, **options):
        self.app, self.cors = app, CORSMiddleware(app, **options)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and last_header(scope, b"origin") is not None:
            return await self.cors(scope, receive, send)
        await self.app(scope, receive, send)


class JsonErrorsOnly:
    """A safety net: an error answered by a layer that knows no API (Starlette's plain-text
    "Not Found") is rewritten in the format of the API the path belongs to. Starlette's
    trailing-slash redirects (307) become that 404 too: a path the spec does not name is not
    found, and the routers' redirects could send odd paths round in a loop."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rewriting = False

        async def send_(message):
            nonlocal rewriting
            if message["type"] == "http.response.start" and (
                    message["status"] >= 400 or (message["status"] == 307 and scope["path"].startswith("/api"))):
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if b"json" not in content_type:
                    rewriting = True
                    status = 404 if message["status"] == 307 else message["status"]
                    phrase = "Not found" if status == 404 else (
                        HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error")
                    error = error_for_path(scope["path"], status, f"{phrase}.")
                    return await answer(error, scope, receive, send)
            if not rewriting:
                await send(message)

        await self.app(scope, receive, send_)


def too_large(scope) -> ApiError:
    return error_for_path(scope["path"], 413, "Request body is too large.")


class BufferBody:
    """Reads the body once (at most 1 MiB, else 413 in the API's format) and replays it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if not api_request(scope):
            return await self.app(scope, receive, send)
        declared = last_header(scope, b"content-length") or b"0"
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return await answer(too_large(scope), scope, receive, send)
        chunks, size, more_body = [], 0, True
        while more_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return await answer(too_large(scope), scope, receive, send)
            chunks.append(chunk)
            more_body = message.get("more_body", False)
        body = b"".join(chunks)
        scope["state"][RAW_BODY_KEY] = body
        await self.app(scope, replay(body, receive), send)


class RecordRequests:
    """Journals every API request (not the admin surface) with its headers, the status it got and
    the time the answer took (to its last byte)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if not api_request(scope):
            return await self.app(scope, receive, send)
        status = 500
        started, clock = now()

        async def send_(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_)
        finally:
            mock = scope["mock"]
            operation = mock.operations.find(scope["method"], scope["path"])
            mock.journal.record(method=scope["method"], path=scope["path"],
                                query=scope.get("query_string", b"").decode("latin-1"),
                                headers=scope["headers"],
                                body=scope["state"].get(RAW_BODY_KEY, b""), status=status,
                                operation_id=operation.operation_id if operation else None,
                                started=started, duration_ms=(now()[1] - clock) * 1000)


class SimulateTrouble:
    """Injected faults first, then Prism's `Prefer` header; otherwise the real handler."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if not api_request(scope):
            return await self.app(scope, receive, send)
        mock = scope["mock"]
        prefer = last_header(scope, b"prefer")
        if not mock.faults.pending and prefer is None:  # nothing to simulate: no operation lookup
            return await self.app(scope, receive, send)
        operation = mock.operations.find(scope["method"], scope["path"])
        if operation is not None:
            fault = mock.faults.take(operation.operation_id)
            if fault is not None:
                await apply_fault(fault)
                if fault.status is not None:
                    return await answer(simulated_answer(operation, fault.status, None, scope["path"]), scope, receive, send)
            if prefer is not None:
                try:
                    steered = steering(operation, prefer.decode("latin-1"))
                except ValueError as refusal:
                    return await answer(error_for_path(scope["path"], 400, str(refusal)), scope, receive, send)
                if steered is not None:
                    return await answer(simulated_answer(operation, *steered, scope["path"]), scope, receive, send)
        await self.app(scope, receive, send)
