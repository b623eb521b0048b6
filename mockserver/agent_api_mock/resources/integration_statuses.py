"""Integration statuses: list (filters, `o` ordering, pagination), count and retrieve; and
how an agent's requests refresh them (refresh, called by agent_status.py)."""
from __future__ import annotations

import re

from connexion import request

from agent_api_mock import permissions
from agent_api_mock.auth import current_user
from agent_api_mock.errors import waldur_detail
from agent_api_mock.pagination import paginate
from agent_api_mock.resources.family import Family, InvalidItem, known, moment, uuid_of
from agent_api_mock.responses import encoded, encoded_response, headers_only, json_list_response, mock, site
from agent_api_mock.wire import hex_uuid, normalize_uuid, parse_time, waldur_time

STATUSES_PATH = "/api/marketplace-integration-statuses/"
OFFERINGS_PATH = "/api/marketplace-provider-offerings/"
OFFERING_URL = re.compile(re.escape(OFFERINGS_PATH) + r"([0-9a-fA-F-]{32,36})/?$")
NOT_FOUND = "No IntegrationStatus matches the given query."
AGENT_TYPES = {1: "Order processing", 2: "Usage reporting", 3: "Glauth sync", 4: "Resource sync", 5: "Event processing"}
AGENT_TYPE_CODES = {label: code for code, label in AGENT_TYPES.items()}
INTEGRATION_STATUSES = ("Unknown", "Active", "Disconnected")


# --- entities ----------------------------------------------------------------------------------

def parse_status(item: dict, state: dict) -> dict:
    if item["agent_type"] not in AGENT_TYPE_CODES:
        raise InvalidItem(f"unknown agent type {item['agent_type']!r}", where="agent_type")
    return {"uuid": uuid_of(item["uuid"], "integration status"),
            "offering": known(item["offering"], state["offerings"], "offering"),
            "agent_type": item["agent_type"], "status": item["status"],
            "last_request_timestamp": moment(item.get("last_request_timestamp"))}


def by_last_request(status: dict) -> tuple:
    """Ascending `last_request_timestamp` puts nulls last, descending first (PostgreSQL's order)."""
    when = parse_time(status["last_request_timestamp"])
    return (when is None, when or 0)


def index_statuses(statuses: dict) -> dict:
    """What the list filters read: each status's position, the statuses of each offering, and
    the common queries' answers (no filter or one status label, in either order) as they are."""
    items = list(statuses.values())
    by_offering: dict[str, list[dict]] = {}
    for status in items:
        by_offering.setdefault(status["offering"], []).append(status)
    ascending = sorted(items, key=by_last_request)
    return {
        "status_positions": {status["uuid"]: position for position, status in enumerate(items)},
        "statuses_by_offering": by_offering,
        "statuses_in_order": {
            (label, ordering): [s for s in chosen if label is None or s["status"] == label]
            for label in (None, *INTEGRATION_STATUSES)
            for ordering, chosen in ((None, items), ("last_request_timestamp", ascending),
                                     ("-last_request_timestamp", ascending[::-1]))
        },
    }


FAMILIES = (Family("integration_statuses", parse_status, row="integration_status", index=index_statuses),)


def refresh(store, offering: str, agent_types: tuple[str, ...]) -> None:
    """An agent's request marks its offering's statuses of these agent types Active with
    `last_request_timestamp` now, creating those the offering lacks (Waldur:
    marketplace/utils.py refresh_integration_agent_status, get_or_create then
    set_last_request_timestamp and set_backend_active)."""
    def refreshed():  # read inside the write: another process may have created one meanwhile
        now = waldur_time(store.now())
        existing = {status["agent_type"]: status for status in store.statuses_by_offering.get(offering, ())}
        return [("integration_statuses", {**existing[agent_type], "status": "Active", "last_request_timestamp": now}
                 if agent_type in existing else
                 {"uuid": hex_uuid(), "offering": offering, "agent_type": agent_type, "status": "Active",
                  "last_request_timestamp": now})
                for agent_type in agent_types]

    store.write(refreshed)


# --- rendering and handlers --------------------------------------------------------------------

def sees_status(store, user, status: dict) -> bool:
    return permissions.sees_offering(store, user, status["offering"])


def render(status: dict, base: str) -> dict:
    return {
        "agent_type": status["agent_type"],
        "status": status["status"],
        "last_request_timestamp": status["last_request_timestamp"],
        "offering": f"{base}{OFFERINGS_PATH}{status['offering']}/",
        "url": f"{base}{STATUSES_PATH}{status['uuid']}/",
    }


def offering_of_url(url: str) -> str | None:
    match = OFFERING_URL.search(url)
    return normalize_uuid(match.group(1)) if match else None


def uuids(values) -> set[str | None]:
    return {normalize_uuid(value) for value in values or ()}


def ordered(statuses: list[dict], ordering: list[str] | None) -> list[dict]:
    """`last_request_timestamp` ascending puts nulls last and descending first, as PostgreSQL does."""
    if not ordering:
        return statuses
    ascending = sorted(statuses, key=by_last_request)
    return ascending if ordering[0] == "last_request_timestamp" else ascending[::-1]


def matching_statuses(agent_type=None, customer_uuid=None, o=None, offering=None, offering_slug=None,
                      offering_uuid=None, parent_offering_uuid=None, status=None) -> list[dict]:
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
        candidates = ordered(sorted(chosen, key=lambda s: store.status_positions[s["uuid"]]), o)
    else:
        candidates = store.statuses_in_order[(None, ordering)]
    if user.sees_everything and not (labels or agent_type or slugs or customer or parent):
        return candidates

    def matches(item: dict) -> bool:
        of = store.offerings[item["offering"]]
        return ((agent_type is None or str(AGENT_TYPE_CODES[item["agent_type"]]) == agent_type)
                and (customer is None or of["customer"] == customer)
                and (not slugs or of["slug"] in slugs)
                and (parent is None or of["parent"] == parent)
                and (not labels or item["status"] in labels))

    return [item for item in candidates if sees_status(store, user, item) and matches(item)]


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
    item = store.integration_statuses.get(normalize_uuid(uuid) or "")
    if item is None or not sees_status(store, current_user(request), item):
        raise waldur_detail(404, NOT_FOUND)
    return encoded_response(encoded(item, site(), render))
