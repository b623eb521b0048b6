"""What a write makes Waldur publish to its agents, and the event consumers it publishes to.

A site agent in event mode registers one queue (`register_queue`): Waldur keeps an
EventConsumer for the agent identity (owner, object types, RabbitMQ user, queue) and, on every
write its signal handlers watch, sends a JSON message to each consumer bound to the offering:
to the queue `consumer_<consumer uuid>` of the vhost `<owner's user uuid>`.
Sources (waldur-mastermind, newest read):
- marketplace_site_agent/views.py AgentIdentityViewSet.register_queue: the consumer, its
  fast path (200: the RabbitMQ user refreshed to the presented token) and full provision (201).
- waldur_core/logging/utils.py provision_consumer_queue (vhost, user, permissions, queue; any
  failure is a ValidationError, so a 400), publish_stomp_messages (where a message goes),
  create_message_id.
- marketplace_site_agent/handlers.py send_pending_order_to_message_queue (an order entering
  pending-provider or pending-consumer, creation included, on Basic, Script, OpenStack tenant and
  site-agent offerings) and send_done_order_to_message_queue (an order changed to done, on
  site-agent offerings only); payload `order_uuid`, `order_state`.
- marketplace_site_agent/tests/test_agent_queue.py: the unified path stamps `object_type` and
  enriches an order's payload (order_type, resource_uuid, resource_backend_id, resource_name,
  project_uuid, project_name, attributes, limits, plan_uuid when the resource has a plan);
  a consumer whose object_types exclude the event's type gets nothing.

Without a broker every event is kept in the bounded log (`GET /__admin/events`) with
`published: null`; with one, each is published and logged with `published: true`, or, when the
broker fails, logged as an error and kept with `published: false`: the write stands, as in
Waldur, where publishing is a Celery task after the write (logging_tasks.publish_messages).
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from dataclasses import dataclass, field

from agent_api_mock.broker import Broker, BrokerUnavailable
from agent_api_mock.wire import hex_uuid, utcnow, waldur_time
from agent_api_spec.operations import document

log = logging.getLogger("mockserver")

LOG_SIZE = 1000
# waldur_core/logging/enums.py ObservableObjectType, as spec/ lists it.
OBJECT_TYPES = tuple(document("waldur")["components"]["schemas"]["ObservableObjectType"]["enum"])
# marketplace/enums.py offering types named in marketplace_site_agent/handlers.py.
SITE_AGENT_OFFERING = "Marketplace.Slurm"
PENDING_ORDER_OFFERINGS = (SITE_AGENT_OFFERING, "Marketplace.Script", "OpenStack.Tenant", "Marketplace.Basic")
PENDING_STATES = ("pending-provider", "pending-consumer")


@dataclass
class Consumer:
    """Waldur's EventConsumer of one agent identity, bound to the identity's offering."""
    uuid: str
    identity: str
    offering: str
    user_uuid: str
    user_username: str
    user_is_staff: bool
    object_types: list = field(default_factory=list)  # empty: all types
    rmq_username: str = ""
    queue_created: bool = False

    @property
    def queue_name(self) -> str:
        return f"consumer_{self.uuid}"

    @property
    def vhost(self) -> str:
        return self.user_uuid

    def effective_object_types(self) -> list:
        return self.object_types or list(OBJECT_TYPES)


class RegistrationFailed(Exception):
    """provision_consumer_queue's ValidationError: the broker refused or could not be reached."""


class Events:
    """One mock's event consumers and the log of what it published (or would have)."""

    def __init__(self, broker: Broker | None = None, size: int = LOG_SIZE):
        self.broker = broker
        self.consumers: dict[str, Consumer] = {}  # by agent identity uuid
        self.log: deque = deque(maxlen=size)
        self._sequence = 0

    def clear(self) -> None:
        self.consumers.clear()
        self.log.clear()

    # --- register_queue ---------------------------------------------------------------------

    def register_queue(self, identity: dict, user, token: str, object_types: list | None) -> tuple[int, dict]:
        """(status, body) as register_queue answers; RegistrationFailed for its 400."""
        consumer = self.consumers.get(identity["uuid"])
        if consumer is None:
            consumer = Consumer(hex_uuid(), identity["uuid"], identity["offering"], user.uuid, user.username,
                                user.is_staff, list(object_types or []))
            self.consumers[identity["uuid"]] = consumer
        elif consumer.user_uuid != user.uuid:
            return 409, {"detail": f"Queue is already registered by user {consumer.user_username}; "
                                   "ask them to deregister before taking over."}
        else:
            consumer.offering = identity["offering"]
        if object_types is not None:
            consumer.object_types = list(object_types)
        if consumer.rmq_username and consumer.queue_created and self._still_provisioned(consumer, token):
            return 200, self._registration(consumer)
        self._provision(consumer, token)
        return 201, self._registration(consumer)

    def _registration(self, consumer: Consumer) -> dict:
        return {"rmq_username": consumer.rmq_username, "queue_name": consumer.queue_name, "vhost": consumer.vhost,
                "observable_object_types": consumer.effective_object_types()}

    def _still_provisioned(self, consumer: Consumer, token: str) -> bool:
        """The fast path: the RabbitMQ user still exists with access to the vhost; its password is
        refreshed to the presented token. Without a broker, what the mock provisioned stands."""
        if self.broker is None:
            return True
        try:
            if self.broker.user_exists(consumer.rmq_username) and \
                    consumer.rmq_username in self.broker.vhost_users(consumer.vhost):
                self.broker.create_user(consumer.rmq_username, token)
                return True
            self.broker.delete_user(consumer.rmq_username)
        except BrokerUnavailable as error:
            log.warning("register_queue: the broker failed while checking consumer %s: %s", consumer.uuid, error)
        consumer.rmq_username, consumer.queue_created = "", False
        return False

    def _provision(self, consumer: Consumer, token: str) -> None:
        username = hex_uuid()
        if self.broker is not None:
            try:
                self.broker.create_vhost(consumer.vhost)
                self.broker.create_user(username, token)
                self.broker.assign_permissions(username, consumer.vhost)
                self.broker.create_queue(consumer.vhost, consumer.queue_name)
            except BrokerUnavailable as error:
                log.error("register_queue: provisioning consumer %s failed: %s", consumer.uuid, error)
                try:
                    self.broker.delete_user(username)
                except BrokerUnavailable:
                    pass
                raise RegistrationFailed("Failed to provision RabbitMQ resources for the queue.") from error
        consumer.rmq_username, consumer.queue_created = username, True

    # --- publishing -------------------------------------------------------------------------

    def order_written(self, store, before: dict | None, after: dict) -> None:
        """An order created (`before` None) or changed: what the two order handlers publish."""
        if before is not None and before["state"] == after["state"]:
            return
        resource = store.resources[after["resource"]]
        offering = store.offerings[resource["offering"]]
        offering_type = offering.get("type", "Marketplace.Basic")
        pending = after["state"] in PENDING_STATES and offering_type in PENDING_ORDER_OFFERINGS
        done = before is not None and after["state"] == "done" and offering_type == SITE_AGENT_OFFERING
        if not (pending or done):
            return
        project = store.projects[resource["project"]]
        payload = {"order_uuid": after["uuid"], "order_state": after["state"],
                   # the unified path's enrichment (marketplace/utils.py _enrich_order_payload)
                   "order_type": after["type"], "resource_uuid": resource["uuid"],
                   "resource_backend_id": resource["backend_id"], "resource_name": resource["name"],
                   "project_uuid": project["uuid"], "project_name": project["name"],
                   "attributes": after["attributes"], "limits": after["limits"]}
        if resource.get("plan"):
            payload["plan_uuid"] = resource["plan"]
        self.publish(offering["uuid"], "order", payload)

    def publish(self, offering: str, object_type: str, payload: dict) -> None:
        """Waldur's prepare_messages + publish_messages: one message per registered consumer of the
        offering that takes `object_type`, `object_type` stamped into the payload."""
        for consumer in list(self.consumers.values()):
            if consumer.offering != offering or not consumer.queue_created:
                continue
            if consumer.object_types and object_type not in consumer.object_types:
                continue
            body = {**payload, "object_type": object_type}
            self._send(consumer, object_type, body)

    def _send(self, consumer: Consumer, object_type: str, body: dict) -> None:
        text = json.dumps(body)
        message_id = hashlib.sha256(f"{consumer.vhost}:{consumer.queue_name}:{text}".encode()).hexdigest()[:32]
        self._sequence += 1
        entry = {"id": self._sequence, "created": waldur_time(utcnow()), "object_type": object_type,
                 "vhost": consumer.vhost, "queue": consumer.queue_name, "message_id": message_id,
                 "payload": body, "published": None, "error": None}
        if self.broker is not None:
            try:
                self.broker.publish(consumer.vhost, consumer.queue_name, body, message_id)
                entry["published"] = True
            except BrokerUnavailable as error:
                log.error("event not published (the write stands): %s %s to %s: %s",
                          object_type, message_id, consumer.queue_name, error)
                entry["published"], entry["error"] = False, str(error)
        self.log.append(entry)

    def entries(self) -> list[dict]:
        return list(self.log)
