"""What the connection stats read from a real broker, as the newest AgentConnectionStatsViewSet.get
(waldur-mastermind marketplace_site_agent/views.py) reads it:

- each RabbitMQ user's connections (get_user_connections_enriched): a legacy event subscription's
  `rmq_connection` is its first connection (`connected`, `source_ip` = the peer host,
  `connected_at`, `state`, `recv_oct`, `send_oct`), or all null with `connected: false`;
- the subscription queues (list_all_subscription_queues): `subscription_<s>_offering_<o>_<type>`
  queues belong to the agents of offering `o` (kind `legacy`), a `consumer_<uuid>` queue to the
  agent whose event consumer it is (kind `consumer`, object_type null);
- an agent with a consumer queue that has at least one consumer counts as connected.

A broker that cannot be read is no error, as in the view: what could not be read is logged and
counts as nothing (no connections: every agent disconnected; no queues), and the answer is a 200.
The published schema and page document a 503 "RabbitMQ unavailable", which the view's code never
answers (docs/sources.md).
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timezone

import logging

from agent_api_mock.broker import Broker, BrokerUnavailable

LEGACY_QUEUE = re.compile(r"^subscription_([a-f0-9]+)_offering_([a-f0-9]+)_(\w+)$")  # parse_subscription_queue_name
CONSUMER_QUEUE = re.compile(r"^consumer_([a-f0-9]{32})$")  # parse_consumer_queue_name
log = logging.getLogger("mockserver")
DISCONNECTED = {"connected": False, "source_ip": None, "connected_at": None, "state": None,
                "recv_oct": None, "send_oct": None}


class BrokerView:
    """One reading of the broker: connections by user, queues by offering and by consumer."""

    def __init__(self, broker: Broker):
        self.connections_by_user = defaultdict(list)
        for connection in read(broker.connections, "connections"):
            self.connections_by_user[connection.get("user")].append(connection)
        self.legacy_queues = defaultdict(list)
        self.consumer_queues = {}
        for queue in read(broker.queues, "queues"):
            name = queue["name"]
            counts = {"messages": queue.get("messages", 0) or 0, "consumers": queue.get("consumers", 0) or 0}
            legacy = LEGACY_QUEUE.match(name)
            if legacy:
                self.legacy_queues[legacy.group(2)].append(
                    {"name": name, **counts, "object_type": legacy.group(3), "kind": "legacy"})
            consumer = CONSUMER_QUEUE.match(name)
            if consumer:
                self.consumer_queues[consumer.group(1)] = {"name": name, **counts, "object_type": None,
                                                           "kind": "consumer"}

    def rmq_connection(self, rmq_username: str) -> dict:
        connections = self.connections_by_user.get(rmq_username)
        if not connections:
            return dict(DISCONNECTED)
        first = connections[0]
        return {"connected": True, "source_ip": first.get("peer_host"),
                "connected_at": connected_at(first.get("connected_at")), "state": first.get("state"),
                "recv_oct": first.get("recv_oct"), "send_oct": first.get("send_oct")}


def read(what, name: str) -> list:
    """The broker's list, or none when it cannot be read (the view: "Failed to get RMQ users",
    "Failed to get RMQ queues", logged at warning)."""
    try:
        return what()
    except BrokerUnavailable as error:
        log.warning("Failed to get RMQ %s: %s", name, error)
        return []


def connected_at(milliseconds) -> str | None:
    """RabbitMQ gives milliseconds since the epoch; Waldur's serializer a DateTimeField."""
    if milliseconds is None:
        return None
    moment = datetime.fromtimestamp(milliseconds / 1000, tz=timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")
