"""`--state FILE`: the mock's state in an embedded SQLite database, so it survives restarts.

Every acknowledged write is committed before its answer is sent (WAL journal), so killing
the process, even with SIGKILL, loses no write a client was told about. The database holds
the state in the same format as the seed files and /__admin/state: one row for what
clients cannot change, one row per service (with its processors), agent and idempotency key.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

ROW_KINDS = ("service", "agent", "idempotency_key")
PER_ROW = {"services": "service", "agents": "agent", "idempotency_keys": "idempotency_key"}


class SqliteState:
    def __init__(self, path: str | Path):
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS rows (kind TEXT, key TEXT, value TEXT, PRIMARY KEY (kind, key))")

    def load(self) -> dict | None:
        """The saved state, or None for a new database."""
        rows = self._db.execute("SELECT kind, key, value FROM rows ORDER BY rowid").fetchall()
        base = [json.loads(value) for kind, _, value in rows if kind == "base"]
        if not base:
            return None
        state = base[0]
        for field, kind in PER_ROW.items():
            state[field] = [json.loads(value) for row_kind, _, value in rows if row_kind == kind]
        return state

    def replace(self, state: dict) -> None:
        base = {field: value for field, value in state.items() if field not in PER_ROW}
        rows = [("base", "state", json.dumps(base))]
        rows += [("service", s["uuid"], json.dumps(s)) for s in state["services"]]
        rows += [("agent", a["id"], json.dumps(a)) for a in state["agents"]]
        rows += [("idempotency_key", k["key"], json.dumps(k)) for k in state["idempotency_keys"]]
        with self._transaction():
            self._db.execute("DELETE FROM rows")
            self._db.executemany("INSERT INTO rows (kind, key, value) VALUES (?, ?, ?)", rows)

    def save(self, kind: str, key: str, value: dict) -> None:
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO rows (kind, key, value) VALUES (?, ?, ?)", (kind, key, json.dumps(value)))

    def save_many(self, rows: list[tuple[str, str, dict]]) -> None:
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO rows (kind, key, value) VALUES (?, ?, ?)",
                                 [(kind, key, json.dumps(value)) for kind, key, value in rows])

    def close(self) -> None:
        self._db.close()

    def _transaction(self):
        db = self._db

        class Transaction:
            def __enter__(self):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind, error, traceback):
                db.execute("COMMIT" if kind is None else "ROLLBACK")
        return Transaction()
