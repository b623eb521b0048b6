"""`--state FILE` when the file stops taking writes (read-only, disk full): every write is
refused with 503 in the API's own format, memory is left as it was, and a restart loads the
same state the readers saw."""
from __future__ import annotations

import sqlite3

import pytest
from starlette.testclient import TestClient

from mock_api import AGENTS, PREFACTOR, STAFF, prefactor_error, service_path, state_of
from agent_api_mock.app import create_app
from agent_api_mock.persistence import SqliteState
from agent_api_mock.store import Store

NOT_SAVED = "The state could not be saved"


class Mock:
    """A mock on a --state file whose storage can be made to fail, and be restarted."""

    def __init__(self, path, seed):
        self.path, self.seed = path, seed
        self.durable = SqliteState(path)
        self.client = TestClient(create_app(store=Store(seed, durable=self.durable), validate_responses=True))

    def refuse_writes(self):
        """What a read-only file or a full disk does: SQLite refuses every write."""
        self.durable._db.execute("PRAGMA query_only = ON")

    def take_writes(self):
        self.durable._db.execute("PRAGMA query_only = OFF")

    def restarted_state(self) -> dict:
        self.durable.close()
        return Store(self.seed, durable=SqliteState(self.path)).dump()


@pytest.fixture
def mock(tmp_path, seed):
    return Mock(tmp_path / "state.db", seed)


def test_set_statistics_that_cannot_be_stored_is_a_503_and_changes_nothing(mock, seed):
    service = seed["services"][0]
    mock.refuse_writes()
    answer = mock.client.post(service_path(service["uuid"], "set_statistics"), headers=STAFF,
                              json={"statistics": {"lost": True}})
    assert answer.status_code == 503
    assert set(answer.json()) == {"detail"} and answer.json()["detail"].startswith(NOT_SAVED)
    read = mock.client.get(service_path(service["uuid"]), headers=STAFF).json()
    assert (read["statistics"], read["modified"]) == (service["statistics"], service["modified"])
    assert state_of(mock.client) == seed
    assert mock.restarted_state() == seed


@pytest.mark.parametrize("name", ["a-new-processor", "usage-reporting-processor-1"], ids=["create", "update"])
def test_register_processor_that_cannot_be_stored_is_a_503_and_changes_nothing(mock, seed, name):
    service = next(s for s in seed["services"] if s["processors"])
    mock.refuse_writes()
    answer = mock.client.post(service_path(service["uuid"], "register_processor"), headers=STAFF,
                              json={"name": name, "backend_type": "CHANGED"})
    assert answer.status_code == 503 and answer.json()["detail"].startswith(NOT_SAVED)
    read = mock.client.get(service_path(service["uuid"]), headers=STAFF).json()["processors"]
    assert [(p["uuid"], p["name"], p["backend_type"], p["modified"]) for p in read] == [
        (p["uuid"], p["name"], p["backend_type"], p["modified"]) for p in service["processors"]]
    assert state_of(mock.client) == seed
    assert mock.restarted_state() == seed


def test_create_agent_that_cannot_be_stored_is_a_503_in_prefactors_envelope(mock, seed):
    body = {"details": {"name": "Unsaved"}, "idempotency_key": "unsaved"}
    mock.refuse_writes()
    answer = mock.client.post(AGENTS, headers=PREFACTOR, json=body)
    assert answer.status_code == 503 and prefactor_error(answer.json(), "service_unavailable")
    assert answer.json()["message"].startswith(NOT_SAVED)
    assert state_of(mock.client) == seed, "neither the agent nor its idempotency key is kept"
    mock.take_writes()
    again = mock.client.post(AGENTS, headers=PREFACTOR, json=body)
    assert again.status_code == 201, "the key was not remembered: the retry creates the agent"
    assert mock.restarted_state()["agents"] == [again.json()["details"]]


def test_reset_and_put_state_that_cannot_be_stored_are_503_and_keep_the_state(mock, seed):
    service = seed["services"][0]["uuid"]
    mock.client.post(service_path(service, "set_statistics"), headers=STAFF, json={"statistics": {"kept": 1}})
    written = state_of(mock.client)
    mock.refuse_writes()
    reset = mock.client.post("/__admin/reset")
    assert reset.status_code == 503 and reset.json()["detail"].startswith(NOT_SAVED)
    loaded = mock.client.put("/__admin/state", json=seed)
    assert loaded.status_code == 503 and loaded.json()["detail"].startswith(NOT_SAVED)
    assert state_of(mock.client) == written
    assert mock.client.get("/__admin/requests").json(), "a refused reset clears no journal either"
    assert mock.restarted_state() == written


class FailingCommit:
    """A connection whose COMMIT fails once, as a disk that fills up at the last moment does."""

    def __init__(self, db):
        self._db, self.failures = db, 1

    def execute(self, sql, *args):
        if sql == "COMMIT" and self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._db, name)


def test_a_failed_commit_is_rolled_back_and_the_next_write_is_stored(mock, seed):
    service = seed["services"][0]["uuid"]
    mock.durable._db = FailingCommit(mock.durable._db)
    failed = mock.client.post(service_path(service, "set_statistics"), headers=STAFF, json={"statistics": {"n": 1}})
    assert failed.status_code == 503 and "database or disk is full" in failed.json()["detail"]
    assert state_of(mock.client) == seed
    stored = mock.client.post(service_path(service, "set_statistics"), headers=STAFF, json={"statistics": {"n": 2}})
    assert stored.status_code == 200
    assert mock.restarted_state()["services"][0]["statistics"] == {"n": 2}
