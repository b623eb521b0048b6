"""Rules of Prefactor's "Create a new agent" (seed 004; notes/prefactor.md)."""
from __future__ import annotations

import re
import secrets
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.documents import _load
from agent_api_contracts.evidence import Rule

pytestmark = [pytest.mark.prefactor, pytest.mark.writes]
AGENTS = "/api/v1/agent"
SOURCE = "seed 004; notes/prefactor.md"
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
ID = re.compile(_load("prefactor")["components"]["schemas"]["PfId"]["pattern"])

ENVELOPE = Rule("success_envelope_wraps_an_agent", 'status is always the string success; type: always "agent"', SOURCE)
ECHOES_NAME = Rule("created_agent_has_the_requested_name", "details.name is the agent name sent", SOURCE)
FRESH_IDS = Rule("created_agents_have_fresh_ids_in_prefactor_format",
                 "Ids look like 013xrzp12g3nqk8nx0y2vfkg4s3jp2qr: 32 characters matching ^[0-7][0-9abcdefghjkmnpqrstvwxyz]{31}$, unique per object", SOURCE)
FINISHED_SUM = Rule("finished_equals_complete_failed_cancelled", "finished: complete + failed + cancelled", SOURCE)
NEW_IS_PENDING = Rule("a_new_agent_is_pending_and_cannot_be_reinstated",
                      "a new agent is pending; reinstate only makes sense for a retired agent", SOURCE)
INVALID_REFUSED = Rule("invalid_bodies_are_refused_in_the_error_envelope",
                       'details is required; inside it name is required; errors: {"status": "error", "code", "message"}', SOURCE)
IDEMPOTENT = Rule("an_idempotency_key_replays_its_agent",
                  "same key and same body: the same agent again, no duplicate; same key with a different body: an error",
                  "notes/prefactor.md; spec/prefactor-agents.yaml")

agent_names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40).filter(str.strip)


def created_agent(response, name: str) -> dict:
    ENVELOPE.check(200 <= response.status_code < 300, f"status {response.status_code}: {response.text[:300]}", response)
    body = response.json()
    ENVELOPE.check(body.get("status") == "success" and isinstance(body.get("details"), dict)
                   and body["details"].get("type") == "agent", f"body {response.text[:300]}", response)
    agent = body["details"]
    ECHOES_NAME.check(agent.get("name") == name, f"name {agent.get('name')!r}, sent {name!r}", response)
    return agent


@settings(settings.get_profile("contracts"))
@given(names=st.lists(agent_names, min_size=2, max_size=3))
def test_created_agents_echo_their_names_and_get_fresh_ids(prefactor_client, names):
    ids = []
    for name in names:
        response = prefactor_client.post(AGENTS, json={"details": {"name": name}})
        agent = created_agent(response, name)
        FRESH_IDS.check(isinstance(agent.get("id"), str) and bool(ID.fullmatch(agent["id"])), f"id {agent.get('id')!r}", response)
        FRESH_IDS.check(agent["id"] not in ids, f"id {agent['id']} was given twice", response)
        ids.append(agent["id"])
        counts = agent["instance_counts"]
        FINISHED_SUM.check(counts["finished"] == counts["complete"] + counts["failed"] + counts["cancelled"],
                           f"instance_counts {counts}", response)
        NEW_IS_PENDING.check(agent["status"] == "pending" and agent["available_actions"]["reinstate"] is False,
                             f"status {agent['status']!r}, available_actions {agent['available_actions']}", response)


def test_a_caller_chosen_valid_id_is_used(prefactor_client):
    probe = created_agent(prefactor_client.post(AGENTS, json={"details": {"name": "id probe"}}), "id probe")
    # Same timestamp and partition as an id the server minted, fresh random part.
    chosen = probe["id"][:16] + "".join(secrets.choice(CROCKFORD) for _ in range(16))
    response = prefactor_client.post(AGENTS, json={"details": {"name": "chosen id", "id": chosen}})
    agent = created_agent(response, "chosen id")
    FRESH_IDS.check(agent["id"] == chosen, f"id {agent['id']!r}, chose {chosen!r}", response)


INVALID_BODIES = {
    "no details": {"name": "x"},
    "details without name": {"details": {"description": "no name"}},
    "empty name": {"details": {"name": ""}},
    "name not a string": {"details": {"name": 7}},
    "details not an object": {"details": "agent"},
    "malformed id": {"details": {"name": "x", "id": "not-a-prefactor-id"}},
    "idempotency key over 64 characters": {"details": {"name": "x"}, "idempotency_key": "k" * 65},
    "a list": [{"details": {"name": "x"}}],
}


@pytest.mark.parametrize("body", INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_invalid_bodies_are_refused_in_the_error_envelope(prefactor_client, body):
    response = prefactor_client.post(AGENTS, json=body)
    INVALID_REFUSED.check(400 <= response.status_code < 500, f"status {response.status_code}: {response.text[:200]}", response)
    error = response.json()
    INVALID_REFUSED.check(error.get("status") == "error" and isinstance(error.get("code"), str)
                          and isinstance(error.get("message"), str), f"body {response.text[:300]}", response)
    if error.get("code") == "validation_errors":
        INVALID_REFUSED.check(isinstance(error.get("errors"), dict), f"validation_errors without errors: {response.text[:300]}", response)


def test_malformed_json_is_refused_in_the_error_envelope(prefactor_client):
    response = prefactor_client.post(AGENTS, content=b'{"details": {"name": ', headers={"Content-Type": "application/json"})
    INVALID_REFUSED.check(400 <= response.status_code < 500 and response.json().get("status") == "error",
                          f"{response.status_code}: {response.text[:200]}", response)


def test_an_idempotency_key_replays_the_same_agent_and_refuses_another_body(prefactor_client):
    key = f"contract-{uuid.uuid4().hex}"
    body = {"details": {"name": "idempotent agent"}, "idempotency_key": key}
    first = created_agent(prefactor_client.post(AGENTS, json=body), "idempotent agent")
    replay = prefactor_client.post(AGENTS, json=body)
    again = created_agent(replay, "idempotent agent")
    IDEMPOTENT.check(again["id"] == first["id"], f"the replay created {again['id']}, first was {first['id']}", replay)
    other = prefactor_client.post(AGENTS, json={"details": {"name": "another agent"}, "idempotency_key": key})
    IDEMPOTENT.check(400 <= other.status_code < 500 and other.json().get("status") == "error",
                     f"a different body with a used key answered {other.status_code}: {other.text[:200]}", other)
