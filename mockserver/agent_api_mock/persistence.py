"""`--state FILE`: the mock's state in an embedded SQLite database, so it survives restarts.

Every acknowledged write is committed before its answer is sent (WAL journal), so killing
the process, even with SIGKILL, loses no write a client was told about. The database holds
the state in the same format as the seed files and /__admin/state: one row for what
clients cannot change, one row per entity of each family clients write to (its `row` kind:
a service with its processors, an agent, an idempotency key, an integration status...).
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from agent_api_mock.resources import FAMILIES

# The state's lists that clients write to, one row per item: field -> (row kind, the item's key).
# Everything else is one "base" row, rewritten only when a whole state is loaded.
# An update keeps the row where it was (INSERT OR REPLACE would move it to the end), so a
# restart lists items in the order readers saw them.
UPSERT = "INSERT INTO rows (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value"
PER_ROW = {family.name: (family.row, family.key) for family in FAMILIES if family.row}
ROW_KINDS = tuple(kind for kind, _ in PER_ROW.values())


def state_from_rows(rows: list[tuple[str, str, str]]) -> dict | None:
    """A state from its stored rows (kind, key, JSON text) in the order they were first stored;
    None when there is none."""
    base = [json.loads(value) for kind, _, value in rows if kind == "base"]
    if not base:
        return None
    state = base[0]
    for field, (kind, _) in PER_ROW.items():
        items = [json.loads(value) for row_kind, _, value in rows if row_kind == kind]
        if items or field not in state:  # files written before a list had rows keep it in the base row
            state[field] = items
    return state


def rows_of_state(state: dict) -> list[tuple[str, str, str]]:
    """The rows (kind, key, JSON text) that store a whole state."""
    base = {field: value for field, value in state.items() if field not in PER_ROW}
    return [("base", "state", json.dumps(base))] + [
        (kind, str(item[key]), json.dumps(item)) for field, (kind, key) in PER_ROW.items() for item in state.get(field, [])]


def _roll_back(db: sqlite3.Connection) -> None:
    """Leave no transaction open after a failed write (the failure itself is what the caller sees)."""
    if db.in_transaction:
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            pass


class SqliteState:
    def __init__(self, path: str | Path):
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS rows (kind TEXT, key TEXT, value TEXT, PRIMARY KEY (kind, key))")

    def load(self) -> dict | None:
        """The saved state, or None for a new database."""
        return state_from_rows(self._db.execute("SELECT kind, key, value FROM rows ORDER BY rowid").fetchall())

    def replace(self, state: dict) -> None:
        rows = rows_of_state(state)
        with self._transaction():
            self._db.execute("DELETE FROM rows")
            self._db.executemany("INSERT INTO rows (kind, key, value) VALUES (?, ?, ?)", rows)

    def writing(self, store):
        """A write begins (Store.transaction): one process owns the file, so its memory is current."""
        return contextlib.nullcontext()

    def save(self, kind: str, key: str, value: dict) -> None:
        with self._transaction():
            self._db.execute(UPSERT, (kind, key, json.dumps(value)))

    def save_many(self, rows: list[tuple[str, str, dict]]) -> None:
        with self._transaction():
            self._db.executemany(UPSERT,
                                 [(kind, key, json.dumps(value)) for kind, key, value in rows])

    def close(self) -> None:
        self._db.close()

    def _transaction(self):
        db = self._db

        class Transaction:
            def __enter__(self):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind, error, traceback):
                if kind is None:
                    try:
                        db.execute("COMMIT")
                        return
                    except sqlite3.Error:
                        _roll_back(db)
                        raise
                _roll_back(db)
        return Transaction()
