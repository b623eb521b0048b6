"""The ASGI layer that keeps a process's memory in step with a shared `--state postgresql://...`
(postgres_state.py) around every request; with any other state it passes requests through.

- A request with an unsafe method (POST, PUT, PATCH, DELETE) waits for the process lock, then
  takes the session's lock across processes and catches up, all before its handler reads
  anything. Its writes are committed before its handler returns (Store.transaction), and both
  locks are released when the answer starts: the lock covers read-modify-write, and a client
  slow to read its answer holds no lock.
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
        process_lock = session.server.process_lock
        await process_lock.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                session.unlock()
                process_lock.release()

        try:
            await session.lock(mock.store)
        except SharedStateUnavailable as error:
            release()
            message = f"The state could not be saved ({error}); nothing was changed."
            return await answer(error_for_path(scope["path"], 503, message), scope, receive, send)
        except BaseException:
            release()
            raise

        async def send_(message):
            if message["type"] == "http.response.start":
                release()  # the handler has returned, its writes committed: a slow reader holds no lock
            await send(message)

        try:
            await self.app(scope, receive, send_)
        finally:
            release()
