"""`--state postgresql://USER:PASS@HOST:PORT/DB`: one state shared by several mock processes.

Each process keeps the state in memory, as with the embedded backends, and PostgreSQL holds the
truth: the state's rows in the format of persistence.py (kind, key, JSON text), per session, and
a version per session that every stored write moves on.

- Reading: before a request, the process compares its version with the database's (one small
  query, `SessionState.catch_up`); when another process wrote since, it reloads the session's
  rows (Store.reload_from). So a write one process acknowledged is seen by the next request on
  any other.
- Writing: the session's advisory lock orders writes across processes. A request with an unsafe
  method takes it before its handler reads anything (shared_state.py, the ASGI layer) and keeps
  it to its end, so a read-modify-write (two register_processor calls through two processes)
  never loses the other's change. Any other write (an agent's read refreshing integration
  statuses) takes it when it begins (`writing`, called by Store.transaction), catches up, and
  reads what it changes inside its transaction. Either way the write's rows and the new version
  are committed before the answer is sent: killing a process, even with SIGKILL, loses no
  acknowledged write, and a process killed while holding the lock drops it with its connection.
- The database unreachable: every failure is a SharedStateUnavailable (an OSError, so that
  Store.transaction undoes the write and answers 503, as for a full disk with SQLite); the
  connection is opened again on the next request, so the mock recovers when the database does.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import contextmanager

import psycopg

from agent_api_mock.persistence import rows_of_state, state_from_rows

log = logging.getLogger("mockserver")

ROWS = "agent_api_mock_rows"
SESSIONS = "agent_api_mock_sessions"
SCHEMA = [
    f"CREATE TABLE IF NOT EXISTS {SESSIONS} (name text PRIMARY KEY, version bigint NOT NULL)",
    f"""CREATE TABLE IF NOT EXISTS {ROWS} (session text NOT NULL, kind text NOT NULL, key text NOT NULL,
        value text NOT NULL, position bigserial, PRIMARY KEY (session, kind, key))""",
]
# An update keeps the row's position, so a reload lists items in the order readers saw them.
UPSERT = (f"INSERT INTO {ROWS} (session, kind, key, value) VALUES (%s, %s, %s, %s) "
          "ON CONFLICT (session, kind, key) DO UPDATE SET value = excluded.value")
# Advisory lock keys: one per session, from its name (and one to create the tables once).
LOCK_KEY = "hashtextextended('agent_api_mock:' || %s, 0)"
CONNECT_TIMEOUT_S = 3
LOCK_WAIT_S = 20  # a write waiting longer for the session (a hung process holds it) gets a 503
# An unsafe request polls for the session lock (the event loop must not block on it: a request of
# this process may hold the lock and need the loop to finish); waits grow up to this.
MAX_LOCK_POLL_S = 0.005


def is_postgresql_url(state: str | None) -> bool:
    return bool(state) and state.startswith(("postgresql://", "postgres://"))


class SharedStateUnavailable(ConnectionError):
    """The database did not answer, or refused: nothing was read or changed."""


def unavailable(error: psycopg.Error) -> SharedStateUnavailable:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return SharedStateUnavailable(f"PostgreSQL: {message}")


class PostgresState:
    """One process's connection to the shared state of every session. It is used from the event
    loop's thread only, one statement at a time (handlers never await inside a write)."""

    def __init__(self, url: str):
        self.url = url
        self._connection: psycopg.Connection | None = None
        self._sessions: dict[str, SessionState] = {}
        self.process_lock = asyncio.Lock()  # one request of this process holds a session lock at a time
        with _guarded(self.connection()) as connection, connection.transaction():
            connection.execute(f"SELECT pg_advisory_xact_lock({LOCK_KEY})", ("schema",))
            for statement in SCHEMA:
                connection.execute(statement)

    def for_session(self, name: str) -> SessionState:
        """The backend of one session's Store ('' for the state without a session prefix)."""
        if name not in self._sessions:
            self._sessions[name] = SessionState(self, name)
        return self._sessions[name]

    def connection(self) -> psycopg.Connection:
        """The open connection, or a new one (after the database went away and came back)."""
        if self._connection is None or self._connection.closed or self._connection.broken:
            try:
                self._connection = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                                                   options=f"-c lock_timeout={LOCK_WAIT_S * 1000}")
            except psycopg.Error as error:
                self._connection = None
                raise unavailable(error) from None
            for session in self._sessions.values():
                session.holding = False  # a lost connection released its locks
        return self._connection

    def drop_session(self, name: str) -> None:
        """Forget a session's stored state (DELETE /__admin/sessions/<name>)."""
        self._sessions.pop(name, None)
        with _guarded(self.connection()) as connection, connection.transaction():
            connection.execute(f"SELECT pg_advisory_xact_lock({LOCK_KEY})", (name,))
            connection.execute(f"DELETE FROM {ROWS} WHERE session = %s", (name,))
            connection.execute(f"DELETE FROM {SESSIONS} WHERE name = %s", (name,))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@contextmanager
def _guarded(connection: psycopg.Connection):
    """The connection, with the database's failures as SharedStateUnavailable."""
    try:
        yield connection
    except psycopg.Error as error:
        log.error("the shared state is unavailable: %s", error)
        raise unavailable(error) from None


class SessionState:
    """The backend of one session's Store: persistence.SqliteState's interface (load, replace,
    save_many), and what sharing adds (catch_up, writing, the session lock)."""

    def __init__(self, server: PostgresState, name: str):
        self.server, self.name = server, name
        self.version: int | None = None  # the version the Store's memory holds
        self.holding = False  # a request of this process holds the session lock
        self._writing: psycopg.Connection | None = None  # the connection of the write in progress
        self._stored = False

    # --- what Store calls ------------------------------------------------------------

    def load(self) -> dict | None:
        """The session's stored state, or None when nothing is stored for it yet."""
        with self._guard() as connection, connection.transaction():
            return self._read(connection)

    def replace(self, state: dict) -> None:
        if self._writing is None:  # Store.__init__ storing the seed of a new session
            return self._store_seed(state)
        connection = self._in_write()
        connection.execute(f"DELETE FROM {ROWS} WHERE session = %s", (self.name,))
        self._upsert(connection, rows_of_state(state))

    def save(self, kind: str, key: str, value: dict) -> None:
        self.save_many([(kind, key, value)])

    def save_many(self, rows: list[tuple[str, str, dict]]) -> None:
        self._upsert(self._in_write(), [(kind, key, json.dumps(value)) for kind, key, value in rows])

    @contextmanager
    def writing(self, store):
        """One write (Store.transaction): under the session lock, with the store caught up, its
        rows and the new version committed in one database transaction when the block ends."""
        with self._guard() as connection:
            with connection.transaction():
                if not self.holding:
                    connection.execute(f"SELECT pg_advisory_xact_lock({LOCK_KEY})", (self.name,))
                    self._catch_up(connection, store)
                self._writing, self._stored = connection, False
                try:
                    yield
                finally:
                    self._writing = None
                version = self._bump(connection) if self._stored else self.version
            self.version = version

    def close(self) -> None:
        """Nothing to let go: the connection is the process's (PostgresState.close)."""

    # --- what the ASGI layer (shared_state.py) calls ----------------------------------------

    def catch_up(self, store) -> None:
        """Reload the store when another process stored a write since it last looked."""
        if self.holding:
            return  # no other process can have written: this one holds the lock
        with self._guard() as connection:
            self._catch_up(connection, store)

    async def lock(self, store) -> None:
        """Take the session lock for a whole request (with the process lock held), then catch up."""
        wait, deadline = 0.0005, time.monotonic() + LOCK_WAIT_S
        while True:
            with self._guard() as connection:
                taken = connection.execute(f"SELECT pg_try_advisory_lock({LOCK_KEY})", (self.name,)).fetchone()[0]
            if taken:
                break
            if time.monotonic() > deadline:
                raise SharedStateUnavailable(f"another process has held the state for more than {LOCK_WAIT_S} s")
            await asyncio.sleep(wait)
            wait = min(wait * 2, MAX_LOCK_POLL_S)
        self.holding = True
        try:
            with self._guard() as connection:
                self._catch_up(connection, store)
        except BaseException:
            self.unlock()
            raise

    def unlock(self) -> None:
        if not self.holding:
            return
        self.holding = False
        connection = self.server._connection
        if connection is not None and not connection.closed and not connection.broken:
            try:
                connection.execute(f"SELECT pg_advisory_unlock({LOCK_KEY})", (self.name,))
            except psycopg.Error as error:  # the connection is gone, and the lock with it
                log.warning("could not release the session lock: %s", error)

    # --- inside ---------------------------------------------------------------------------

    def _guard(self):
        return _guarded(self.server.connection())

    def _in_write(self) -> psycopg.Connection:
        if self._writing is None:
            raise RuntimeError("rows are stored inside Store.transaction() only")
        return self._writing

    def _read(self, connection) -> dict | None:
        row = connection.execute(f"SELECT version FROM {SESSIONS} WHERE name = %s", (self.name,)).fetchone()
        rows = connection.execute(f"SELECT kind, key, value FROM {ROWS} WHERE session = %s ORDER BY position",
                                  (self.name,)).fetchall()
        self.version = row[0] if row else None
        return state_from_rows(rows)

    def _catch_up(self, connection, store) -> None:
        row = connection.execute(f"SELECT version FROM {SESSIONS} WHERE name = %s", (self.name,)).fetchone()
        if row is None or row[0] == self.version:
            return
        # The version first, then the rows: rows newer than the version only cause one more reload.
        saved = self._read(connection)
        if saved is not None:
            store.reload_from(saved)

    def _store_seed(self, state: dict) -> None:
        """The first process to serve a session stores its seed; the others find it stored and
        catch up on their first request."""
        with self._guard() as connection, connection.transaction():
            connection.execute(f"SELECT pg_advisory_xact_lock({LOCK_KEY})", (self.name,))
            if connection.execute(f"SELECT 1 FROM {SESSIONS} WHERE name = %s", (self.name,)).fetchone():
                self.version = -1
                return
            self._upsert(connection, rows_of_state(state))
            connection.execute(f"INSERT INTO {SESSIONS} (name, version) VALUES (%s, 1)", (self.name,))
        self.version = 1

    def _upsert(self, connection, rows: list[tuple[str, str, str]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(UPSERT, [(self.name, kind, key, value) for kind, key, value in rows])
        self._stored = True

    def _bump(self, connection) -> int:
        return connection.execute(
            f"INSERT INTO {SESSIONS} (name, version) VALUES (%s, 1) "
            f"ON CONFLICT (name) DO UPDATE SET version = {SESSIONS}.version + 1 RETURNING version",
            (self.name,)).fetchone()[0]
