"""The ASGI layer that keeps a process's memory in step with a shared `--state postgresql://...`
(postgres_state.py) around every request; with any other state it passes requests through.

- A request with an unsafe method (POST, PUT, PATCH, DELETE) waits for the process lock, then
  takes the session's lock across processes and catches up, all before its handler reads
  anything; the lock is released when the answer has been sent. Its writes are committed
  before then (Store.transaction), so the lock covers read-modify-write.
- Any other request catches up (one small query) and reads.
- The database unreachable: a write is a 503 with nothing applied (the text StateNotSaved
  gives), a read a 503 saying that the state is unavailable, both in the API's error format.
"""
from __future__ import annotations

from agent_api_mock.errors import error_for_path
from agent_api_mock.middleware import answer
from agent_api_mock.postgres_state import SessionState, SharedStateUnavailable

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class SharedState:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        mock = scope.get("mock") if scope["type"] == "http" else None
        session = getattr(mock.store, "durable", None) if mock is not None else None
        if not isinstance(session, SessionState):
            return await self.app(scope, receive, send)
        if scope["method"] in SAFE_METHODS:
            try:
                session.catch_up(mock.store)
            except SharedStateUnavailable as error:
                message = f"The state is unavailable ({error}); try again later."
                return await answer(error_for_path(scope["path"], 503, message), scope, receive, send)
            return await self.app(scope, receive, send)
        async with session.server.process_lock:
            try:
                await session.lock(mock.store)
            except SharedStateUnavailable as error:
                message = f"The state could not be saved ({error}); nothing was changed."
                return await answer(error_for_path(scope["path"], 503, message), scope, receive, send)
            try:
                await self.app(scope, receive, send)
            finally:
                session.unlock()
