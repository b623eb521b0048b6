"""Prefactor: create an agent (with caller-chosen ids and idempotency keys).

Entities: the agents (kept as the details the API answers), the idempotency keys (the request
that used a key, and the agent it created), and the `prefactor` part of the data: the tokens
that authenticate, and the partition and environment new agents get.
"""
from __future__ import annotations

import copy

from agent_api_mock.errors import prefactor_error
from agent_api_mock.resources.family import Family, Part, free_json
from agent_api_mock.responses import json_response, mock
from agent_api_mock.validation import request_body
from agent_api_mock.wire import prefactor_id, prefactor_partition, prefactor_time

OPTIONAL_DETAILS = ("description", "external_identifier", "owner_person_id", "risk_profile_id", "team_id")
NO_INSTANCES = {"total": 0, "pending": 0, "active": 0, "complete": 0, "failed": 0, "cancelled": 0, "terminated": 0,
                "finished": 0}


# --- entities ----------------------------------------------------------------------------------

def parse_settings(value: dict | None, state: dict) -> dict:
    value = value or {}
    return {"prefactor_tokens": frozenset(str(token) for token in value.get("tokens", [])),
            "partition_id": str(value.get("partition_id", "013xrzp12g3nqk8nx0y2vfkg4s3jp2qr")),
            "environment_id": str(value.get("environment_id", "013xrzp12g3nqk8nzxvq7jm2arsfg5h1"))}


def dump_settings(store) -> dict:
    return {"tokens": sorted(store.prefactor_tokens), "partition_id": store.partition_id,
            "environment_id": store.environment_id}


def parse_agent(item: dict, state: dict) -> dict:
    return free_json(item)


def parse_idempotency_key(item: dict, state: dict) -> dict:
    return {"key": str(item["key"]), "request": free_json(item["request"]), "agent": str(item["agent"])}


FAMILIES = (Part("prefactor", parse_settings, dump_settings),
            Family("agents", parse_agent, key="id", row="agent"),
            Family("idempotency_keys", parse_idempotency_key, key="key", row="idempotency_key"))


# --- handlers ----------------------------------------------------------------------------------

def available_actions(status: str, instance_total: int) -> dict:
    """What an agent in `status` may do; only a retired agent can be reinstated."""
    retired = status == "retired"
    return {"update": not retired, "retire": not retired, "reinstate": retired,
            "delete": retired or instance_total == 0}


async def create_agent():
    body = request_body()
    store = mock().store
    details, key = body["details"], body.get("idempotency_key")
    if key is not None and key in store.idempotency_keys:
        earlier = store.idempotency_keys[key]
        if earlier["request"] != body:
            raise prefactor_error(409, "This idempotency key was already used with a different request body.",
                                  "idempotency_key_reused")
        return json_response({"status": "success", "details": store.agents[earlier["agent"]]}, status=200)
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
    used = () if key is None else (("idempotency_keys", {"key": key, "request": copy.deepcopy(body), "agent": agent_id}),)
    store.put(("agents", agent), *used)
    return json_response({"status": "success", "details": agent}, status=201)


def fresh_id(store) -> str:
    partition = prefactor_partition(store.partition_id)
    while (candidate := prefactor_id(partition)) in store.agents:
        pass
    return candidate
