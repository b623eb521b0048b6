"""Provider resources (resources/provider_resources.py): a resource keeps the backend id,
limits and backend metadata the agent sets, and the states set_as_ok / set_as_erred give it."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_api import OWNER, PERMISSION_DENIED, PROPERTIES, STAFF, SUPPORT, USER, hyphenated, state_of

RESOURCES = "/api/marketplace-provider-resources/"
OWNERS_OFFERINGS = {"fce5a890b4e15e57980a83931fcee79c", "2bb0361f1b575b35ad76cb08062b37e5"}  # HPC cluster, GPU partition
RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"  # genome-allocation on HPC cluster (the owner's offering)
HPC_CLUSTER = "fce5a890b4e15e57980a83931fcee79c"
RESOURCE_NOT_FOUND = {"detail": "No Resource matches the given query."}
BACKEND_IDS = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=60)
LIMITS = st.dictionaries(st.sampled_from(["cpu", "mem", "gpu"]), st.integers(min_value=0, max_value=10**6), max_size=3)


def write(client, action: str, headers=OWNER, uuid: str = RESOURCE, **body):
    return client.post(f"{RESOURCES}{uuid}/{action}/", headers=headers, json=body)


def resource(client, headers=OWNER) -> dict:
    return client.get(f"{RESOURCES}{RESOURCE}/", headers=headers).json()


def test_a_new_resource_has_an_empty_backend_id_and_the_offerings_plugin_options(client):
    body = resource(client)
    assert (body["backend_id"], body["state"], body["offering_uuid"]) == ("", "Creating", HPC_CLUSTER)
    assert isinstance(body["offering_plugin_options"], dict) and body["project_slug"] == "genome-lab"


@PROPERTIES
@given(backend_id=BACKEND_IDS)
def test_a_resource_keeps_the_backend_id_the_agent_sets(client, backend_id):
    answer = write(client, "set_backend_id", uuid=hyphenated(RESOURCE), backend_id=backend_id)
    assert answer.status_code == 200 and "status" in answer.json()
    assert resource(client)["backend_id"] == backend_id.strip()
    listed = client.get(RESOURCES, headers=OWNER, params={"backend_id": backend_id.strip()}).json()
    assert [item["uuid"] for item in listed] == [RESOURCE]


@PROPERTIES
@given(limits=LIMITS, metadata=st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3))
def test_a_resource_keeps_the_limits_and_backend_metadata_the_agent_sets(client, limits, metadata):
    assert write(client, "set_limits", limits=limits).status_code == 200
    assert write(client, "set_backend_metadata", backend_metadata=metadata).status_code == 200
    body = resource(client)
    assert (body["limits"], body["backend_metadata"]) == (limits, metadata)


def test_set_as_erred_and_set_as_ok_move_the_resource_state(client):
    assert write(client, "set_as_erred", error_message="quota exceeded").status_code == 200
    assert (resource(client)["state"], resource(client)["error_message"]) == ("Erred", "quota exceeded")
    assert write(client, "set_as_ok").status_code == 200
    assert (resource(client)["state"], resource(client)["error_message"]) == ("OK", "")
    listed = client.get(RESOURCES, headers=OWNER, params=[("offering_uuid", HPC_CLUSTER), ("state", "OK"),
                                                         ("state", "Erred")]).json()
    assert [item["uuid"] for item in listed] == [RESOURCE]


def test_refresh_last_sync_moves_last_sync(client):
    before = resource(client)["last_sync"]
    assert write(client, "refresh_last_sync").status_code == 200
    assert resource(client)["last_sync"] > before


def test_field_returns_only_the_named_fields(client):
    answer = client.get(f"{RESOURCES}{RESOURCE}/", headers=OWNER, params=[("field", "uuid"), ("field", "backend_id")])
    assert answer.json() == {"uuid": RESOURCE, "backend_id": ""}


@pytest.mark.parametrize("headers, status, body", [(SUPPORT, 403, PERMISSION_DENIED), (USER, 404, RESOURCE_NOT_FOUND)])
def test_only_staff_and_the_offerings_owner_write_to_a_resource(client, headers, status, body):
    before = state_of(client)
    answer = write(client, "set_backend_id", headers=headers, backend_id="stolen")
    assert (answer.status_code, answer.json()) == (status, body)
    assert state_of(client) == before


def test_the_team_is_the_projects_members(client):
    assert client.get(f"{RESOURCES}{RESOURCE}/team/", headers=OWNER).json() == []
    assert client.get(f"{RESOURCES}{RESOURCE}/team/", headers=USER).status_code == 404
    assert client.get(RESOURCES, headers=USER).json() == []
    everything = {item["uuid"] for item in client.get(RESOURCES, headers=STAFF).json()}
    owned = client.get(RESOURCES, headers=OWNER).json()
    assert RESOURCE in {item["uuid"] for item in owned} and {item["uuid"] for item in owned} < everything
    assert {item["offering_uuid"] for item in owned} <= OWNERS_OFFERINGS
