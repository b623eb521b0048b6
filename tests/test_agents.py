"""Prefactor's POST /api/v1/agent: the success envelope of a new agent, its ids, caller-chosen
ids, idempotency keys, and every invalid body refused in the error envelope."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_api import AGENTS, PREFACTOR, PREFACTOR_ID, PROPERTIES, prefactor_error, state_of, when
from agent_api_mock.wire import prefactor_partition

INSTANCE_COUNTS = {"total", "pending", "active", "complete", "failed", "cancelled", "finished"}


def create(client, body, headers=PREFACTOR):
    return client.post(AGENTS, headers=headers, json=body)


def agents_in(client) -> list[dict]:
    return state_of(client)["agents"]


def an_unused_id(client) -> str:
    """A valid id no agent has: one the mock itself minted, with that agent removed again."""
    minted = create(client, {"details": {"name": "Throwaway"}}).json()["details"]["id"]
    state = state_of(client)
    state["agents"] = [agent for agent in state["agents"] if agent["id"] != minted]
    assert client.put("/__admin/state", json=state).status_code == 200
    return minted


def test_a_new_agent_comes_back_in_the_success_envelope(client):
    answer = create(client, {"details": {"name": "My Agent"}})
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"status", "details"} and body["status"] == "success"
    agent = body["details"]
    assert agent["type"] == "agent"
    assert agent["name"] == "My Agent"
    assert agent["status"] == "pending"
    assert agent["current_version_id"] is None and agent["current_schema_version_id"] is None
    assert PREFACTOR_ID.match(agent["id"]) and PREFACTOR_ID.match(agent["environment_id"])
    assert when(agent["inserted_at"].replace("Z", "+00:00")) == when(agent["updated_at"].replace("Z", "+00:00"))


def test_a_new_agent_has_no_instances(client):
    counts = create(client, {"details": {"name": "Counted"}}).json()["details"]["instance_counts"]
    assert INSTANCE_COUNTS <= set(counts)
    assert all(value == 0 for value in counts.values())
    assert counts["finished"] == counts["complete"] + counts["failed"] + counts["cancelled"]


def test_a_new_agent_cannot_be_reinstated(client):
    actions = create(client, {"details": {"name": "Fresh"}}).json()["details"]["available_actions"]
    assert set(actions) == {"update", "retire", "reinstate", "delete"}
    assert actions["reinstate"] is False
    assert actions["update"] and actions["retire"]


def test_minted_ids_are_unique_and_carry_the_configured_partition(client):
    partition = prefactor_partition(state_of(client)["prefactor"]["partition_id"])
    ids = [create(client, {"details": {"name": f"agent {n}"}}).json()["details"]["id"] for n in range(40)]
    assert len(set(ids)) == len(ids)
    assert all(PREFACTOR_ID.match(an_id) for an_id in ids)
    assert {prefactor_partition(an_id) for an_id in ids} == {partition}


def test_optional_details_are_kept(client):
    details = {"name": "Support triage agent", "description": "Sorts tickets.", "external_identifier": "triage",
               "owner_person_id": "013xrzp12g3nqk8n1c7ht0mw5qzs9b4e", "team_id": "013xrzp12g3nqk8n3e9kw2py7sbv1d6g"}
    agent = create(client, {"details": details}).json()["details"]
    assert {key: agent[key] for key in details} == details
    assert agent["risk_profile_id"] is None


def test_the_agent_is_kept_in_the_state(client):
    agent = create(client, {"details": {"name": "Stored"}}).json()["details"]
    assert agents_in(client) == [agent]


@pytest.mark.parametrize("raw", [b'{"details": {"name": "Untyped"}}', b'{"details": {"name": "\\ud800 lone surrogate"}}'],
                         ids=["plain", "lone surrogate"])
def test_a_body_without_a_content_type_is_read_as_json(client, raw):
    answer = client.post(AGENTS, headers=PREFACTOR, content=raw)
    assert answer.status_code == 201
    assert answer.json()["details"]["name"] == json.loads(raw)["details"]["name"]


@PROPERTIES
@given(name=st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=60))
def test_any_name_makes_an_agent_of_that_name(client, name):
    before = len(agents_in(client))
    answer = create(client, {"details": {"name": name}})
    assert answer.status_code == 201
    assert answer.json()["details"]["name"] == name
    assert len(agents_in(client)) == before + 1


# --- caller-chosen ids ---------------------------------------------------------------------

def test_a_caller_chosen_id_is_used(client):
    chosen = an_unused_id(client)
    answer = create(client, {"details": {"name": "Chosen", "id": chosen}})
    assert answer.status_code == 201
    assert answer.json()["details"]["id"] == chosen


@pytest.mark.parametrize("bad_id", [
    "013XRZP12G3NQK8NX0Y2VFKG4S3JP2QR",  # uppercase
    "013xrzp12g3nqk8nx0y2vfkg4s3jp2qu",  # u is not Crockford base32
    "813xrzp12g3nqk8nx0y2vfkg4s3jp2qr",  # more than 160 bits
    "013xrzp12g3nqk8nx0y2vfkg4s3jp2q",  # 31 characters
    "",
])
def test_a_caller_chosen_id_must_be_valid(client, bad_id):
    before = state_of(client)
    answer = create(client, {"details": {"name": "Badly named", "id": bad_id}})
    assert answer.status_code == 422
    assert prefactor_error(answer.json(), "validation_errors")
    assert "details.id" in answer.json()["errors"]
    assert state_of(client) == before


def test_an_id_that_is_taken_is_refused(client):
    taken = create(client, {"details": {"name": "First"}}).json()["details"]["id"]
    before = state_of(client)
    answer = create(client, {"details": {"name": "Second", "id": taken}})
    assert answer.status_code in (409, 422)
    assert answer.json()["status"] == "error" and isinstance(answer.json()["code"], str)
    assert state_of(client) == before


# --- idempotency keys ----------------------------------------------------------------------

def test_the_same_key_and_body_answer_the_same_agent_without_a_duplicate(client):
    body = {"details": {"name": "Retried"}, "idempotency_key": "create-retried-1"}
    first = create(client, body)
    again = create(client, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(agents_in(client)) == 1


def test_a_replay_matches_the_body_not_its_spelling(client):
    first = client.post(AGENTS, headers={**PREFACTOR, "Content-Type": "application/json"},
                        content=b'{"details": {"name": "Spelled", "description": "d"}, "idempotency_key": "k1"}')
    again = client.post(AGENTS, headers={**PREFACTOR, "Content-Type": "application/json"},
                        content=b'{"idempotency_key":"k1","details":{"description":"d","name":"Spelled"}}')
    assert again.status_code == 200
    assert again.json()["details"]["id"] == first.json()["details"]["id"]


def test_the_same_key_with_another_body_is_a_conflict_and_creates_nothing(client):
    create(client, {"details": {"name": "Original"}, "idempotency_key": "shared-key"})
    before = state_of(client)
    answer = create(client, {"details": {"name": "Impostor"}, "idempotency_key": "shared-key"})
    assert answer.status_code == 409
    assert prefactor_error(answer.json(), "idempotency_key_reused")
    assert state_of(client) == before


def test_different_keys_create_different_agents(client):
    first = create(client, {"details": {"name": "Twin"}, "idempotency_key": "twin-1"}).json()["details"]["id"]
    second = create(client, {"details": {"name": "Twin"}, "idempotency_key": "twin-2"}).json()["details"]["id"]
    assert first != second
    assert len(agents_in(client)) == 2


def test_without_a_key_every_request_creates_an_agent(client):
    for _ in range(3):
        assert create(client, {"details": {"name": "Again"}}).status_code == 201
    assert len(agents_in(client)) == 3


def test_a_key_of_64_characters_is_accepted(client):
    assert create(client, {"details": {"name": "Long key"}, "idempotency_key": "k" * 64}).status_code == 201


# --- invalid bodies ------------------------------------------------------------------------

INVALID_BODIES = {
    "no details": ({"name": "Flat"}, 422, "validation_errors", "details"),
    "details without a name": ({"details": {"description": "Nameless"}}, 422, "validation_errors", "details.name"),
    "an empty name": ({"details": {"name": ""}}, 422, "validation_errors", "details.name"),
    "a name that is no string": ({"details": {"name": 42}}, 422, "validation_errors", "details.name"),
    "details that are no object": ({"details": "My Agent"}, 422, "validation_errors", "details"),
    "a key over 64 characters": ({"details": {"name": "Key"}, "idempotency_key": "k" * 65}, 422, "validation_errors",
                                 "idempotency_key"),
    "an empty key": ({"details": {"name": "Key"}, "idempotency_key": ""}, 422, "validation_errors", "idempotency_key"),
    "a list": ([{"details": {"name": "Listed"}}], 400, "bad_request", None),
    "a string": ("My Agent", 400, "bad_request", None),
    "null": (None, 400, "bad_request", None),
}


@pytest.mark.parametrize("case", INVALID_BODIES)
def test_an_invalid_body_is_refused_in_the_envelope(client, case):
    body, status, code, field = INVALID_BODIES[case]
    before = state_of(client)
    answer = client.post(AGENTS, headers={**PREFACTOR, "Content-Type": "application/json"},
                         content=json.dumps(body))
    assert answer.status_code == status
    assert prefactor_error(answer.json(), code), answer.json()
    if field is not None:
        assert field in answer.json()["errors"]
        assert all(isinstance(message, str) for message in answer.json()["errors"][field])
    assert state_of(client) == before


@pytest.mark.parametrize("raw", [b"", b"{", b'{"details": {"name": "Cut', b"details=name", b"\xff\xfe"], ids=repr)
def test_a_body_that_is_no_json_is_a_bad_request(client, raw):
    before = state_of(client)
    answer = client.post(AGENTS, headers={**PREFACTOR, "Content-Type": "application/json"}, content=raw)
    assert answer.status_code == 400
    assert prefactor_error(answer.json(), "bad_request")
    assert state_of(client) == before
