"""`--state FILE` and the resource families: what the agent writes (identities, services,
order transitions, backend ids, usages) survives a restart, and a write the storage refuses is
a 503 that changes nothing, in memory or on disk."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mock_api import OWNER, state_of
from agent_api_mock.app import create_app
from agent_api_mock.persistence import SqliteState
from agent_api_mock.store import Store

ORDER = "d5c3b29deb844de5a6e54f3bf4a976b5"
RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"
HPC_CLUSTER = "fce5a890b4e15e57980a83931fcee79c"
IDENTITY = {"offering": HPC_CLUSTER, "name": "agent-" + HPC_CLUSTER, "version": "1.0.7",
            "last_restarted": "2025-02-01T10:00:00Z", "dependencies": [], "config_file_path": "/etc/agent.yaml",
            "config_file_content": ""}
# Each write the agent makes in a cycle, as (method, path, body), in an order that works.
AGENT_WRITES = [
    ("POST", "/api/marketplace-site-agent-identities/", IDENTITY),
    ("POST", f"/api/marketplace-orders/{ORDER}/approve_by_provider/", {}),
    ("POST", f"/api/marketplace-provider-resources/{RESOURCE}/set_backend_id/", {"backend_id": "genome-allocation"}),
    ("POST", f"/api/marketplace-provider-resources/{RESOURCE}/set_limits/", {"limits": {"cpu": 10}}),
    ("POST", f"/api/marketplace-provider-resources/{RESOURCE}/set_backend_metadata/", {"backend_metadata": {"a": "b"}}),
    ("POST", f"/api/marketplace-orders/{ORDER}/set_state_done/", {}),
    ("POST", "/api/marketplace-component-usages/set_usage/",
     {"resource": RESOURCE, "usages": [{"type": "cpu", "amount": "3.00"}]}),  # no date: the current period
    ("POST", f"/api/marketplace-provider-resources/{RESOURCE}/refresh_last_sync/", {}),
]


class Mock:
    def __init__(self, path, seed):
        self.path, self.seed = path, seed
        self.durable = SqliteState(path)
        self.client = TestClient(create_app(store=Store(seed, durable=self.durable), validate_responses=True))

    def send(self, method, path, body):
        return self.client.request(method, path, headers=OWNER, json=body)

    def restarted_state(self) -> dict:
        self.durable.close()
        return Store(self.seed, durable=SqliteState(self.path)).dump()


@pytest.fixture
def mock(tmp_path, seed):
    return Mock(tmp_path / "state.db", seed)


def test_what_the_agent_writes_survives_a_restart(mock):
    for method, path, body in AGENT_WRITES:
        assert mock.send(method, path, body).status_code in (200, 201), path
    identity = mock.client.get("/api/marketplace-site-agent-identities/", headers=OWNER,
                               params={"name": IDENTITY["name"]}).json()[0]
    assert mock.send("POST", f"/api/marketplace-site-agent-identities/{identity['uuid']}/register_service/",
                     {"name": "order_process", "mode": "order_process"}).status_code == 201
    assert mock.client.post("/__admin/orders", json={"resource": RESOURCE, "type": "Terminate"}).status_code == 201
    seen = state_of(mock.client)
    restarted = mock.restarted_state()
    assert restarted == seen
    assert next(o for o in restarted["orders"] if o["uuid"] == ORDER)["state"] == "done"
    assert next(r for r in restarted["resources"] if r["uuid"] == RESOURCE)["backend_id"] == "genome-allocation"


@pytest.mark.server_errors_expected
@pytest.mark.parametrize("at", range(len(AGENT_WRITES)), ids=[path.rstrip("/").rsplit("/", 1)[-1] for _, path, _ in AGENT_WRITES])
def test_an_agent_write_that_cannot_be_stored_is_a_503_and_changes_nothing(mock, at):
    for method, path, body in AGENT_WRITES[:at]:
        assert mock.send(method, path, body).status_code in (200, 201), path
    before = state_of(mock.client)
    mock.durable._db.execute("PRAGMA query_only = ON")  # what a read-only file or a full disk does
    method, path, body = AGENT_WRITES[at]
    answer = mock.send(method, path, body)
    assert answer.status_code == 503 and answer.json()["detail"].startswith("The state could not be saved")
    assert state_of(mock.client) == before
    mock.durable._db.execute("PRAGMA query_only = OFF")
    assert mock.restarted_state() == before
