"""Rules of Prefactor's "Create a new agent" (004_55ea5678c29a24e2.txt; docs/sources.md, "Prefactor agents")."""
from __future__ import annotations

import secrets
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.judges.exchanges import Watching
from agent_api_contracts.judges.prefactor import CREATE_AGENT, AgentsAreFreshOrReplayed, created_agent_is_new_and_named_as_sent
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.answers import body, parsed, shown
from agent_api_contracts.rules.errors import prefactor_error
from agent_api_contracts.rules.prefactor import ENVELOPE, IDEMPOTENT, INVALID_REFUSED

pytestmark = [pytest.mark.prefactor, pytest.mark.writes]
AGENTS = "/api/v1/agent"
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


agent_names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40).filter(str.strip)


def created_agent(response) -> dict:
    """The agent of a success envelope (a failure of ENVELOPE otherwise)."""
    ENVELOPE.check(200 <= response.status_code < 300, shown(response), response)
    envelope = body(response, ENVELOPE)
    ENVELOPE.check(isinstance(envelope, dict) and envelope.get("status") == "success" and isinstance(envelope.get("details"), dict)
                   and envelope["details"].get("type") == "agent", shown(response), response)
    return envelope["details"]


def watching() -> Watching:
    """The judges of created agents, as the proxy applies them to passing traffic: the name
    echoed, a new agent pending, fresh ids, replays by idempotency key."""
    return Watching(created_agent_is_new_and_named_as_sent, AgentsAreFreshOrReplayed())


@settings(settings.get_profile("contracts"))
@given(names=st.lists(agent_names, min_size=2, max_size=3))
def test_created_agents_echo_their_names_and_get_fresh_ids(prefactor_client, names):
    judged = watching()
    for name in names:
        response = prefactor_client.post(AGENTS, json={"details": {"name": name}})
        created_agent(response)
        enforce(judged(response, CREATE_AGENT))


def test_a_caller_chosen_valid_id_is_used(prefactor_client):
    judged = watching()
    probe = prefactor_client.post(AGENTS, json={"details": {"name": "id probe"}})
    minted = created_agent(probe)
    enforce(judged(probe, CREATE_AGENT))
    # Same timestamp and partition as an id the server minted, fresh random part.
    chosen = minted["id"][:16] + "".join(secrets.choice(CROCKFORD) for _ in range(16))
    response = prefactor_client.post(AGENTS, json={"details": {"name": "chosen id", "id": chosen}})
    created_agent(response)
    enforce(judged(response, CREATE_AGENT))


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


@pytest.mark.parametrize("invalid", INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_invalid_bodies_are_refused_in_the_error_envelope(prefactor_client, invalid):
    response = prefactor_client.post(AGENTS, json=invalid)
    enforce(prefactor_error(response, range(400, 500), INVALID_REFUSED))
    error = parsed(response)
    if error.get("code") == "validation_errors":
        INVALID_REFUSED.check(isinstance(error.get("errors"), dict), f"validation_errors without errors: {response.text[:300]}", response)


def test_malformed_json_is_refused_in_the_error_envelope(prefactor_client):
    response = prefactor_client.post(AGENTS, content=b'{"details": {"name": ', headers={"Content-Type": "application/json"})
    enforce(prefactor_error(response, range(400, 500), INVALID_REFUSED))


def test_an_idempotency_key_replays_the_same_agent_and_refuses_another_body(prefactor_client):
    judged = watching()
    key = f"contract-{uuid.uuid4().hex}"
    body = {"details": {"name": "idempotent agent"}, "idempotency_key": key}
    for _ in range(2):
        answer = prefactor_client.post(AGENTS, json=body)
        created_agent(answer)
        enforce(judged(answer, CREATE_AGENT))
    other = prefactor_client.post(AGENTS, json={"details": {"name": "another agent"}, "idempotency_key": key})
    enforce(prefactor_error(other, range(400, 500), IDEMPOTENT))
