"""register_queue and the events writes publish, without a broker (the default): the queue is
registered as Waldur answers it, and every event Waldur would publish is kept under
/__admin/events (tests/test_event_mode.py does the same against a real RabbitMQ)."""
from __future__ import annotations

import re

import pytest

from agent_api_mock.events import OBJECT_TYPES, Consumer, Events

OWNER = {"Authorization": "Token waldur-owner"}
STAFF = {"Authorization": "Token waldur-staff"}
SUPPORT = {"Authorization": "Token waldur-support"}
OFFERING = "fce5a890b4e15e57980a83931fcee79c"  # HPC cluster (Marketplace.Basic)
RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"  # genome-allocation, on HPC cluster


@pytest.fixture
def identity(client) -> str:
    return client.get("/api/marketplace-site-agent-identities/", params={"offering_uuid": OFFERING},
                      headers=OWNER).json()[0]["uuid"]


def register(client, identity: str, body: dict | None = None, headers=OWNER):
    return client.post(f"/api/marketplace-site-agent-identities/{identity}/register_queue/", json=body or {},
                       headers=headers)


def events(client) -> list[dict]:
    return client.get("/__admin/events").json()


def test_a_first_registration_provisions_a_consumer_queue_in_the_callers_vhost(client, identity):
    answer = register(client, identity)
    assert answer.status_code == 201
    body = answer.json()
    assert re.fullmatch(r"consumer_[0-9a-f]{32}", body["queue_name"])
    assert re.fullmatch(r"[0-9a-f]{32}", body["rmq_username"])
    assert body["vhost"] == client.get("/api/users/me/", headers=OWNER).json()["uuid"]
    assert sorted(body["observable_object_types"]) == sorted(OBJECT_TYPES)


def test_a_second_registration_answers_the_same_queue_with_200(client, identity):
    first = register(client, identity).json()
    again = register(client, identity)
    assert again.status_code == 200 and again.json() == first


def test_object_types_narrow_the_queue_and_an_unknown_one_is_a_400(client, identity):
    assert register(client, identity, {"object_types": ["order"]}).json()["observable_object_types"] == ["order"]
    assert register(client, identity).json()["observable_object_types"] == ["order"]  # omitted: kept
    refused = register(client, identity, {"object_types": ["order", "bogus"]})
    assert refused.status_code == 400 and "object_types" in refused.json()


def test_another_user_cannot_take_over_a_registered_queue(client, identity):
    register(client, identity)
    taken = register(client, identity, headers=STAFF)
    assert taken.status_code == 409 and "already registered by user alpha-owner" in taken.json()["detail"]


def test_support_cannot_register_a_queue(client, identity):
    assert register(client, identity, headers=SUPPORT).status_code == 403


def test_an_order_added_for_a_registered_offering_is_kept_as_the_event_waldur_publishes(client, identity):
    queue = register(client, identity).json()
    order = client.post("/__admin/orders", json={"resource": RESOURCE, "type": "Update", "limits": {"cpu": 2}}).json()
    [event] = events(client)
    assert (event["queue"], event["vhost"], event["object_type"], event["published"]) == \
        (queue["queue_name"], queue["vhost"], "order", None)
    payload = event["payload"]
    assert {key: payload[key] for key in ("order_uuid", "order_state", "object_type", "order_type", "resource_uuid",
                                          "limits")} == \
        {"order_uuid": order["uuid"], "order_state": "pending-provider", "object_type": "order",
         "order_type": "Update", "resource_uuid": RESOURCE, "limits": {"cpu": 2}}


def test_nothing_is_published_for_an_offering_without_a_registered_queue(client):
    client.post("/__admin/orders", json={"resource": RESOURCE, "type": "Update"})
    assert events(client) == []


def test_a_queue_narrowed_to_other_types_gets_no_order_event(client, identity):
    register(client, identity, {"object_types": ["resource"]})
    client.post("/__admin/orders", json={"resource": RESOURCE, "type": "Update"})
    assert events(client) == []


def test_an_order_leaving_pending_publishes_nothing_on_a_basic_offering(client, identity):
    """send_done_order_to_message_queue publishes `done` on site-agent offerings (Marketplace.Slurm) only."""
    register(client, identity)
    order = client.post("/__admin/orders", json={"resource": RESOURCE, "type": "Update"}).json()
    assert client.post(f"/api/marketplace-orders/{order['uuid']}/approve_by_provider/", headers=OWNER).status_code == 200
    assert client.post(f"/api/marketplace-orders/{order['uuid']}/set_state_done/", headers=OWNER).status_code == 200
    assert [event["payload"]["order_state"] for event in events(client)] == ["pending-provider"]


def test_a_done_order_is_published_on_a_site_agent_offering(client, identity):
    state = client.get("/__admin/state").json()
    for offering in state["offerings"]:
        if offering["uuid"] == OFFERING:
            offering["type"] = "Marketplace.Slurm"
    assert client.put("/__admin/state", json=state).status_code == 200
    register(client, identity)
    order = client.post("/__admin/orders", json={"resource": RESOURCE, "type": "Update"}).json()
    client.post(f"/api/marketplace-orders/{order['uuid']}/approve_by_provider/", headers=OWNER)
    client.post(f"/api/marketplace-orders/{order['uuid']}/set_state_done/", headers=OWNER)
    assert [event["payload"]["order_state"] for event in events(client)] == ["pending-provider", "done"]


def test_reset_forgets_the_queues_and_the_events(client, identity):
    register(client, identity)
    client.post("/__admin/orders", json={"resource": RESOURCE, "type": "Update"})
    client.post("/__admin/reset")
    assert events(client) == []
    assert register(client, identity).status_code == 201


def test_connection_stats_show_the_event_consumer_of_a_registered_agent(client, identity):
    register(client, identity)
    stats = client.get("/api/marketplace-site-agent-connection-stats/", headers=STAFF).json()
    agent = next(agent for agent in stats["agents"] if agent["uuid"] == identity)
    assert (agent["user_username"], agent["user_is_staff"]) == ("alpha-owner", False)
    assert re.fullmatch(r"[0-9a-f]{32}", agent["event_consumer_uuid"])
    others = [agent for agent in stats["agents"] if agent["uuid"] != identity]
    assert all(agent["event_consumer_uuid"] is None for agent in others)


def test_the_event_log_keeps_the_newest_events_only():
    log = Events(size=2)
    log.consumers["i"] = Consumer("c" * 32, "i", "o", "u" * 32, "owner", False, rmq_username="r", queue_created=True)
    for number in range(3):
        log.publish("o", "order", {"order_uuid": str(number)})
    assert [entry["payload"]["order_uuid"] for entry in log.entries()] == ["1", "2"]


@pytest.mark.parametrize(("arguments", "message"), [
    (["--rabbitmq", "http://127.0.0.1:5672/"], "expected amqp://USER:PASS@HOST:PORT/"),
    (["--rabbitmq-management", "http://127.0.0.1:15672"], "--rabbitmq-management needs --rabbitmq"),
])
def test_the_command_refuses_a_broker_option_it_cannot_use(arguments, message):
    from agent_api_mock.cli import main
    with pytest.raises(SystemExit) as stopped:
        main(["--port", "0", *arguments])
    assert message in str(stopped.value.code)
