"""Sessions: isolated copies of the mock, one per test worker, under `/sessions/<name>/`.

A URL prefix `/sessions/<name>/` before `/api/...`, `/__admin/...`, `/docs/...` or `/` selects
a session: a Mock of its own (state, journal, faults, and anything later kept on Mock), made
from the seed the mock was started with on the first request that names it, and kept until
`DELETE /__admin/sessions/<name>` or the end of the process. Without the prefix, requests go to
the default session, exactly as without sessions. Clients change only their base URL
(`http://host:8000/sessions/w3`): the layer (`SelectSession`, middleware.py) moves the prefix
from `path` to `root_path` (ASGI's place for "where this app is mounted"), and every absolute URL
the mock answers (`url` fields, `Link`, the index and docs pages) is built on `root_path`.

Names match `[A-Za-z0-9_-]{1,64}`. The real waldur-site-agent (1.0.7) strips the characters
`/`, `a`, `p` and `i` from the end of its `waldur_api_url` (waldur_site_agent/common/utils.py,
get_client: `url = api_url.rstrip("/api")`), so a session whose name ends in `a`, `p` or `i`
loses those letters for the agent: names ending in a digit, `_`, `-` or another letter are safe.

Bounds (options of `mockserver`, refusals in the API's own error format, 503, naming the option;
an existing session is never evicted):
- `max_sessions`: named sessions at once (the default session is not counted);
- `max_memory_bytes`: the estimated memory of all named sessions together, checked when a new
  one is made (see `estimated_bytes`).

Persistence backends: every session's Store is made by ONE factory, `SessionStates.new_store`:
`store_class(seed, durable=backend.for_session(name))` when the backend (what `--state` gives,
e.g. persistence.SqliteState) has a method `for_session(name)` returning an object with the same
interface as SqliteState (load, replace, save, save_many, close), and an in-memory Store otherwise.
When a session is dropped, the backend's `drop_session(name)` is called if it has one (after the
session's durable object is closed). A session the backend kept from an earlier run comes back
with its saved state on its first use (it is not listed before). SqliteState has neither: with `--state FILE`, named sessions
live in memory only, and only the default session is kept in the file.
"""
from __future__ import annotations

import logging
import re
import tracemalloc
from dataclasses import dataclass, field
from datetime import datetime

from agent_api_mock.wire import json_bytes, utcnow, waldur_time

log = logging.getLogger("mockserver")

PREFIX = "/sessions/"
NAME_PATTERN = "[A-Za-z0-9_-]{1,64}"
NAME = re.compile(NAME_PATTERN)
DEFAULT_MAX_SESSIONS = 100
DEFAULT_MAX_MEMORY_MB = 1024
MB = 1024 * 1024


class SessionRefused(Exception):
    """A request names a session that cannot be used: a bad name (400) or one past a bound (503)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def split_path(path: str) -> tuple[str | None, str]:
    """`/sessions/w3/api/x/` -> ("w3", "/api/x/"); `/sessions/w3` -> ("w3", "/"); any other path
    -> (None, path). The name is not checked here."""
    if not path.startswith(PREFIX):
        return None, path
    name, slash, rest = path[len(PREFIX):].partition("/")
    if not name:
        return None, path
    return name, slash + rest if slash else "/"


def session_of(scope) -> str | None:
    """The named session serving a request (None: the default one); SelectSession puts it in the scope."""
    return scope.get("session")


def prefix_of(scope) -> str:
    """The path prefix of the request's session ("" for the default one)."""
    name = session_of(scope)
    return f"{PREFIX}{name}" if name else ""


def check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise SessionRefused(400, f"Invalid session name {name!r}: a session name matches {NAME_PATTERN}.")


class SessionStates:
    """Makes the Store of a named session (the one factory: see the module docstring)."""

    def __init__(self, seed: dict, store_class: type, backend=None):
        self.seed, self.store_class, self.backend = seed, store_class, backend
        self._durables: dict[str, object] = {}

    def new_store(self, name: str):
        for_session = getattr(self.backend, "for_session", None)
        if for_session is None:
            return self.store_class(self.seed)
        self._durables[name] = durable = for_session(name)
        return self.store_class(self.seed, durable=durable)

    def close(self, name: str) -> None:
        """Let go of the session's durable object (its saved state stays in the backend)."""
        durable = self._durables.pop(name, None)
        if durable is not None:
            durable.close()

    def drop(self, name: str) -> None:
        """Let go of the session and have the backend forget it."""
        self.close(name)
        drop_session = getattr(self.backend, "drop_session", None)
        if drop_session is not None:
            drop_session(name)


@dataclass
class Session:
    name: str
    mock: object  # app.Mock
    created: datetime = field(default_factory=utcnow)


def encoded_state_bytes(mock) -> int:
    return len(json_bytes(mock.store.dump()))


def measured_overhead(make) -> tuple[object, float]:
    """`make()`'s result and the memory tracemalloc saw it take: measured on the first session,
    to turn an encoded state's size into an estimate of the objects that hold it."""
    if tracemalloc.is_tracing():
        before = tracemalloc.get_traced_memory()[0]
        made = make()
        return made, tracemalloc.get_traced_memory()[0] - before
    tracemalloc.start()
    try:
        made = make()
        return made, tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


class Sessions:
    """The default session and the named ones, within the bounds."""

    def __init__(self, default, make_mock, states: SessionStates, max_sessions: int = DEFAULT_MAX_SESSIONS,
                 max_memory_bytes: int = DEFAULT_MAX_MEMORY_MB * MB):
        """`make_mock(store)`: a Mock around a session's store (app.Mock, sharing what never changes)."""
        self.default, self.make_mock, self.states = default, make_mock, states
        self.max_sessions, self.max_memory_bytes = max_sessions, max_memory_bytes
        self.named: dict[str, Session] = {}
        self._bytes_per_encoded_byte: float | None = None

    def mock_for(self, name: str | None):
        """The Mock serving `name` (None: the default session), made on first use."""
        if name is None:
            return self.default
        session = self.named.get(name)
        if session is None:
            session = self._open(name)
        return session.mock

    def _open(self, name: str) -> Session:
        check_name(name)
        if len(self.named) >= self.max_sessions:
            raise SessionRefused(503, f"Session {name!r} was not created: {len(self.named)} sessions exist, the "
                                      f"most the mock keeps (mockserver --max-sessions {self.max_sessions}). Drop one "
                                      f"with DELETE /__admin/sessions/<name>, or start the mock with a higher --max-sessions.")
        try:
            if self._bytes_per_encoded_byte is None:
                store, taken = measured_overhead(lambda: self.states.new_store(name))
                mock = self.make_mock(store)
                self._bytes_per_encoded_byte = max(1.0, taken / max(1, encoded_state_bytes(mock)))
            else:
                mock = self.make_mock(self.states.new_store(name))
        except Exception as error:  # the state backend's own failure (a database down, a bad saved state)
            self.states.close(name)
            log.error("session %r could not be opened: %s", name, error)
            raise SessionRefused(503, f"Session {name!r} could not be opened: {error}") from error
        session = Session(name, mock)
        in_use = sum(self.estimated_bytes(other) for other in self.named.values())
        needed = self.estimated_bytes(session)
        if in_use + needed > self.max_memory_bytes:
            self.states.close(name)
            raise SessionRefused(503, f"Session {name!r} was not created: the sessions' estimated memory would be "
                                      f"{(in_use + needed) / MB:.1f} MB, over the bound (mockserver "
                                      f"--max-sessions-memory {self.max_memory_bytes / MB:g}). Drop a session with "
                                      f"DELETE /__admin/sessions/<name>, or start the mock with a higher --max-sessions-memory.")
        self.named[name] = session
        return session

    def estimated_bytes(self, session: Session) -> int:
        """Its state's encoded size now, times the objects-per-encoded-byte ratio measured with
        tracemalloc on the first session, plus the bytes its journal and its reusable answers hold."""
        ratio = self._bytes_per_encoded_byte or 1.0
        mock = session.mock
        return int(encoded_state_bytes(mock) * ratio) + mock.journal.size_bytes + mock.answers.bytes

    def drop(self, name: str) -> bool:
        session = self.named.pop(name, None)
        if session is None:
            return False
        self.states.drop(name)
        return True

    def listing(self) -> list[dict]:
        return [{"name": session.name, "url": f"{PREFIX}{session.name}", "created": waldur_time(session.created),
                 "estimated_memory_bytes": self.estimated_bytes(session),
                 "requests": len(session.mock.journal)}
                for session in self.named.values()]
