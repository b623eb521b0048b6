"""register_queue: the one event queue of an agent identity in event mode (events.py does the work).

As AgentIdentityViewSet.register_queue (waldur-mastermind marketplace_site_agent/views.py):
an identity the caller sees (else 404) and manages (else 403); a body with an optional
`object_types` list (AgentQueueRegistrationSerializer: each an ObservableObjectType, else 400;
omitted keeps the consumer's filter, [] means all types); 409 when another user registered the
queue; 201 with the provisioned queue, 200 when it was already provisioned (the RabbitMQ password
refreshed to the presented token); a broker that fails the provisioning is provision_consumer_queue's
ValidationError, a 400 with a list body.

The password is the caller's API token: views.py _resolve_agent_rmq_password takes the presented
DRF token (the agent presents the same string as its STOMP passcode).
"""
from __future__ import annotations

from agent_api_mock.errors import waldur_field_errors
from agent_api_mock.events import OBJECT_TYPES, RegistrationFailed
from agent_api_mock.responses import json_response, mock
from agent_api_mock.resources.common import user
from agent_api_mock.resources.identities import manageable_identity
from agent_api_mock.validation import request_body

FAMILIES = ()


def requested_object_types(body: dict) -> list | None:
    if "object_types" not in body or body["object_types"] is None:
        return None
    given = body["object_types"]
    if not isinstance(given, list):
        raise waldur_field_errors({"object_types": [f'Expected a list of items but got type "{type(given).__name__}".']})
    wrong = {index: [f'"{item}" is not a valid choice.'] for index, item in enumerate(given) if item not in OBJECT_TYPES}
    if wrong:
        raise waldur_field_errors({"object_types": wrong})
    return list(given)


async def marketplace_site_agent_identities_register_queue(uuid: str):
    identity = manageable_identity(uuid)
    body = request_body() or {}
    object_types = requested_object_types(body)
    caller = user()
    try:
        status, answer = mock().events.register_queue(identity, caller, caller.token, object_types)
    except RegistrationFailed as error:
        return json_response([str(error)], status=400)
    return json_response(answer, status=status)
