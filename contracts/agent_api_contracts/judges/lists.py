"""Judges of Waldur's list answers: pages agree with their count and links, filtered lists hold
only matching objects, `o` orders them (agent_api_contracts.rules.lists)."""
from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

from agent_api_contracts.discovery import enum_labels, links, moment, parameter_labels
from agent_api_contracts.judges.exchanges import Observed, hex_uuid, watches
from agent_api_contracts.rules.lists import COUNT_IS_TOTAL, FILTER_EXACT, LINKS_POINT_RIGHT, ORDERING, PAGE_BOUNDED
from agent_api_spec.operations import documented

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 10, 300  # notes/waldur.md, "Lists and pagination"; spec/ PageSize
# Every list whose 200 documents X-Result-Count (and its HEAD count) is paginated.
PAGINATED = tuple(operation.operation_id for operation in documented().all
                  if (answer := operation.response(200)) and "X-Result-Count" in answer[1].get("headers", {}))
STATUSES_LIST = "marketplace_integration_statuses_list"


def page_size_of(seen: Observed) -> int:
    value = seen.query.get("page_size", "")
    size = int(value) if value.lstrip("-").isdigit() else DEFAULT_PAGE_SIZE
    return DEFAULT_PAGE_SIZE if size <= 0 else min(size, MAX_PAGE_SIZE)


def page_of(url: str) -> int:
    """The page a Link URL points at (none: page 1; not a number: 0)."""
    page = parse_qs(urlsplit(url).query).get("page", ["1"])[0]
    return int(page) if page.isdigit() else 0


@watches(PAGE_BOUNDED, COUNT_IS_TOTAL, LINKS_POINT_RIGHT, operations=PAGINATED)
def pages_agree_with_their_count_and_links(seen: Observed) -> list:
    """One page: at most page_size objects, as many as X-Result-Count leaves for it, and a Link
    header whose first, prev, next and last point at the right pages."""
    count_text = seen.response.headers.get("x-result-count", "")
    if seen.status != 200 or not count_text.isdigit():
        return []  # a missing or malformed header is response_headers_conformance's
    count, size, found = int(count_text), page_size_of(seen), []
    page = int(seen.query["page"]) if seen.query.get("page", "").isdigit() else 1
    rels, link = links(seen.response), seen.response.headers.get("link")
    pages = max(1, math.ceil(count / size))
    if not ("first" in rels and "last" in rels):
        found.append((LINKS_POINT_RIGHT, "first and last links", f"Link: {link!r}"))
    elif page_of(rels["last"]) != pages or page_of(rels["first"]) != 1:
        found.append((LINKS_POINT_RIGHT, f"first is page 1, last is page {pages} ({count} objects, {size} a page)",
                      f"first is {rels['first']!r}, last is {rels['last']!r}"))
    if ("prev" in rels) != (page > 1) or ("prev" in rels and page_of(rels["prev"]) != page - 1):
        found.append((LINKS_POINT_RIGHT, f"prev {f'at page {page - 1}' if page > 1 else 'absent'} on page {page}",
                      f"Link: {link!r}"))
    if ("next" in rels) != (page < pages) or ("next" in rels and page_of(rels["next"]) != page + 1):
        found.append((LINKS_POINT_RIGHT, f"next {f'at page {page + 1}' if page < pages else 'absent'} on page {page} "
                      f"of {pages}", f"Link: {link!r} with X-Result-Count {count}"))
    if isinstance(seen.body, list):
        items = len(seen.body)
        if items > size:
            found.append((PAGE_BOUNDED, f"at most {size} objects", f"{items} objects"))
        expected = min(size, max(0, count - (page - 1) * size))
        if items != expected and items <= size:
            found.append((COUNT_IS_TOTAL, f"{expected} objects on page {page} of {count} ({size} a page)",
                          f"{items} objects, X-Result-Count {count}"))
    return [rule.violation(expected, what, seen.response) for rule, expected, what in found]


def as_sent(value: str) -> str:
    return value


def _filters() -> dict:
    """operation -> query filter -> (the field of each listed object it filters on, how a sent
    value reads as that field's value). Each filter is documented in spec/, each field in the
    listed object's schema."""
    states, types = enum_labels("AgentServiceStateEnum"), parameter_labels("AgentTypeFilter")
    return {
        "marketplace_site_agent_services_list": {"state": ("state", lambda value: states.get(value, value)),
                                                 "identity_uuid": ("identity", hex_uuid)},
        STATUSES_LIST: {"status": ("status", as_sent),
                        "agent_type": ("agent_type", lambda value: types.get(value, value))},
        "marketplace_site_agent_identities_list": {"name": ("name", as_sent), "offering_uuid": ("offering", hex_uuid)},
        "marketplace_orders_list": {"state": ("state", as_sent), "type": ("type", as_sent),
                                    "offering_uuid": ("offering_uuid", hex_uuid),
                                    "resource_uuid": ("marketplace_resource_uuid", hex_uuid)},
        "marketplace_provider_resources_list": {"state": ("state", as_sent), "backend_id": ("backend_id", as_sent),
                                                "offering_uuid": ("offering_uuid", hex_uuid)},
    }


FILTERS = _filters()
UUID_FIELDS = {"identity", "offering", "offering_uuid", "marketplace_resource_uuid"}


@watches(FILTER_EXACT, operations=FILTERS)
def listed_objects_match_the_filters(seen: Observed) -> list:
    """Each object of a filtered list matches every filter sent (objects shown without the
    filtered field, under `field=`, are not judged)."""
    if seen.status != 200 or not isinstance(seen.body, list):
        return []
    found = []
    for parameter, (name, reading) in FILTERS[seen.operation_id].items():
        wanted = {reading(value) for value in seen.query.get_list(parameter) if value}
        if not wanted:
            continue
        strays = [item[name] for item in seen.body if isinstance(item, dict) and name in item and
                  (hex_uuid(item[name]) if name in UUID_FIELDS else str(item[name])) not in wanted]
        if strays:
            found.append(FILTER_EXACT.violation(f"only objects whose {name} is one of {sorted(wanted)}",
                                                f"{len(strays)} others, with {name} {strays[:3]}", seen.response))
    return found


@watches(ORDERING, operations=(STATUSES_LIST,))
def listed_statuses_follow_o(seen: Observed) -> list:
    order = seen.query.get("o", "")
    if seen.status != 200 or not isinstance(seen.body, list) or order.lstrip("-") != "last_request_timestamp":
        return []
    stamps = [item["last_request_timestamp"] for item in seen.body
              if isinstance(item, dict) and isinstance(item.get("last_request_timestamp"), str)]
    try:
        moments = [moment(stamp) for stamp in stamps]
    except ValueError:
        return []  # not a date-time: the schema judge says so
    if moments == sorted(moments, reverse=order.startswith("-")):
        return []
    return [ORDERING.violation(f"o={order}: {'descending' if order.startswith('-') else 'ascending'}",
                               f"last_request_timestamp in the order {stamps[:6]}", seen.response)]
