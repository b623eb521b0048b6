"""Prefactor: create an agent (with caller-chosen ids and idempotency keys)."""
from __future__ import annotations

from connexion import request

from agent_api_mock.errors import prefactor_error
from agent_api_mock.handlers.responses import json_response, mock
from agent_api_mock.validation import request_body
from agent_api_mock.wire import prefactor_id, prefactor_partition, prefactor_time

OPTIONAL_DETAILS = ("description", "external_identifier", "owner_person_id", "risk_profile_id", "team_id")
NO_INSTANCES = {"total": 0, "pending": 0, "active": 0, "complete": 0, "failed": 0, "cancelled": 0, "terminated": 0,
                "finished": 0}


def available_actions(status: str, instance_total: int) -> dict:
    """What an agent in `status` may do; only a retired agent can be reinstated."""
    retired = status == "retired"
    return {"update": not retired, "retire": not retired, "reinstate": retired,
            "delete": retired or instance_total == 0}


async def create_agent():
    body = request_body(request)
    store = mock().store
    details, key = body["details"], body.get("idempotency_key")
    if key is not None and key in store.idempotency_keys:
        earlier_request, agent_id = store.idempotency_keys[key]
        if earlier_request != body:
            raise prefactor_error(409, "This idempotency key was already used with a different request body.",
                                  "idempotency_key_reused")
        return json_response({"status": "success", "details": store.agents[agent_id].details}, status=200)
    if "id" in details and details["id"] in store.agents:
        raise prefactor_error(409, "An agent with this id already exists.", "already_exists")
    agent_id = details.get("id") or fresh_id(store)
    now = prefactor_time(store.now())
    agent = {
        "type": "agent",
        "id": agent_id,
        "name": details["name"],
        **{field: details.get(field) for field in OPTIONAL_DETAILS},
        "status": "pending",
        "environment_id": store.environment_id,
        "current_version_id": None,
        "current_schema_version_id": None,
        "instance_counts": dict(NO_INSTANCES),
        "available_actions": available_actions("pending", 0),
        "inserted_at": now,
        "updated_at": now,
    }
    store.add_agent(agent, key, body)
    return json_response({"status": "success", "details": agent}, status=201)


def fresh_id(store) -> str:
    partition = prefactor_partition(store.partition_id)
    while (candidate := prefactor_id(partition)) in store.agents:
        pass
    return candidate
