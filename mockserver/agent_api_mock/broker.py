"""A real RabbitMQ, as Waldur uses it: its HTTP management API to provision and to read
connections and queues, and AMQP (pika) to publish.

Each call mirrors one method of Waldur's `waldur_core/logging/backend.py`
RabbitMQManagementBackend (create_rabbitmq_virtual_host, create_rabbitmq_user,
assign_rabbitmq_vhost_permissions, create_queue, get_user, list_rabbitmq_vhost_permissions,
get_user_connections_enriched, list_all_subscription_queues) and Waldur's
`waldur_core/logging/utils.py` publish_stomp_messages (one connection per message, sent to the
pre-declared queue `/amq/queue/<name>` of the consumer's vhost: with AMQP, the default exchange
with the queue's name as routing key). Every failure to reach the broker is a BrokerUnavailable.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import quote, unquote, urlsplit

import httpx
import pika

log = logging.getLogger("mockserver")

# waldur_core/logging/backend.py SUBSCRIPTION_QUEUE_ARGUMENTS: every consumer queue has them, and a
# queue declared with other arguments would refuse a publish that expects these.
SUBSCRIPTION_QUEUE_ARGUMENTS = {
    "x-message-ttl": 60 * 60 * 1000,
    "x-max-length": 10000,
    "x-overflow": "reject-publish-dlx",
    "x-dead-letter-exchange": "",
    "x-dead-letter-routing-key": "waldur.dlq.messages",
}
TIMEOUT = 3.0  # seconds; a local broker answers in milliseconds, a stopped one at once


class BrokerUnavailable(Exception):
    """The broker could not be reached or refused the call."""


class Broker:
    """`amqp_url`: amqp://USER:PASS@HOST:PORT/ (an administrator: it creates vhosts and users);
    `management_url`: the management API's root, by default http://HOST:15672."""

    def __init__(self, amqp_url: str, management_url: str | None = None):
        parts = urlsplit(amqp_url)
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
            raise ValueError(f"--rabbitmq: expected amqp://USER:PASS@HOST:PORT/, got {amqp_url!r}")
        self.host, self.port = parts.hostname, parts.port or 5672
        self.user, self.password = unquote(parts.username or "guest"), unquote(parts.password or "guest")
        self.management_url = (management_url or f"http://{self.host}:15672").rstrip("/")
        self.http = httpx.Client(base_url=f"{self.management_url}/api", auth=(self.user, self.password),
                                 timeout=TIMEOUT)

    def describe(self) -> str:
        return f"amqp://{self.user}@{self.host}:{self.port}/ (management {self.management_url})"

    # --- the management API ---------------------------------------------------------------

    def _call(self, method: str, path: str, body: object = None) -> httpx.Response:
        try:
            answer = self.http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise BrokerUnavailable(f"RabbitMQ management API unreachable: {error}") from error
        if answer.status_code >= 500 or answer.status_code in (401, 403):
            raise BrokerUnavailable(f"RabbitMQ management API: {method} {path} -> {answer.status_code}")
        return answer

    def _ok(self, method: str, path: str, body: object = None) -> None:
        answer = self._call(method, path, body)
        if answer.status_code not in (200, 201, 204):
            raise BrokerUnavailable(f"RabbitMQ refused {method} {path}: {answer.status_code} {answer.text[:200]}")

    def create_vhost(self, vhost: str) -> None:
        self._ok("PUT", f"/vhosts/{quote(vhost, safe='')}")

    def create_user(self, username: str, password: str) -> None:
        """PUT /api/users/{name} is an upsert: Waldur's register_queue calls it again to refresh the password."""
        self._ok("PUT", f"/users/{quote(username, safe='')}", {"password": password, "tags": ""})

    def delete_user(self, username: str) -> None:
        answer = self._call("DELETE", f"/users/{quote(username, safe='')}")
        if answer.status_code not in (204, 404):
            raise BrokerUnavailable(f"RabbitMQ refused deleting user {username}: {answer.status_code}")

    def assign_permissions(self, username: str, vhost: str) -> None:
        # waldur_core/logging/utils.py provision_consumer_queue: configure, write and read ".*".
        self._ok("PUT", f"/permissions/{quote(vhost, safe='')}/{quote(username, safe='')}",
                 {"configure": ".*", "write": ".*", "read": ".*"})

    def create_queue(self, vhost: str, name: str) -> None:
        self._ok("PUT", f"/queues/{quote(vhost, safe='')}/{quote(name, safe='')}",
                 {"durable": True, "auto_delete": False, "arguments": SUBSCRIPTION_QUEUE_ARGUMENTS})

    def user_exists(self, username: str) -> bool:
        return self._call("GET", f"/users/{quote(username, safe='')}").status_code == 200

    def vhost_users(self, vhost: str) -> list[str]:
        answer = self._call("GET", f"/vhosts/{quote(vhost, safe='')}/permissions")
        return [item["user"] for item in answer.json()] if answer.status_code == 200 else []

    def connections(self) -> list[dict]:
        """Every connection with its details: RabbitMQ 3.10's /api/connections/username/{user}
        gives only name, vhost, user and node, so Waldur's get_user_connections_enriched reads these."""
        return self._call("GET", "/connections").json()

    def queues(self) -> list[dict]:
        return self._call("GET", "/queues").json()

    # --- publishing -----------------------------------------------------------------------

    def publish(self, vhost: str, queue: str, payload: dict, message_id: str) -> None:
        """One message to the pre-declared queue `queue` of `vhost`, persistent JSON, as
        publish_stomp_messages sends it (headers persistent, content-type, x-message-id)."""
        parameters = pika.ConnectionParameters(
            host=self.host, port=self.port, virtual_host=vhost,
            credentials=pika.PlainCredentials(self.user, self.password),
            socket_timeout=TIMEOUT, blocked_connection_timeout=TIMEOUT, connection_attempts=1,
            stack_timeout=TIMEOUT)
        try:
            connection = pika.BlockingConnection(parameters)
            try:
                channel = connection.channel()
                channel.confirm_delivery()
                channel.basic_publish(
                    exchange="", routing_key=queue, body=json.dumps(payload).encode(), mandatory=True,
                    properties=pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                                    headers={"x-message-id": message_id}))
            finally:
                connection.close()
        except (pika.exceptions.AMQPError, OSError) as error:
            raise BrokerUnavailable(f"publishing to {vhost}/{queue} failed: {error!r}") from error
