"""Encoded answers reused until the data changes: the ASGI layer that answers a GET or HEAD
request the same way as the identical request before it, while its session's state is unchanged.

What the answer of a read depends on, and how each is covered:
- the request: its method, scheme, server, root path (the session's `/sessions/<name>` prefix),
  path, raw query string and every header, in order (Authorization: who asks; Host: the
  absolute `url` fields and `Link` are built on it; User-Agent: an agent's read may refresh its
  integration statuses). Only an identical request shares an answer. A read that carries a
  body is never reused.
- the session's state: each session's mock has its own `Answers`, valid for one value of its
  store's `writes` counter (bumped by every committed `Store.transaction()`, whole-state
  loads and resets included, and by `Store.reload_from`, a shared state's catch-up with other
  processes). A read during which the counter moved (a read that writes: an agent's order or
  resource read refreshing its integration status, or a catch-up) is not kept.
- what writes change beside the store (the event consumers `register_queue` provisions): every
  write request (POST, PUT, PATCH, DELETE) invalidates its session's answers when it starts,
  whatever it changes, and no answer is kept or reused while one is in progress.
- the clock: a few reads depend on the current time (the services' `stale` filter against
  STALE_AFTER, the default user attribute config made on the fly): an answer is reused for at
  most MAX_AGE_SECONDS.
- the broker, with --rabbitmq: the connection stats read RabbitMQ, which changes on its own; a
  session whose events go to a broker reuses no answer.

Only 2xx answers are kept. The layer sits inside the journal (every request is still recorded),
inside the simulated trouble (faults and `Prefer` still apply: a steered or faulted answer
never reaches it) and inside the shared-state layer (whose catch-ups move the counter).
Bounded: at most MAX_ENTRIES answers and MAX_BYTES of bodies per session, least recently used
first out, and no body over MAX_BODY_BYTES.
"""
from __future__ import annotations

import time
from collections import OrderedDict

from agent_api_mock.middleware import RAW_BODY_KEY, api_request

READ_METHODS = frozenset({"GET", "HEAD"})
MAX_AGE_SECONDS = 1.0
MAX_ENTRIES = 1000
MAX_BYTES = 4 * 1024 * 1024  # 100 sessions (the default --max-sessions): 400 MiB at most
MAX_BODY_BYTES = 1024 * 1024


class Answers:
    """One session's reusable answers: (expiry, status, headers, body) by request, all made
    while its state stood at `stamp`."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.entries: OrderedDict = OrderedDict()
        self.bytes = 0
        self.stamp: tuple | None = None
        self.write_requests = 0  # started, in this session
        self.writing = 0  # in progress

    def current_stamp(self, store) -> tuple:
        return id(store), store.writes, self.write_requests

    def get(self, key, stamp: tuple):
        if self.writing or stamp != self.stamp:
            return None
        entry = self.entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        self.entries.move_to_end(key)
        return entry

    def keep(self, key, stamp: tuple, status: int, headers: list, body: bytes) -> None:
        if stamp != self.stamp:
            self.entries.clear()
            self.bytes, self.stamp = 0, stamp
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= len(old[3])
        self.entries[key] = (time.monotonic() + MAX_AGE_SECONDS, status, headers, body)
        self.bytes += len(body)
        while len(self.entries) > self.max_entries or self.bytes > self.max_bytes:
            self.bytes -= len(self.entries.popitem(last=False)[1][3])


def request_key(scope) -> tuple | None:
    """Everything of the request an answer can depend on, or None when it is not reusable."""
    if scope["state"].get(RAW_BODY_KEY):
        return None
    key = (scope["method"], scope.get("scheme"), scope.get("server"), scope.get("root_path", ""), scope["path"],
           scope.get("query_string", b""), tuple(scope["headers"]))
    try:
        hash(key)
    except TypeError:  # lists where servers give tuples (Starlette's TestClient's `server` and headers)
        key = hashable(key)
    return key


def hashable(value):
    return tuple(hashable(item) for item in value) if isinstance(value, (list, tuple)) else value


class ReuseAnswers:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if not api_request(scope):
            return await self.app(scope, receive, send)
        mock = scope["mock"]
        if scope["method"] not in READ_METHODS:
            return await self._write(mock.answers, scope, receive, send)
        key = request_key(scope) if mock.events.broker is None else None
        if key is None:
            return await self.app(scope, receive, send)
        answers = mock.answers
        stamp = answers.current_stamp(mock.store)
        entry = answers.get(key, stamp)
        if entry is not None:
            await send({"type": "http.response.start", "status": entry[1], "headers": list(entry[2])})
            await send({"type": "http.response.body", "body": entry[3]})
            return
        started, chunks, size = None, [], 0

        async def send_(message):
            nonlocal started, size
            if message["type"] == "http.response.start":
                started = (message["status"], list(message.get("headers", [])))
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                size += len(body)
                if size <= MAX_BODY_BYTES:
                    chunks.append(body)
            await send(message)

        await self.app(scope, receive, send_)
        if (started is not None and 200 <= started[0] < 300 and size <= MAX_BODY_BYTES and not answers.writing
                and answers.current_stamp(mock.store) == stamp):
            answers.keep(key, stamp, started[0], started[1], b"".join(chunks))

    async def _write(self, answers: Answers, scope, receive, send):
        answers.write_requests += 1
        answers.writing += 1
        try:
            await self.app(scope, receive, send)
        finally:
            answers.writing -= 1
