"""Agent identities (resources/identities.py): what an agent registers (a new identity on every
create, as Waldur has no uniqueness on offering and name), and
the services it registers, which the services list and the connection stats then show."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_api import OWNER, PERMISSION_DENIED, PROPERTIES, SERVICES, STAFF, SUPPORT, USER, hyphenated, list_everything

IDENTITIES = "/api/marketplace-site-agent-identities/"
HPC_CLUSTER = "fce5a890b4e15e57980a83931fcee79c"  # owned by the owner's customer
OBJECT_STORAGE = "87dfd18ae2725b99aa0e161ebe53edaf"  # another customer's
CONNECTION_STATS = "/api/marketplace-site-agent-connection-stats/"
NAMES = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)


def identity_body(name: str, offering: str = HPC_CLUSTER, **more) -> dict:
    """What waldur-site-agent 1.0.7 sends when it registers itself."""
    return {"offering": offering, "name": name, "version": "1.0.7", "last_restarted": "2025-02-01T10:00:00Z",
            "dependencies": [{"package": "waldur-site-agent", "version": "1.0.7"}],
            "config_file_path": "/etc/waldur/agent.yaml", "config_file_content": "offerings: []", **more}


def register_service(client, identity: str, name: str, mode: str | None = "order_process", headers=OWNER):
    return client.post(f"{IDENTITIES}{identity}/register_service/", headers=headers, json={"name": name, "mode": mode})


def test_an_agent_finds_no_identity_under_a_new_name_and_creates_one(client):
    name = "agent-" + HPC_CLUSTER
    assert client.get(IDENTITIES, headers=OWNER, params={"name": name}).json() == []
    created = client.post(IDENTITIES, headers=OWNER, json=identity_body(name))
    assert created.status_code == 201
    identity = created.json()
    assert (identity["name"], identity["offering"], identity["version"]) == (name, HPC_CLUSTER, "1.0.7")
    assert identity["services"] == []
    assert client.get(IDENTITIES, headers=OWNER, params={"name": name}).json() == [identity]


@PROPERTIES
@given(name=NAMES)
def test_creating_an_identity_always_adds_one_even_with_a_name_the_offering_has(client, name):
    """Waldur: marketplace_site_agent/models.py AgentIdentity has no unique_together, and
    AgentIdentitySerializer creates on every POST (201)."""
    before = len([i for i in list_everything(client, IDENTITIES, STAFF) if i["name"] == name.strip()])
    first = client.post(IDENTITIES, headers=OWNER, json=identity_body(name))
    again = client.post(IDENTITIES, headers=OWNER, json=identity_body(name, version="1.0.8"))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["uuid"] != first.json()["uuid"]
    same_name = [i for i in list_everything(client, IDENTITIES, STAFF) if i["name"] == name.strip()]
    assert len(same_name) == before + 2


def test_an_identity_cannot_move_to_another_offering(client):
    """Waldur: marketplace_site_agent/serializers.py AgentIdentitySerializer.validate_offering."""
    identity = client.post(IDENTITIES, headers=STAFF, json=identity_body("agent-moved")).json()
    answer = client.put(f"{IDENTITIES}{identity['uuid']}/", headers=STAFF,
                        json=identity_body("agent-moved", OBJECT_STORAGE, version="9.9.9"))
    assert (answer.status_code, answer.json()) == (
        400, {"offering": ["Offering cannot be changed after the agent identity is created."]})
    assert client.get(f"{IDENTITIES}{identity['uuid']}/", headers=STAFF).json() == identity


def test_two_identities_of_an_offering_may_share_a_name_after_an_update(client):
    first = client.post(IDENTITIES, headers=OWNER, json=identity_body("agent-one")).json()
    second = client.post(IDENTITIES, headers=OWNER, json=identity_body("agent-two")).json()
    answer = client.put(f"{IDENTITIES}{second['uuid']}/", headers=OWNER, json=identity_body("agent-one"))
    assert answer.status_code == 200
    assert {i["uuid"] for i in list_everything(client, IDENTITIES, STAFF) if i["name"] == "agent-one"} == \
        {first["uuid"], second["uuid"]}


def test_an_update_keeps_what_the_agent_sends(client):
    identity = client.post(IDENTITIES, headers=OWNER, json=identity_body("agent-a")).json()
    answer = client.put(f"{IDENTITIES}{hyphenated(identity['uuid'])}/", headers=OWNER,
                        json=identity_body("agent-a", version="2.0.0", config_file_content="changed"))
    assert answer.status_code == 200
    assert (answer.json()["version"], answer.json()["config_file_content"]) == ("2.0.0", "changed")
    assert answer.json()["modified"] > identity["modified"]
    assert client.get(f"{IDENTITIES}{identity['uuid']}/", headers=OWNER).json() == answer.json()


@pytest.mark.parametrize("headers", [SUPPORT, USER])
def test_only_staff_and_the_offerings_owner_register_identities(client, headers):
    """Support, and a user who cannot see the offering, are refused (Waldur's check_create_permissions)."""
    answer = client.post(IDENTITIES, headers=headers, json=identity_body("agent-x"))
    assert (answer.status_code, answer.json()) == (403, PERMISSION_DENIED)
    assert [i for i in list_everything(client, IDENTITIES, STAFF) if i["name"] == "agent-x"] == []


def test_the_owner_of_another_customer_sees_no_identity_of_it(client):
    client.post(IDENTITIES, headers=STAFF, json=identity_body("storage-agent", OBJECT_STORAGE))
    assert [i for i in list_everything(client, IDENTITIES, OWNER) if i["offering"] == OBJECT_STORAGE] == []
    assert any(i["offering"] == OBJECT_STORAGE for i in list_everything(client, IDENTITIES, SUPPORT))


def test_a_registered_service_is_listed_and_shown_in_connection_stats(client):
    identity = client.post(IDENTITIES, headers=OWNER, json=identity_body("agent-b")).json()
    created = register_service(client, hyphenated(identity["uuid"]), "order_process")
    assert created.status_code == 201
    service = created.json()
    assert (service["identity"], service["identity_name"], service["mode"]) == (identity["uuid"], "agent-b", "order_process")
    listed = client.get(SERVICES, headers=OWNER, params={"identity_uuid": identity["uuid"]}).json()
    assert [s["uuid"] for s in listed] == [service["uuid"]]
    assert [s["uuid"] for s in client.get(f"{IDENTITIES}{identity['uuid']}/", headers=OWNER).json()["services"]] \
        == [service["uuid"]]
    agents = client.get(CONNECTION_STATS, headers=STAFF).json()["agents"]
    shown = next(agent for agent in agents if agent["uuid"] == identity["uuid"])
    assert [s["uuid"] for s in shown["services"]] == [service["uuid"]]


@PROPERTIES
@given(name=NAMES, times=st.integers(min_value=2, max_value=4))
def test_register_service_returns_the_service_of_that_name(client, name, times):
    identity = client.post(IDENTITIES, headers=OWNER, json=identity_body("agent-c")).json()
    answers = [register_service(client, identity["uuid"], name) for _ in range(times)]
    assert answers[0].status_code in (200, 201) and all(a.status_code == 200 for a in answers[1:])
    assert len({a.json()["uuid"] for a in answers}) == 1
    listed = list_everything(client, SERVICES, OWNER, identity_uuid=identity["uuid"])
    assert [s["name"] for s in listed].count(name.strip()) == 1


def test_support_may_not_register_a_service(client):
    identity = client.post(IDENTITIES, headers=OWNER, json=identity_body("agent-d")).json()
    answer = register_service(client, identity["uuid"], "report", headers=SUPPORT)
    assert (answer.status_code, answer.json()) == (403, PERMISSION_DENIED)
    assert client.get(SERVICES, headers=STAFF, params={"identity_uuid": identity["uuid"]}).json() == []
