"""Integration statuses: list (filters, `o` ordering, pagination), count and retrieve."""
from __future__ import annotations

import re

from connexion import request

from agent_api_mock.auth import current_user
from agent_api_mock.errors import waldur_detail
from agent_api_mock.handlers.responses import encoded, encoded_response, headers_only, json_list_response, mock, site
from agent_api_mock.pagination import paginate
from agent_api_mock.store import AGENT_TYPES, IntegrationStatus
from agent_api_mock.wire import normalize_uuid, waldur_time

STATUSES_PATH = "/api/marketplace-integration-statuses/"
OFFERINGS_PATH = "/api/marketplace-provider-offerings/"
OFFERING_URL = re.compile(re.escape(OFFERINGS_PATH) + r"([0-9a-fA-F-]{32,36})/?$")
NOT_FOUND = "No IntegrationStatus matches the given query."


def render(status: IntegrationStatus, base: str) -> dict:
    return {
        "agent_type": AGENT_TYPES[status.agent_type],
        "status": status.status,
        "last_request_timestamp": waldur_time(status.last_request_timestamp),
        "offering": f"{base}{OFFERINGS_PATH}{status.offering}/",
        "url": f"{base}{STATUSES_PATH}{status.uuid}/",
    }


def offering_of_url(url: str) -> str | None:
    match = OFFERING_URL.search(url)
    return normalize_uuid(match.group(1)) if match else None


def uuids(values) -> set[str | None]:
    return {normalize_uuid(value) for value in values or ()}


def ordered(statuses: list[IntegrationStatus], ordering: list[str] | None) -> list[IntegrationStatus]:
    """`last_request_timestamp` ascending puts nulls last and descending first, as PostgreSQL does."""
    if not ordering:
        return statuses
    ascending = sorted(statuses, key=lambda s: (s.last_request_timestamp is None, s.last_request_timestamp or 0))
    return ascending if ordering[0] == "last_request_timestamp" else ascending[::-1]


def matching_statuses(agent_type=None, customer_uuid=None, o=None, offering=None, offering_slug=None,
                      offering_uuid=None, parent_offering_uuid=None, status=None) -> list[IntegrationStatus]:
    store, user = mock().store, current_user(request)
    labels = set(status or ())
    offerings = None  # the offerings the offering/offering_uuid filters allow, when given
    if offering is not None:
        offerings = {offering_of_url(offering)}
    if offering_uuid:
        offerings = uuids(offering_uuid) if offerings is None else offerings & uuids(offering_uuid)
    slugs = set(offering_slug or ())
    customer = normalize_uuid(customer_uuid) if customer_uuid else None
    parent = normalize_uuid(parent_offering_uuid) if parent_offering_uuid else None
    ordering = o[0] if o else None

    if offerings is None and len(labels) <= 1:
        # The indexes answer the common queries (no filter, one status, either order) as they are.
        candidates = store.statuses_in_order[(next(iter(labels), None), ordering)]
        labels = set()
    elif offerings is not None:
        chosen = [s for uuid in offerings for s in store.statuses_by_offering.get(uuid, ())]
        candidates = ordered(sorted(chosen, key=lambda s: store.status_positions[s.uuid]), o)
    else:
        candidates = store.statuses_in_order[(None, ordering)]
    if user.sees_everything and not (labels or agent_type or slugs or customer or parent):
        return candidates

    def matches(item: IntegrationStatus) -> bool:
        of = store.offerings[item.offering]
        return ((agent_type is None or str(item.agent_type) == agent_type)
                and (customer is None or of["customer"] == customer)
                and (not slugs or of["slug"] in slugs)
                and (parent is None or of["parent"] == parent)
                and (not labels or item.status in labels))

    return [item for item in candidates if store.can_see_integration_status(user, item) and matches(item)]


async def marketplace_integration_statuses_list(agent_type=None, customer_uuid=None, o=None, offering=None,
                                                offering_slug=None, offering_uuid=None, parent_offering_uuid=None,
                                                status=None):
    page, headers = paginate(request, matching_statuses(agent_type, customer_uuid, o, offering, offering_slug,
                                                        offering_uuid, parent_offering_uuid, status))
    base = site()
    return json_list_response([encoded(item, base, render) for item in page], headers)


async def marketplace_integration_statuses_count(agent_type=None, customer_uuid=None, o=None, offering=None,
                                                 offering_slug=None, offering_uuid=None, parent_offering_uuid=None,
                                                 status=None):
    _, headers = paginate(request, matching_statuses(agent_type, customer_uuid, o, offering, offering_slug,
                                                     offering_uuid, parent_offering_uuid, status))
    return headers_only(headers)


async def marketplace_integration_statuses_retrieve(uuid: str):
    store = mock().store
    item = store.integration_status(uuid)
    if item is None or not store.can_see_integration_status(current_user(request), item):
        raise waldur_detail(404, NOT_FOUND)
    return encoded_response(encoded(item, site(), render))
