"""Judges of Waldur's list answers: pages agree with their count and links, filtered lists hold
only matching objects, `o` orders them (agent_api_contracts.rules.lists)."""
from __future__ import annotations

import math
import time
from urllib.parse import parse_qs, urlsplit

from agent_api_contracts.discovery import enum_labels, links, moment, parameter_labels
from agent_api_contracts.judges.exchanges import Observed, Recent, fingerprint, hex_uuid, watches
from agent_api_contracts.rules.lists import (COUNT_IS_TOTAL, FIELDS_SELECTED, FILTER_EXACT, LINKS_POINT_RIGHT, ORDERING,
                                             PAGE_BOUNDED, PAGES_PARTITION)
from agent_api_spec.operations import Operation, documented, resolve

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


def answer_fields(operation: Operation) -> frozenset[str]:
    """The top-level fields documented for the objects of an operation's 200 answer."""
    answer = operation.response(200)
    media = (answer[1].get("content") or {}).get("application/json", {}) if answer else {}
    schema = resolve(operation.api, media.get("schema", {}))
    schema = resolve(operation.api, schema.get("items", schema)) if schema.get("type") == "array" else schema
    return frozenset(schema.get("properties", {}))


SELECTABLE = {operation.operation_id: answer_fields(operation) for operation in documented().all
              if operation.method == "GET" and any(p.get("name") == "field" and p.get("in") == "query"
                                                   for p in operation.parameters)}


@watches(FIELDS_SELECTED, operations=SELECTABLE)
def selected_fields_only(seen: Observed) -> list:
    """Under `field=`, each object shows none of the other documented fields (fields the spec
    does not document are no concern here)."""
    asked = set(seen.query.get_list("field"))
    if seen.status != 200 or not asked:
        return []
    objects = seen.body if isinstance(seen.body, list) else [seen.body]
    unasked = sorted({key for item in objects if isinstance(item, dict) for key in item
                      if key in SELECTABLE[seen.operation_id] and key not in asked})
    if not unasked:
        return []
    return [FIELDS_SELECTED.violation(f"only the fields {sorted(asked)}", f"also {unasked[:8]}", seen.response)]


def identity_of(item: object) -> object:
    """What tells one listed object from another: its uuid or url, else its whole value."""
    if isinstance(item, dict):
        for key in ("uuid", "url"):
            if isinstance(item.get(key), str):
                return hex_uuid(item[key])
    return fingerprint(item)


WRITES = ("POST", "PUT", "PATCH", "DELETE")
NOT_FILTERS = ("page", "page_size", "o")
RECENT_SECONDS = 5.0
# operation -> its filters that take several values (an array parameter: any of them matches)
MANY_VALUED = {operation.operation_id: {parameter["name"] for parameter in operation.parameters
                                        if resolve(operation.api, parameter.get("schema", {})).get("type") == "array"}
               for operation in map(documented().by_id, FILTERS)}


class SettledLists:
    """A judge that compares answers of one list with each other remembers them for
    RECENT_SECONDS and forgets them all when a write passes: a list that changed in between may
    rightly differ (what another client changes meanwhile is not seen, hence the short window)."""
    operations = None

    def __init__(self):
        self.seen = Recent(size=256)  # key -> (when, what)

    def forget_on_write(self, seen: Observed) -> bool:
        """True for a write (a successful one forgets everything)."""
        if seen.operation is None or seen.operation.method not in WRITES:
            return False
        if seen.succeeded:
            self.seen.clear()
        return True

    def recent(self, key) -> object:
        when, what = self.seen.get(key, (0.0, None))
        return what if time.monotonic() - when <= RECENT_SECONDS else None

    def remember(self, key, what) -> None:
        self.seen[key] = (time.monotonic(), what)


class PagesAreDisjoint(SettledLists):
    """Two neighbouring pages of one list (the same query, account and X-Result-Count) share no
    object."""
    rules, judged = (PAGES_PARTITION,), frozenset(PAGINATED)

    def __call__(self, seen: Observed) -> list:
        if self.forget_on_write(seen) or seen.operation_id not in PAGINATED:
            return []
        count = seen.response.headers.get("x-result-count", "")
        if seen.status != 200 or not isinstance(seen.body, list) or not count.isdigit():
            return []
        page = int(seen.query["page"]) if seen.query.get("page", "").isdigit() else 1
        key = (seen.operation_id, seen.response.request.headers.get("authorization"), str(seen.query.remove("page")),
               count)
        ids, found = {identity_of(item) for item in seen.body}, []
        for neighbour in (page - 1, page + 1):
            shared = ids & (self.recent((*key, neighbour)) or set())
            if shared:
                found.append(PAGES_PARTITION.violation(
                    f"pages {min(page, neighbour)} and {max(page, neighbour)} share no object",
                    f"{len(shared)} object(s) on both, e.g. {sorted(map(str, shared))[:3]}", seen.response))
        self.remember((*key, page), ids)
        return found


class FilteredListsDropNothing(SettledLists):
    """A filtered list holds every object of the whole list that matches its filters: the whole
    list the same account was answered last (settled, as SettledLists has it). Both must be
    complete, one page holding all X-Result-Count objects; filters not judged here, and several
    values of a one-valued filter, leave the answer unjudged."""
    rules, judged = (FILTER_EXACT,), frozenset(FILTERS)

    def __call__(self, seen: Observed) -> list:
        if self.forget_on_write(seen) or seen.operation_id not in FILTERS or not complete(seen):
            return []
        known = FILTERS[seen.operation_id]
        if not set(seen.query) <= {*known, *NOT_FILTERS} or any(
                len(seen.query.get_list(parameter)) > 1 and parameter not in MANY_VALUED[seen.operation_id]
                for parameter in known):
            return []
        key = (seen.operation_id, seen.response.request.headers.get("authorization"))
        filters = {parameter: {reading(value) for value in seen.query.get_list(parameter) if value}
                   for parameter, (_, reading) in known.items()}
        filters = {parameter: wanted for parameter, wanted in filters.items() if wanted}
        if not filters:
            self.remember(key, [item for item in seen.body if isinstance(item, dict)])
            return []
        matching = [item for item in self.recent(key) or [] if all(
            field_value(item, known[parameter][0]) in wanted for parameter, wanted in filters.items())]
        listed = {identity_of(item) for item in seen.body}
        dropped = [identity_of(item) for item in matching if identity_of(item) not in listed]
        if not dropped:
            return []
        return [FILTER_EXACT.violation(
            f"all {len(matching)} objects of the whole list that match "
            f"{ {name: sorted(wanted) for name, wanted in filters.items()} }",
            f"{len(dropped)} of them missing, e.g. {sorted(map(str, dropped))[:3]}", seen.response)]


def complete(seen: Observed) -> bool:
    """A 200 list answer holding every object it counts."""
    count = seen.response.headers.get("x-result-count", "")
    return seen.status == 200 and isinstance(seen.body, list) and count.isdigit() and int(count) == len(seen.body)


def field_value(item: dict, name: str) -> str | None:
    if name not in item:
        return None
    return hex_uuid(item[name]) if name in UUID_FIELDS else str(item[name])
