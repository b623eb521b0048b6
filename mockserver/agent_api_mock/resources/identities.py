"""Agent identities: how a site agent registers itself and its services.

- list (`name`, `offering_uuid` filters), create, update (PUT), register_service.
- Registering an identity is idempotent by name: a create with the name of an identity the
  offering already has updates that identity (200) instead of adding a second one (201).
- `register_service` creates the identity's service of that name (201), or answers the one it
  has (200, with `mode` updated): that service is what the services list and the connection
  stats then show.
- Who may write: staff and the owners of the offering's customer; support reads only.
"""
from __future__ import annotations

from connexion import request

from agent_api_mock.blanks import renders
from agent_api_mock.errors import waldur_detail, waldur_field_errors
from agent_api_mock.handlers.responses import mock, site
from agent_api_mock.handlers.services import render_service
from agent_api_mock.resources.common import (PERMISSION_DENIED, acts_for_offering, changeable, found, list_answer,
                                             object_answer, sees_offering, user, uuid_filter, visible)
from agent_api_mock.resources.users import uuid_of_user
from agent_api_mock.store import SERVICE_STATE_CODES, Service
from agent_api_mock.validation import request_body
from agent_api_mock.wire import hex_uuid, normalize_uuid, parse_time, waldur_time

IDENTITIES_PATH = "/api/marketplace-site-agent-identities/"
MODEL = "AgentIdentity"


def offering_of(identity: dict) -> str:
    return identity["offering"]


@renders("AgentIdentity")
def render(identity: dict, base: str) -> dict:
    services = mock().store.services_by_identity.get(identity["uuid"], [])
    return {
        "uuid": identity["uuid"],
        "url": f"{base}{IDENTITIES_PATH}{identity['uuid']}/",
        "offering": identity["offering"],
        "created_by": identity.get("created_by"),
        "name": identity["name"],
        "version": identity["version"],
        "dependencies": identity.get("dependencies", []),
        "config_file_path": identity.get("config_file_path"),
        "config_file_content": identity.get("config_file_content"),
        "last_restarted": waldur_time(identity["last_restarted"]),
        "created": waldur_time(identity["created"]),
        "modified": waldur_time(identity["modified"]),
        "services": [
            {key: value for key, value in render_service(service, base).items()
             if key in ("uuid", "url", "name", "mode", "state", "statistics", "created", "modified")}
            for service in services
        ],
    }


def written(identity: dict, body: dict) -> dict:
    """The identity after a create or update with `body`: a new dict, so the store can keep
    the old one if the write cannot be stored."""
    now = mock().store.now()
    return {
        **identity,
        "name": body.get("name", identity["name"]),
        "version": body.get("version", identity["version"]),
        "dependencies": body.get("dependencies", identity.get("dependencies", [])),
        "config_file_path": body.get("config_file_path", identity.get("config_file_path")),
        "config_file_content": body.get("config_file_content", identity.get("config_file_content")),
        "last_restarted": parse_time(body["last_restarted"]) if body.get("last_restarted") else identity["last_restarted"],
        "modified": now,
    }


def offering_for_write(body: dict) -> str:
    """The offering a create names, which the caller must be allowed to act for."""
    store = mock().store
    offering = normalize_uuid(body.get("offering"))
    if offering not in store.offerings or not sees_offering(user(), offering):
        raise waldur_field_errors({"offering": [f'Object with uuid={body.get("offering")} does not exist.']})
    if not acts_for_offering(user(), offering):
        raise waldur_detail(403, PERMISSION_DENIED)
    return offering


# --- handlers ----------------------------------------------------------------------------------

async def marketplace_site_agent_identities_list(name=None, offering_uuid=None, field=None):
    offerings = uuid_filter(offering_uuid)
    items = [identity for identity in mock().store.identities.values()
             if (name is None or identity["name"] == name) and (offerings is None or identity["offering"] in offerings)]
    return list_answer(visible(items, offering_of), render, field)


async def marketplace_site_agent_identities_retrieve(uuid: str, field=None):
    return object_answer(render(found(mock().store.identities, uuid, offering_of, MODEL), site()), field)


async def marketplace_site_agent_identities_create():
    body = request_body(request)
    offering = offering_for_write(body)
    store = mock().store
    same_name = next((i for i in store.identities.values() if i["offering"] == offering and i["name"] == body["name"]), None)
    if same_name is not None:
        identity = written(same_name, body)
        store.put(("identities", identity))
        return object_answer(render(identity, site()), status=200)
    now = store.now()
    identity = written({"uuid": hex_uuid(), "offering": offering, "name": body["name"], "version": None,
                        "last_restarted": now, "created": now, "created_by": uuid_of_user(user())}, body)
    store.put(("identities", identity))
    return object_answer(render(identity, site()), status=201)


async def marketplace_site_agent_identities_update(uuid: str):
    identity = changeable(mock().store.identities, uuid, offering_of, MODEL)
    body = request_body(request)
    if any(other["offering"] == identity["offering"] and other["name"] == body.get("name") and other is not identity
           for other in mock().store.identities.values()):
        # A name is an identity's key within its offering (register_identity relies on it).
        raise waldur_field_errors({"non_field_errors": ["The fields offering, name must make a unique set."]})
    identity = written(identity, body)
    mock().store.put(("identities", identity))
    return object_answer(render(identity, site()))


async def marketplace_site_agent_identities_register_service(uuid: str):
    store = mock().store
    identity = changeable(store.identities, uuid, offering_of, MODEL)
    body = request_body(request)
    existing = next((s for s in store.services_by_identity.get(identity["uuid"], []) if s.name == body["name"]), None)
    if existing is not None:
        if body.get("mode") is not None and body["mode"] != existing.mode:
            store.set_service_mode(existing, body["mode"])
        return object_answer(render_service(existing, site()), status=200)
    now = store.now()
    service = Service(hex_uuid(), identity["uuid"], body["name"], body.get("mode"), SERVICE_STATE_CODES["Active"], {},
                      now, now)
    store.add_service(service)
    return object_answer(render_service(service, site()), status=201)

