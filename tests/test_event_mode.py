"""The mock with a real RabbitMQ (`--rabbitmq`): the real waldur-site-agent 1.0.7 in its
`event_process` mode, unchanged, gets an order as a message and takes it to done with no
polling cycle; what the mock publishes is what the agent's own code routes, and it reaches the
consumer queue; a broker that stops mid-run shows every agent disconnected in connection stats (as
Waldur's view does) and loses no write, and is used again once it is back, without restarting the
mock.

Needs RabbitMQ with the management and Web-STOMP plugins on this machine (tests/broker.py):
skipped locally without one, failed under CI. All tests here share the one broker (one of them
stops it), hence one xdist group.
"""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pika
import pytest
from starlette.testclient import TestClient

from broker import AMQP_URL, MANAGEMENT_URL, WEB_STOMP_PATH, WEB_STOMP_PORT, rabbitmqctl, require_rabbitmq, wait_for
from real_agent import OFFERING_UUID, OWNER_TOKEN, admin, agent_home, api, start_mock

pytestmark = pytest.mark.xdist_group("rabbitmq")

STAFF_TOKEN = "waldur-staff"
BUILT_IN_RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"  # genome-allocation, on offering HPC cluster
OWNER = {"headers": {"Authorization": f"Token {OWNER_TOKEN}"}}
STOMP_SETTINGS = f"""\
  stomp_enabled: true
  stomp_ws_host: 127.0.0.1
  stomp_ws_port: {WEB_STOMP_PORT}
  stomp_ws_path: {WEB_STOMP_PATH}
  websocket_use_tls: false
"""


@pytest.fixture(autouse=True)
def rabbitmq():
    require_rabbitmq()


def post_json(base_url: str, path: str, body: dict, token: str | None = None) -> tuple[int, object]:
    import urllib.error
    import urllib.request
    headers = {"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})}
    request = urllib.request.Request(f"{base_url}{path}", data=json.dumps(body).encode(), headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def agent_of_offering(stats: dict) -> dict | None:
    """The agent identity the real agent registers for the offering (`agent-<offering uuid>`)."""
    return next((agent for agent in stats["agents"] if agent["name"] == f"agent-{OFFERING_UUID}"), None)


def consumer_queue(agent: dict | None) -> dict | None:
    return next((queue for queue in (agent or {}).get("queues", []) if queue["kind"] == "consumer"), None)


def connected(base_url: str) -> dict | None:
    """The agent's consumer queue when it has a consumer (Waldur's view: the agent is connected)."""
    stats = api(base_url, "/api/marketplace-site-agent-connection-stats/", token=STAFF_TOKEN)
    queue = consumer_queue(agent_of_offering(stats))
    return queue if queue and queue["consumers"] >= 1 and stats["summary"]["connected_agents"] >= 1 else None


def disconnected(base_url: str) -> bool:
    stats = api(base_url, "/api/marketplace-site-agent-connection-stats/", token=STAFF_TOKEN)
    queue = consumer_queue(agent_of_offering(stats))
    return queue is not None and queue["consumers"] == 0 and stats["summary"]["connected_agents"] == 0


def test_the_real_agent_in_event_mode_takes_an_order_published_to_its_queue_to_done(tmp_path):
    with start_mock("--rabbitmq", AMQP_URL, "--rabbitmq-management", MANAGEMENT_URL, "--validate-responses") as base_url:
        home = agent_home(tmp_path, base_url)
        config = home / "agent-config.yaml"
        config.write_text(config.read_text().replace("  backend_settings: {}\n", STOMP_SETTINGS + "  backend_settings: {}\n"))
        log_path = home / "agent.log"
        # event_process also reconciles orders by polling: at its first tick, then every 60 minutes.
        # A period longer than the epoch's age turns that off, so only a message can reach the order.
        environment = {"PYTHONPATH": str(home), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                       "HOME": str(home), "WALDUR_SITE_AGENT_HEARTBEAT_FILE": str(home / "heartbeat"),
                       "WALDUR_SITE_AGENT_RECONCILIATION_PERIOD_MINUTES": str(10 ** 9)}
        with open(log_path, "w") as log:
            agent = subprocess.Popen([str(Path(sys.executable).parent / "waldur_site_agent"), "-m", "event_process",
                                      "-c", str(config)], stdout=log, stderr=subprocess.STDOUT, env=environment,
                                     cwd=home)
        try:
            def agent_output() -> str:
                return log_path.read_text()[-4000:]
            try:
                wait_for(lambda: connected(base_url), "connection stats to show the agent's queue consumed", 90)
            except AssertionError as error:
                raise AssertionError(f"{error}\nagent output:\n{agent_output()}") from None

            before = {entry["id"] for entry in admin(base_url, "requests")}
            started = time.perf_counter()
            status, order = post_json(base_url, "/__admin/orders", {"resource": BUILT_IN_RESOURCE, "type": "Update",
                                                                     "limits": {"cpu": 7}})
            assert status == 201, order
            try:
                wait_for(lambda: api(base_url, f"/api/marketplace-orders/{order['uuid']}/")["state"] == "done",
                         f"order {order['uuid']} to be done by the agent", 60, interval=0.05)
            except AssertionError as error:
                raise AssertionError(f"{error}\nagent output:\n{agent_output()}") from None
            seconds = time.perf_counter() - started
            print(f"\nPOST /__admin/orders -> order done in event mode: {seconds:.2f} s")

            published = [event for event in admin(base_url, "events") if event["payload"]["order_uuid"] == order["uuid"]]
            assert published and published[0]["published"] is True, published
            assert published[0]["payload"]["object_type"] == "order"
            calls = [entry["operation_id"] for entry in admin(base_url, "requests") if entry["id"] not in before]
            assert "marketplace_orders_retrieve" in calls, calls  # the handler fetched the order it was told about
            assert "marketplace_orders_list" not in calls, f"the agent polled the orders: {calls}"
            assert "marketplace_orders_set_state_done" in calls
        finally:
            agent.send_signal(signal.SIGTERM)
            try:
                agent.wait(30)
            except subprocess.TimeoutExpired:
                agent.kill()
        wait_for(lambda: disconnected(base_url), "connection stats to show the agent disconnected", 60)


# --- the messages themselves, and a broker that goes away ---------------------------------------

@pytest.fixture
def client_with_broker():
    from agent_api_mock.app import create_app
    from agent_api_mock.broker import Broker
    with TestClient(create_app(broker=Broker(AMQP_URL, MANAGEMENT_URL), validate_responses=True)) as client:
        yield client


def register(client):
    identity = client.get("/api/marketplace-site-agent-identities/", params={"offering_uuid": OFFERING_UUID},
                          **OWNER).json()[0]
    return client.post(f"/api/marketplace-site-agent-identities/{identity['uuid']}/register_queue/", json={}, **OWNER)


def registered_queue(client) -> dict:
    answer = register(client)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def take_message(queue: dict) -> dict | None:
    """One message from the queue, read as the agent's RabbitMQ user (its password is the token)."""
    parameters = pika.URLParameters(f"amqp://{queue['rmq_username']}:{OWNER_TOKEN}@127.0.0.1:5672/{queue['vhost']}")
    connection = pika.BlockingConnection(parameters)
    try:
        _, _, body = connection.channel().basic_get(queue["queue_name"], auto_ack=True)
        return json.loads(body) if body else None
    finally:
        connection.close()


def test_an_order_event_reaches_the_consumer_queue_and_the_agent_routes_it_to_its_order_handler(client_with_broker):
    import stomp.utils
    from waldur_api_client.models import ObservableObjectTypeEnum
    from waldur_site_agent.event_processing import event_subscription_manager as agent_routing

    client = client_with_broker
    queue = registered_queue(client)
    while take_message(queue):  # what earlier tests left
        pass
    answer = client.post("/__admin/orders", json={"resource": BUILT_IN_RESOURCE, "type": "Update"})
    assert answer.status_code == 201, answer.text
    message = wait_for(lambda: take_message(queue), f"a message on {queue['queue_name']}", 10)
    logged = client.get("/__admin/events").json()[-1]
    assert message == logged["payload"] and logged["published"] is True
    assert message["order_uuid"] == answer.json()["uuid"] and message["order_state"] == "pending-provider"

    routed = []
    original = dict(agent_routing.OBJECT_TYPE_TO_HANDLER_STOMP)
    agent_routing.OBJECT_TYPE_TO_HANDLER_STOMP.update(
        {kind: (lambda frame, *_, kind=kind: routed.append((kind, json.loads(frame.body)))) for kind in original})
    try:
        agent_routing.route_message(stomp.utils.Frame("MESSAGE", {}, json.dumps(message)), None, "test")
    finally:
        agent_routing.OBJECT_TYPE_TO_HANDLER_STOMP.update(original)
    assert routed == [(ObservableObjectTypeEnum.ORDER, message)]


def consumer_queues(client, staff) -> list[str]:
    stats = client.get("/api/marketplace-site-agent-connection-stats/", **staff)
    assert stats.status_code == 200, stats.text
    return [queue["name"] for agent in stats.json()["agents"] for queue in agent["queues"] if queue["kind"] == "consumer"]


def test_a_broker_stopped_mid_run_shows_agents_disconnected_keeps_every_write_and_is_used_again(client_with_broker):
    """Waldur's AgentConnectionStatsViewSet.get logs a broker it cannot read and answers 200 with
    no connections and no queues (its schema documents a 503 it never answers: docs/sources.md)."""
    client = client_with_broker
    staff = {"headers": {"Authorization": f"Token {STAFF_TOKEN}"}}
    queue = registered_queue(client)
    assert queue["queue_name"] in consumer_queues(client, staff)
    rabbitmqctl("stop_app")
    try:
        stats = client.get("/api/marketplace-site-agent-connection-stats/", **staff)
        assert stats.status_code == 200, stats.text
        body = stats.json()
        assert body["summary"]["connected_agents"] == 0 and body["summary"]["total_queued_messages"] == 0
        assert body["agents"] and all(agent["queues"] == [] for agent in body["agents"])
        assert any(agent["event_consumer_uuid"] for agent in body["agents"]), "the registered agent is still listed"
        answer = client.post("/__admin/orders", json={"resource": BUILT_IN_RESOURCE, "type": "Update"})
        assert answer.status_code == 201, answer.text
        order = answer.json()["uuid"]
        assert client.get(f"/api/marketplace-orders/{order}/", **OWNER).json()["state"] == "pending-provider"
        assert client.post(f"/api/marketplace-orders/{order}/approve_by_provider/", **OWNER).status_code == 200
        unpublished = [e for e in client.get("/__admin/events").json() if e["payload"]["order_uuid"] == order]
        assert unpublished and all(e["published"] is False and e["error"] for e in unpublished), unpublished
        refused = register(client)  # provision_consumer_queue's ValidationError
        assert refused.status_code == 400 and isinstance(refused.json(), list), refused.text
    finally:
        rabbitmqctl("start_app")
    wait_for(lambda: consumer_queues(client, staff), "connection stats to read the broker's queues again", 60,
             interval=0.5)
    queue = registered_queue(client)  # provisioned again after the failed registration
    while take_message(queue):
        pass
    answer = client.post("/__admin/orders", json={"resource": BUILT_IN_RESOURCE, "type": "Update"})
    assert client.get("/__admin/events").json()[-1]["published"] is True
    message = wait_for(lambda: take_message(queue), "the message published after the restart", 10)
    assert message["order_uuid"] == answer.json()["uuid"]



def test_a_legacy_subscriptions_connection_shows_its_peer_host_state_and_bytes(client_with_broker):
    """Waldur's view: a legacy event subscription's `rmq_connection` is the first connection of
    the RabbitMQ user named after the subscription (peer host, connected_at, state, bytes)."""
    from agent_api_mock.broker import Broker
    client = client_with_broker
    staff = {"headers": {"Authorization": f"Token {STAFF_TOKEN}"}}
    subscription = "56f196a8d2595884a61bb429ea7fd8f6"  # the built-in subscription of agent hpc-site-agent
    broker = Broker(AMQP_URL, MANAGEMENT_URL)
    broker.create_user(subscription, "secret")
    broker.assign_permissions(subscription, "/")

    def rmq_connection() -> dict:
        stats = client.get("/api/marketplace-site-agent-connection-stats/", **staff).json()
        return next(s["rmq_connection"] for agent in stats["agents"] for s in agent["event_subscriptions"]
                    if s["uuid"] == subscription)

    connection = pika.BlockingConnection(pika.URLParameters(f"amqp://{subscription}:secret@127.0.0.1:5672/%2F"))
    try:
        shown = wait_for(lambda: (lambda c: c if c["connected"] and c["recv_oct"] else None)(rmq_connection()),
                         "the subscription's connection with its byte counts", 30, interval=0.5)
        assert shown["source_ip"] == "127.0.0.1" and shown["state"] == "running", shown
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", shown["connected_at"]), shown
        assert isinstance(shown["send_oct"], int)
    finally:
        connection.close()
        broker.delete_user(subscription)
    wait_for(lambda: rmq_connection() == {"connected": False, "source_ip": None, "connected_at": None, "state": None,
                                          "recv_oct": None, "send_oct": None},
             "the subscription shown disconnected", 30, interval=0.5)
