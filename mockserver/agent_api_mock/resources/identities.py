"""Agent identities: how a site agent registers itself and its services.

- list (`name`, `offering_uuid` filters), create, update (PUT), register_service.
- A create always adds an identity (201): Waldur keeps no uniqueness on (offering, name)
  (marketplace_site_agent/models.py `AgentIdentity`: no unique_together; serializers.py
  `AgentIdentitySerializer` is a plain ModelSerializer).
- An update keeps the identity's offering: another offering is a 400 on `offering`
  (serializers.py `AgentIdentitySerializer.validate_offering`).
- `register_service` creates the identity's service of that name (201), or answers the one it
  has (200, with `mode` updated): that service is what the services list and the connection
  stats then show.
- Who sees and who may write: AgentIdentityViewSet.get_queryset and _can_manage_offering_agent
  (agent_api_mock.permissions): staff, the offering's customer owners and service managers
  (OFFERING.CREATE on the customer), its offering managers (OFFERING.UPDATE on the offering), and
  identity managers for the identities they created; support reads only.
"""
from __future__ import annotations

from agent_api_mock.blanks import renders
from agent_api_mock.errors import waldur_detail, waldur_field_errors
from agent_api_mock import permissions
from agent_api_mock.resources.common import PERMISSION_DENIED, found, list_answer, object_answer, user, uuid_filter, visible
from agent_api_mock.resources.family import Family, free_json, known, moment, uuid_of
from agent_api_mock.resources.services import render_service
from agent_api_mock.responses import mock, site
from agent_api_mock.validation import request_body
from agent_api_mock.wire import hex_uuid, normalize_uuid, waldur_time

IDENTITIES_PATH = "/api/marketplace-site-agent-identities/"
MODEL = "AgentIdentity"


# --- entities ----------------------------------------------------------------------------------

def parse_identity(item: dict, state: dict) -> dict:
    restarted = item["last_restarted"]
    return {"uuid": uuid_of(item["uuid"], "identity"), "name": str(item["name"]),
            "offering": known(item["offering"], state["offerings"], "offering"),
            "version": item.get("version"), "last_restarted": moment(restarted),
            # what an agent registers (marketplace_site_agent_identities_create); seed identities lack it
            "created": moment(item.get("created", restarted)),
            "modified": moment(item.get("modified", item.get("created", restarted))),
            "created_by": uuid_of(item["created_by"], "identity created_by") if item.get("created_by") else None,
            "dependencies": free_json(item.get("dependencies", [])),
            "config_file_path": item.get("config_file_path"),
            "config_file_content": item.get("config_file_content")}


FAMILIES = (Family("identities", parse_identity, row="identities"),)


def offering_of(identity: dict) -> str:
    return identity["offering"]


def sees_identity(who, identity: dict) -> bool:
    return permissions.sees_agent_identity(mock().store, who, identity)


def visible_identity(uuid: str) -> dict:
    return found(mock().store.identities, uuid, offering_of, MODEL, sees_identity)


def manageable_identity(uuid: str) -> dict:
    """_check_agent_identity_permission: an identity the caller sees (else 404) and manages (else 403)."""
    identity = visible_identity(uuid)
    if not permissions.manages_offering_agent(mock().store, user(), identity["offering"], identity):
        raise waldur_detail(403, PERMISSION_DENIED)
    return identity


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
        "last_restarted": identity["last_restarted"],
        "created": identity["created"],
        "modified": identity["modified"],
        "services": [
            {key: value for key, value in render_service(service, base).items()
             if key in ("uuid", "url", "name", "mode", "state", "statistics", "created", "modified")}
            for service in services
        ],
    }


def written(identity: dict, body: dict) -> dict:
    """The identity after a create or update with `body`: a new dict, so the store can keep
    the old one if the write cannot be stored."""
    now = waldur_time(mock().store.now())
    return {
        **identity,
        "name": body.get("name", identity["name"]),
        "version": body.get("version", identity["version"]),
        "dependencies": body.get("dependencies", identity.get("dependencies", [])),
        "config_file_path": body.get("config_file_path", identity.get("config_file_path")),
        "config_file_content": body.get("config_file_content", identity.get("config_file_content")),
        "last_restarted": moment(body["last_restarted"]) if body.get("last_restarted") else identity["last_restarted"],
        "modified": now,
    }


def offering_for_write(body: dict) -> str:
    """The offering a create names, which the caller must manage the agents of: an unknown offering
    is the serializer's 400; a known one the caller may not manage is check_create_permissions' 403
    (Waldur's AgentIdentityCreateTest.test_agent_identity_create_forbidden: project admins and
    managers, who do not see the offering, get 403 too)."""
    store = mock().store
    offering = normalize_uuid(body.get("offering"))
    if offering not in store.offerings:
        raise waldur_field_errors({"offering": [f'Object with uuid={body.get("offering")} does not exist.']})
    if not permissions.manages_offering_agent(store, user(), offering, None):
        raise waldur_detail(403, PERMISSION_DENIED)
    return offering


# --- handlers ----------------------------------------------------------------------------------

async def marketplace_site_agent_identities_list(name=None, offering_uuid=None, field=None):
    offerings = uuid_filter(offering_uuid)
    items = [identity for identity in mock().store.identities.values()
             if (name is None or identity["name"] == name) and (offerings is None or identity["offering"] in offerings)]
    return list_answer(visible(items, offering_of, sees_identity), render, field)


async def marketplace_site_agent_identities_retrieve(uuid: str, field=None):
    return object_answer(render(visible_identity(uuid), site()), field)


async def marketplace_site_agent_identities_create():
    body = request_body()
    offering = offering_for_write(body)
    store = mock().store
    now = waldur_time(store.now())
    identity = written({"uuid": hex_uuid(), "offering": offering, "name": body["name"], "version": None,
                        "last_restarted": now, "created": now, "created_by": user().uuid}, body)
    store.put(("identities", identity))
    return object_answer(render(identity, site()), status=201)


async def marketplace_site_agent_identities_update(uuid: str):
    identity = manageable_identity(uuid)
    body = request_body()
    if normalize_uuid(body.get("offering")) != identity["offering"]:
        # Waldur's AgentIdentitySerializer.validate_offering: an identity's offering is fixed at creation.
        raise waldur_field_errors({"offering": ["Offering cannot be changed after the agent identity is created."]})
    identity = written(identity, body)
    mock().store.put(("identities", identity))
    return object_answer(render(identity, site()))


async def marketplace_site_agent_identities_register_service(uuid: str):
    store = mock().store
    identity = manageable_identity(uuid)
    body = request_body()
    existing = next((s for s in store.services_by_identity.get(identity["uuid"], []) if s["name"] == body["name"]), None)
    now = waldur_time(store.now())
    if existing is not None:
        if body.get("mode") is not None and body["mode"] != existing["mode"]:
            existing = {**existing, "mode": body["mode"], "modified": now}
            store.put(("services", existing))
        return object_answer(render_service(existing, site()), status=200)
    service = {"uuid": hex_uuid(), "identity": identity["uuid"], "name": body["name"], "mode": body.get("mode"),
               "state": "Active", "statistics": {}, "created": now, "modified": now, "processors": []}
    store.put(("services", service))
    return object_answer(render_service(service, site()), status=201)

