"""Agent connection stats and agent task stats: staff and support only, built from the state.

Entities: the identities' event subscriptions (with their RabbitMQ connection) and queues, and
the task counts; clients cannot write them, the data sets them.
"""
from __future__ import annotations

from connexion import request

from agent_api_mock.auth import current_user
from agent_api_mock.broker_stats import BrokerView
from agent_api_mock.errors import waldur_detail
from agent_api_mock.resources.family import Family, Part, free_json, moment, uuid_of
from agent_api_mock.resources.services import PERMISSION_DENIED
from agent_api_mock.responses import json_response, mock

# Fields newer servers add to each agent (waldur-api-client 8.x requires them): null for an agent
# without an event consumer (one that never called register_queue), as the view leaves them.
CONSUMER_FIELDS = ("event_consumer_uuid", "user_uuid", "user_username", "user_full_name", "user_is_staff",
                   "auth_kind", "auth_token_prefix", "auth_token_name", "authorized_via", "delivery_blocked_reason")


# --- entities ----------------------------------------------------------------------------------

def parse_subscription(item: dict, state: dict) -> dict:
    return {"uuid": uuid_of(item["uuid"], "event subscription"), "identity": uuid_of(item["identity"], "subscription identity"),
            "created": moment(item["created"]), "observable_objects": free_json(item.get("observable_objects", [])),
            "rmq_connection": free_json(item.get("rmq_connection"))}


def parse_queues(value: list | None, state: dict) -> dict:
    return {"queues": [
        {"name": str(q["name"]), "identity": uuid_of(q["identity"], "queue identity"), "messages": int(q["messages"]),
         "consumers": int(q["consumers"]), "object_type": q.get("object_type"), "kind": q.get("kind", "legacy")}
        for q in value or []]}


def parse_tasks(value: dict | None, state: dict) -> dict:
    tasks = value or {}
    return {"tasks": {**{kind: free_json(list(tasks.get(kind, []))) for kind in ("active", "scheduled", "reserved")},
                      **({"error": str(tasks["error"])} if tasks.get("error") else {})}}


FAMILIES = (Family("event_subscriptions", parse_subscription),
            Part("queues", parse_queues, lambda store: store.queues),
            Part("tasks", parse_tasks, lambda store: store.tasks))


# --- handlers ----------------------------------------------------------------------------------

def require_support() -> None:
    if not current_user(request).sees_everything:
        raise waldur_detail(403, PERMISSION_DENIED)


def consumer_fields(consumer) -> dict:
    """The EventConsumer half of an agent (views.py CONSUMER_INFO_FIELDS); the mock records no
    token attribution, so auth_*, authorized_via and delivery_blocked_reason stay null."""
    fields = dict.fromkeys(CONSUMER_FIELDS)
    if consumer is not None:
        fields.update(event_consumer_uuid=consumer.uuid, user_uuid=consumer.user_uuid,
                      user_username=consumer.user_username, user_full_name="", user_is_staff=consumer.user_is_staff)
    return fields


async def marketplace_site_agent_connection_stats_retrieve():
    """From the data; with a broker (--rabbitmq), connections and queues as the broker has them
    (broker_stats.py): none, and every agent disconnected, when it cannot be read."""
    require_support()
    store, events = mock().store, mock().events
    broker_view = BrokerView(events.broker) if events.broker is not None else None
    agents = []
    for identity in store.identities.values():
        offering = store.offerings[identity["offering"]]
        consumer = events.consumers.get(identity["uuid"])
        subscriptions = [s for s in store.event_subscriptions.values() if s["identity"] == identity["uuid"]]
        if broker_view is None:
            queues = [{key: queue[key] for key in ("name", "messages", "consumers", "object_type", "kind")}
                      for queue in store.queues if queue["identity"] == identity["uuid"]]
            rmq_connections = [s["rmq_connection"] for s in subscriptions]
        else:
            queues = list(broker_view.legacy_queues.get(offering["uuid"], []))
            if consumer is not None and consumer.uuid in broker_view.consumer_queues:
                queues.append(broker_view.consumer_queues[consumer.uuid])
            rmq_connections = [broker_view.rmq_connection(s["uuid"]) for s in subscriptions]
        agent_connected = any((c or {}).get("connected") for c in rmq_connections) or any(
            q["kind"] == "consumer" and q["consumers"] >= 1 for q in queues)
        agents.append({
            "uuid": identity["uuid"],
            "name": identity["name"],
            "offering_uuid": offering["uuid"],
            "offering_name": offering["name"],
            "version": identity["version"],
            "last_restarted": identity["last_restarted"],
            **consumer_fields(consumer),
            "services": [
                {"uuid": s["uuid"], "name": s["name"], "state": s["state"], "modified": s["modified"]}
                for s in store.services_by_identity.get(identity["uuid"], ())
            ],
            "event_subscriptions": [
                {"uuid": s["uuid"], "created": s["created"], "observable_objects": s["observable_objects"],
                 "rmq_connection": connection}
                for s, connection in zip(subscriptions, rmq_connections)
            ],
            "queues": queues,
            "_connected": agent_connected,
        })
    connected_count = sum(agent.pop("_connected") for agent in agents)
    return json_response({
        "agents": agents,
        "summary": {
            "total_agents": len(agents),
            "connected_agents": connected_count,
            "disconnected_agents": len(agents) - connected_count,
            "total_queued_messages": sum(queue["messages"] for agent in agents for queue in agent["queues"]),
        },
    })


async def marketplace_site_agent_task_stats_retrieve():
    require_support()
    tasks = mock().store.tasks
    body = {"active_tasks": tasks["active"], "scheduled_tasks": tasks["scheduled"], "reserved_tasks": tasks["reserved"]}
    if tasks.get("error"):
        body["error"] = tasks["error"]
    return json_response(body)
