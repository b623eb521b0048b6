"""Site-agent services (with their processors): list, count, retrieve, register_processor,
set_statistics; and retrieving one of their processors.

A service is what an agent registers on its identity (identities.py register_service), with
the processors it registers and the statistics it sets. Who sees and changes them:
AgentServiceViewSet and AgentProcessorViewSet (agent_api_mock.permissions: sees_agent_identity,
manages_offering_agent on the service's identity).
"""
from __future__ import annotations

import copy
from datetime import timedelta

from connexion import request

from agent_api_mock import permissions
from agent_api_mock.auth import current_user
from agent_api_mock.errors import waldur_detail
from agent_api_mock.pagination import paginate
from agent_api_mock.resources.family import Family, InvalidItem, free_json, known, moment, uuid_of
from agent_api_mock.responses import (encoded, encoded_response, headers_only, json_list_response, json_response,
                                      mock, site)
from agent_api_mock.validation import request_body
from agent_api_mock.wire import hex_uuid, normalize_uuid, parse_time, waldur_time

SERVICES_PATH = "/api/marketplace-site-agent-services/"
PROCESSORS_PATH = "/api/marketplace-site-agent-processors/"
NOT_FOUND = "No AgentService matches the given query."
PROCESSOR_NOT_FOUND = "No AgentProcessor matches the given query."
PERMISSION_DENIED = "You do not have permission to perform this action."
SERVICE_STATES = {1: "Active", 2: "Idle", 3: "Error"}
SERVICE_STATE_CODES = {label: code for code, label in SERVICE_STATES.items()}
STALE_AFTER = timedelta(hours=24)


# --- entities ----------------------------------------------------------------------------------

def parse_processor(item: dict) -> dict:
    return {"uuid": uuid_of(item["uuid"], "processor"), "name": str(item["name"]),
            "backend_type": str(item["backend_type"]), "backend_version": item.get("backend_version"),
            "last_run": moment(item.get("last_run")), "created": moment(item["created"]),
            "modified": moment(item["modified"])}


def parse_service(item: dict, state: dict) -> dict:
    label = item.get("state", "Active")
    if label not in SERVICE_STATE_CODES:
        raise InvalidItem(f"unknown service state {label!r}", where="state")
    processors = {}
    for processor in item.get("processors", []):
        processors[str(processor["name"])] = parse_processor(processor)  # one per name, as register_processor keeps
    return {"uuid": uuid_of(item["uuid"], "service"),
            "identity": known(item["identity"], state["identities"], "identity"),
            "name": str(item["name"]), "mode": item.get("mode"), "state": label,
            "statistics": free_json(item.get("statistics", {})),
            "created": moment(item["created"]), "modified": moment(item["modified"]),
            "processors": list(processors.values())}


def index_services(services: dict) -> dict:
    """The identity filter's index, and each processor's service (processors_retrieve)."""
    by_identity: dict[str, list[dict]] = {}
    for service in services.values():
        by_identity.setdefault(service["identity"], []).append(service)
    return {"services_by_identity": by_identity,
            "service_of_processor": {processor["uuid"]: service for service in services.values()
                                     for processor in service["processors"]}}


FAMILIES = (Family("services", parse_service, row="service", index=index_services,
                   order=lambda item: parse_time(item["created"])),)


# --- who sees and changes a service ------------------------------------------------------------

def sees_service(store, user, service: dict) -> bool:
    return permissions.sees_agent_identity(store, user, store.identities[service["identity"]])


def changes_service(store, user, service: dict) -> bool:
    identity = store.identities[service["identity"]]
    return permissions.manages_offering_agent(store, user, identity["offering"], identity)


def visible_service(uuid: str) -> dict:
    store = mock().store
    service = store.services.get(normalize_uuid(uuid) or "")
    if service is None or not sees_service(store, current_user(request), service):
        raise waldur_detail(404, NOT_FOUND)
    return service


def changeable_service(uuid: str) -> dict:
    service = visible_service(uuid)
    if not changes_service(mock().store, current_user(request), service):
        raise waldur_detail(403, PERMISSION_DENIED)
    return service


# --- writes ------------------------------------------------------------------------------------

def registered(service: dict, body: dict, now: str) -> tuple[dict, dict, bool]:
    """The service after register_processor: its processor of that name created (True) or
    updated, backend type and version replaced and `last_run` now."""
    processors = list(service["processors"])
    at = next((at for at, processor in enumerate(processors) if processor["name"] == body["name"]), None)
    if at is None:
        processor = {"uuid": hex_uuid(), "name": body["name"], "backend_type": body["backend_type"],
                     "backend_version": body.get("backend_version"), "last_run": None, "created": now, "modified": now}
        processors.append(processor)
    else:
        processor = {**processors[at], "backend_type": body["backend_type"],
                     "backend_version": body.get("backend_version"), "last_run": now, "modified": now}
        processors[at] = processor
    return {**service, "processors": processors}, processor, at is None


def with_statistics(service: dict, statistics: object, now: str) -> dict:
    return {**service, "statistics": copy.deepcopy(statistics), "modified": now}


# --- rendering ---------------------------------------------------------------------------------

def render_processor(processor: dict, base: str, service: dict | None = None) -> dict:
    body = {
        "uuid": processor["uuid"],
        "url": f"{base}{PROCESSORS_PATH}{processor['uuid']}/",
        "name": processor["name"],
        "last_run": processor["last_run"],
        "backend_type": processor["backend_type"],
        "backend_version": processor["backend_version"],
        "created": processor["created"],
        "modified": processor["modified"],
    }
    if service is not None:
        body["service"] = service["uuid"]
        body["service_name"] = service["name"]
    return body


def render_service(service: dict, base: str) -> dict:
    store = mock().store
    return {
        "uuid": service["uuid"],
        "url": f"{base}{SERVICES_PATH}{service['uuid']}/",
        "identity": service["identity"],
        "identity_name": store.identities[service["identity"]]["name"],
        "name": service["name"],
        "mode": service["mode"],
        "state": service["state"],
        "statistics": service["statistics"],
        "created": service["created"],
        "modified": service["modified"],
        "processors": [render_processor(p, base) for p in service["processors"]],
    }


# --- handlers ----------------------------------------------------------------------------------

def matching_services(identity_uuid=None, mode=None, state=None, modified_after=None, modified_before=None,
                      stale=None) -> list[dict]:
    store, user = mock().store, current_user(request)
    identity = normalize_uuid(identity_uuid) if identity_uuid else None
    states = {SERVICE_STATES.get(code) for code in state or ()}
    after, before = parse_time(modified_after), parse_time(modified_before)
    stale_before = store.now() - STALE_AFTER if isinstance(stale, bool) else None
    candidates = store.services_by_identity.get(identity, []) if identity else list(store.services.values())
    if user.sees_everything and not (mode or states or after or before or stale_before):
        return candidates
    return [
        service for service in candidates
        if sees_service(store, user, service)
        and (mode is None or service["mode"] == mode)
        and (not states or service["state"] in states)
        and (after is None or parse_time(service["modified"]) >= after)
        and (before is None or parse_time(service["modified"]) <= before)
        and (stale_before is None or (parse_time(service["modified"]) < stale_before) == stale)
    ]


async def marketplace_site_agent_services_list(identity_uuid=None, mode=None, state=None, modified_after=None,
                                               modified_before=None, stale=None):
    page, headers = paginate(request, matching_services(identity_uuid, mode, state, modified_after, modified_before, stale))
    base = site()
    return json_list_response([encoded(service, base, render_service) for service in page], headers)


async def marketplace_site_agent_services_count(identity_uuid=None, mode=None, state=None, modified_after=None,
                                                modified_before=None, stale=None):
    _, headers = paginate(request, matching_services(identity_uuid, mode, state, modified_after, modified_before, stale))
    return headers_only(headers)


async def marketplace_site_agent_services_retrieve(uuid: str):
    return encoded_response(encoded(visible_service(uuid), site(), render_service))


async def marketplace_site_agent_services_register_processor(uuid: str):
    service = changeable_service(uuid)
    store = mock().store
    service, processor, created = registered(service, request_body(), waldur_time(store.now()))
    store.put(("services", service))
    return json_response(render_processor(processor, site(), service), status=201 if created else 200)


async def marketplace_site_agent_services_set_statistics(uuid: str):
    service = changeable_service(uuid)
    store = mock().store
    service = with_statistics(service, request_body()["statistics"], waldur_time(store.now()))
    store.put(("services", service))
    return encoded_response(encoded(service, site(), render_service))


async def marketplace_site_agent_processors_retrieve(uuid: str):
    """Visible to whoever can see the processor's service (AgentProcessorViewSet)."""
    store = mock().store
    key = normalize_uuid(uuid) or ""
    service = store.service_of_processor.get(key)
    if service is None or not sees_service(store, current_user(request), service):
        raise waldur_detail(404, PROCESSOR_NOT_FOUND)
    processor = next(p for p in service["processors"] if p["uuid"] == key)
    return json_response(render_processor(processor, site(), service))
