"""Site-agent services: list, count, retrieve, register_processor, set_statistics; and
retrieving one of their processors."""
from __future__ import annotations

from connexion import request

from agent_api_mock.auth import current_user
from agent_api_mock.errors import waldur_detail
from agent_api_mock.handlers.responses import (encoded, encoded_response, headers_only, json_list_response, json_response,
                                           mock, site)
from agent_api_mock.pagination import paginate
from agent_api_mock.store import SERVICE_STATES, STALE_AFTER, Processor, Service
from agent_api_mock.validation import request_body
from agent_api_mock.wire import normalize_uuid, parse_time, waldur_time

SERVICES_PATH = "/api/marketplace-site-agent-services/"
PROCESSORS_PATH = "/api/marketplace-site-agent-processors/"
NOT_FOUND = "No AgentService matches the given query."
PROCESSOR_NOT_FOUND = "No AgentProcessor matches the given query."
PERMISSION_DENIED = "You do not have permission to perform this action."


def render_processor(processor: Processor, base: str, service: Service | None = None) -> dict:
    body = {
        "uuid": processor.uuid,
        "url": f"{base}{PROCESSORS_PATH}{processor.uuid}/",
        "name": processor.name,
        "last_run": waldur_time(processor.last_run),
        "backend_type": processor.backend_type,
        "backend_version": processor.backend_version,
        "created": waldur_time(processor.created),
        "modified": waldur_time(processor.modified),
    }
    if service is not None:
        body["service"] = service.uuid
        body["service_name"] = service.name
    return body


def render_service(service: Service, base: str) -> dict:
    store = mock().store
    return {
        "uuid": service.uuid,
        "url": f"{base}{SERVICES_PATH}{service.uuid}/",
        "identity": service.identity,
        "identity_name": store.identities[service.identity]["name"],
        "name": service.name,
        "mode": service.mode,
        "state": SERVICE_STATES[service.state],
        "statistics": service.statistics,
        "created": waldur_time(service.created),
        "modified": waldur_time(service.modified),
        "processors": [render_processor(p, base) for p in service.processors.values()],
    }


def matching_services(identity_uuid=None, mode=None, state=None, modified_after=None, modified_before=None,
                      stale=None) -> list[Service]:
    store, user = mock().store, current_user(request)
    identity = normalize_uuid(identity_uuid) if identity_uuid else None
    states = set(state or ())
    after, before = parse_time(modified_after), parse_time(modified_before)
    stale_before = store.now() - STALE_AFTER if isinstance(stale, bool) else None
    candidates = store.services_by_identity.get(identity, []) if identity else list(store.services.values())
    if user.sees_everything and not (mode or states or after or before or stale_before):
        return candidates
    return [
        service for service in candidates
        if store.can_see_service(user, service)
        and (mode is None or service.mode == mode)
        and (not states or service.state in states)
        and (after is None or service.modified >= after)
        and (before is None or service.modified <= before)
        and (stale_before is None or (service.modified < stale_before) == stale)
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
    body = request_body(request)
    processor, created = mock().store.register_processor(
        service, body["name"], body["backend_type"], body.get("backend_version"))
    return json_response(render_processor(processor, site(), service), status=201 if created else 200)


async def marketplace_site_agent_services_set_statistics(uuid: str):
    service = changeable_service(uuid)
    body = request_body(request)
    mock().store.set_statistics(service, body["statistics"])
    return encoded_response(encoded(service, site(), render_service))


async def marketplace_site_agent_processors_retrieve(uuid: str):
    """Visible to whoever can see the processor's service (AgentProcessorViewSet)."""
    store = mock().store
    found = store.processor(uuid)
    if found is None or not store.can_see_service(current_user(request), found[0]):
        raise waldur_detail(404, PROCESSOR_NOT_FOUND)
    service, processor = found
    return json_response(render_processor(processor, site(), service))


def visible_service(uuid: str) -> Service:
    store = mock().store
    service = store.service(uuid)
    if service is None or not store.can_see_service(current_user(request), service):
        raise waldur_detail(404, NOT_FOUND)
    return service


def changeable_service(uuid: str) -> Service:
    service = visible_service(uuid)
    if not mock().store.can_change_service(current_user(request), service):
        raise waldur_detail(403, PERMISSION_DENIED)
    return service

