"""The documented rules that passing traffic can show, from one exchange or a sequence of them.
The rules themselves (name, quote, source) are the contract suites' own, imported, not re-typed.

Interim: passive judges of the proxy's own until `agent_api_contracts.rules` (issue 12) offers
them. Sequence judges remember a bounded number of objects (least recently seen forgotten),
and assume the proxy sees the writes it compares against; a write that bypasses it can make
a later read look stale."""
from __future__ import annotations

import collections
import hashlib
import math

import httpx
import orjson

from agent_api_contracts.discovery import enum_labels, links, moment, parameter_labels
from agent_api_contracts.proxy.conformance import security_of
from agent_api_contracts.proxy.observed import MISSING, Observed, watches
from agent_api_contracts.rules import Violation
from agent_api_contracts.rules.access import ANONYMOUS
from agent_api_contracts.rules.consistency import BUILT_FROM_CURRENT_STATE, LIST_AGREES_WITH_RETRIEVE, SUMMARY_ADDS_UP
from agent_api_contracts.rules.lists import COUNT_IS_TOTAL, FILTER_EXACT, LINKS_POINT_RIGHT, ORDERING, PAGE_BOUNDED
from agent_api_contracts.rules.prefactor import ECHOES_NAME, FINISHED_SUM, FRESH_IDS, IDEMPOTENT, NEW_IS_PENDING
from agent_api_contracts.rules.services import ANSWER_NAMES_ITS_SERVICE, NEW_NAME_CREATES, ROUND_TRIP, SAME_NAME_UPDATES

SERVICES_LIST, SERVICES_COUNT = "marketplace_site_agent_services_list", "marketplace_site_agent_services_count"
SERVICE_RETRIEVE = "marketplace_site_agent_services_retrieve"
REGISTER, SET_STATISTICS = "marketplace_site_agent_services_register_processor", "marketplace_site_agent_services_set_statistics"
STATUSES_LIST, STATUSES_COUNT = "marketplace_integration_statuses_list", "marketplace_integration_statuses_count"
STATUS_RETRIEVE = "marketplace_integration_statuses_retrieve"
CONNECTION_STATS, CREATE_AGENT = "marketplace_site_agent_connection_stats_retrieve", "create_agent"
LISTS = (SERVICES_LIST, SERVICES_COUNT, STATUSES_LIST, STATUSES_COUNT)
REMEMBERED = 2_000  # per kind of object a sequence judge remembers
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 10, 300  # notes/waldur.md, "Lists and pagination"; spec/ PageSize


class Recent(collections.OrderedDict):
    """A mapping that forgets its least recently written keys beyond `size`."""

    def __init__(self, size: int = REMEMBERED):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


def fingerprint(value: object) -> bytes:
    return hashlib.blake2b(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()


def hex_uuid(text: str) -> str:
    return text.replace("-", "").lower()


def path_uuid(seen: Observed) -> str:
    return hex_uuid(seen.response.request.url.path.rstrip("/").split("/")[-1 if seen.operation_id in (
        SERVICE_RETRIEVE, STATUS_RETRIEVE) else -2])


def light(response):
    """A response to remember: its status and request (for the curl line), not its body."""
    return httpx.Response(response.status_code, request=response.request)


def succeeded(seen: Observed) -> bool:
    return 200 <= seen.status < 300


def page_of(url: str) -> int:
    page = httpx.URL(url).params.get("page", "1")
    return int(page) if page.isdigit() else 0


def violation(rule, expected: str, found: str, *responses) -> Violation:
    return Violation(rule, expected, found, tuple(responses))


# --- one exchange ------------------------------------------------------------------------

@watches(ANONYMOUS)
def anonymous_requests_are_refused(seen: Observed) -> list[Violation]:
    if not succeeded(seen) or "authorization" in seen.response.request.headers or not security_of(seen):
        return []
    return [violation(ANONYMOUS, "401 without credentials", f"{seen.status} without an Authorization header",
                      seen.response)]


def page_size_of(seen: Observed) -> int:
    value = seen.query.get("page_size", "")
    size = int(value) if value.lstrip("-").isdigit() else DEFAULT_PAGE_SIZE
    return DEFAULT_PAGE_SIZE if size <= 0 else min(size, MAX_PAGE_SIZE)


@watches(PAGE_BOUNDED, COUNT_IS_TOTAL, LINKS_POINT_RIGHT, operations=LISTS)
def pages_agree_with_their_count_and_links(seen: Observed) -> list[Violation]:
    count_text = seen.response.headers.get("x-result-count", "")
    if seen.status != 200 or not count_text.isdigit():
        return []  # a missing or malformed header is response_headers_conformance's
    count, size, found = int(count_text), page_size_of(seen), []
    page = int(seen.query["page"]) if seen.query.get("page", "").isdigit() else 1
    rels = links(seen.response)
    pages = max(1, math.ceil(count / size))
    if not ("first" in rels and "last" in rels):
        found.append((LINKS_POINT_RIGHT, "first and last links", f"Link: {seen.response.headers.get('link')!r}"))
    elif page_of(rels["last"]) != pages:
        found.append((LINKS_POINT_RIGHT, f"last is page {pages} ({count} objects, {size} a page)", f"last is {rels['last']!r}"))
    if ("prev" in rels) != (page > 1):
        found.append((LINKS_POINT_RIGHT, f"prev {'present' if page > 1 else 'absent'} on page {page}",
                      f"Link: {seen.response.headers.get('link')!r}"))
    if ("next" in rels) != (page < pages):
        found.append((LINKS_POINT_RIGHT, f"next {'present' if page < pages else 'absent'} on page {page} of {pages}",
                      f"Link: {seen.response.headers.get('link')!r} with X-Result-Count {count}"))
    if isinstance(seen.body, list):
        items = len(seen.body)
        if items > size:
            found.append((PAGE_BOUNDED, f"at most {size} objects", f"{items} objects"))
        expected = min(size, max(0, count - (page - 1) * size))
        if items != expected and items <= size:
            found.append((COUNT_IS_TOTAL, f"{expected} objects on page {page} of {count} ({size} a page)",
                          f"{items} objects, X-Result-Count {count}"))
    return [violation(rule, expected, what, seen.response) for rule, expected, what in found]


def filters_of(operation_id: str) -> dict:
    """Query filter -> (field of each listed object, how a sent value reads as that field's value)."""
    if operation_id == SERVICES_LIST:
        labels = enum_labels("AgentServiceStateEnum")
        return {"state": ("state", lambda value: labels.get(value, value)), "identity_uuid": ("identity", hex_uuid)}
    types = parameter_labels("AgentTypeFilter")
    return {"status": ("status", str), "agent_type": ("agent_type", lambda value: types.get(value, value))}


@watches(FILTER_EXACT, operations=(SERVICES_LIST, STATUSES_LIST))
def listed_objects_match_the_filters(seen: Observed) -> list[Violation]:
    if seen.status != 200 or not isinstance(seen.body, list):
        return []
    found = []
    for parameter, (field, reading) in filters_of(seen.operation_id).items():
        wanted = {reading(value) for value in seen.query.get_list(parameter) if value}
        if not wanted:
            continue
        strays = [item.get(field) for item in seen.body if isinstance(item, dict) and
                  (hex_uuid(str(item.get(field))) if field == "identity" else str(item.get(field))) not in wanted]
        if strays:
            found.append(violation(FILTER_EXACT, f"only objects whose {field} is one of {sorted(wanted)}",
                                   f"{len(strays)} others, with {field} {strays[:3]}", seen.response))
    return found


@watches(ORDERING, operations=(STATUSES_LIST,))
def listed_statuses_follow_o(seen: Observed) -> list[Violation]:
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
    return [violation(ORDERING, f"o={order}: {'descending' if order.startswith('-') else 'ascending'}",
                      f"last_request_timestamp in the order {stamps[:6]}", seen.response)]


@watches(ROUND_TRIP, operations=(SET_STATISTICS,))
def set_statistics_answers_what_was_set(seen: Observed) -> list[Violation]:
    if seen.status != 200 or not isinstance(seen.sent, dict) or "statistics" not in seen.sent or not isinstance(seen.body, dict):
        return []
    if seen.body.get("statistics") == seen.sent["statistics"]:
        return []
    return [violation(ROUND_TRIP, f"statistics {orjson.dumps(seen.sent['statistics'])[:300].decode()}",
                      f"statistics {orjson.dumps(seen.body.get('statistics'))[:300].decode()}", seen.response)]


@watches(ANSWER_NAMES_ITS_SERVICE, operations=(REGISTER,))
def registered_processor_names_its_service(seen: Observed) -> list[Violation]:
    if not succeeded(seen) or not isinstance(seen.body, dict) or not isinstance(seen.sent, dict):
        return []
    service, name = path_uuid(seen), str(seen.sent.get("name", "")).strip()
    if hex_uuid(str(seen.body.get("service", ""))) == service and seen.body.get("name") == name:
        return []
    return [violation(ANSWER_NAMES_ITS_SERVICE, f"service {service}, name {name!r}",
                      f"service {seen.body.get('service')!r}, name {seen.body.get('name')!r}", seen.response)]


def agent_of(seen: Observed) -> dict | None:
    if not succeeded(seen) or not isinstance(seen.body, dict) or not isinstance(seen.body.get("details"), dict):
        return None
    return seen.body["details"]


@watches(ECHOES_NAME, FINISHED_SUM, NEW_IS_PENDING, operations=(CREATE_AGENT,))
def created_agent_is_new_and_named_as_sent(seen: Observed) -> list[Violation]:
    agent = agent_of(seen)
    if agent is None:
        return []
    found = []
    sent = seen.sent.get("details") if isinstance(seen.sent, dict) else None
    if isinstance(sent, dict) and "name" in sent and agent.get("name") != sent["name"]:
        found.append(violation(ECHOES_NAME, f"name {sent['name']!r}", f"name {agent.get('name')!r}", seen.response))
    counts = agent.get("instance_counts")
    if isinstance(counts, dict) and all(isinstance(counts.get(k), int) for k in ("finished", "complete", "failed", "cancelled")):
        if counts["finished"] != counts["complete"] + counts["failed"] + counts["cancelled"]:
            found.append(violation(FINISHED_SUM, "finished = complete + failed + cancelled", f"instance_counts {counts}",
                                   seen.response))
    actions = agent.get("available_actions") if isinstance(agent.get("available_actions"), dict) else {}
    if seen.status == 201 and (agent.get("status") != "pending" or actions.get("reinstate") is not False):
        found.append(violation(NEW_IS_PENDING, "status pending, reinstate false",
                               f"status {agent.get('status')!r}, available_actions {actions}", seen.response))
    return found


@watches(SUMMARY_ADDS_UP, operations=(CONNECTION_STATS,))
def connection_summary_counts_the_agents(seen: Observed) -> list[Violation]:
    if seen.status != 200 or not isinstance(seen.body, dict):
        return []
    agents, summary = seen.body.get("agents"), seen.body.get("summary")
    if not isinstance(agents, list) or not isinstance(summary, dict):
        return []
    try:
        adds_up = summary["total_agents"] == len(agents) and \
            summary["connected_agents"] + summary["disconnected_agents"] == summary["total_agents"]
    except (KeyError, TypeError):
        return []  # the schema judge reports a summary without its numbers
    return [] if adds_up else [violation(SUMMARY_ADDS_UP, f"total_agents {len(agents)} = connected + disconnected",
                                         f"summary {summary}", seen.response)]


# --- sequences of exchanges ----------------------------------------------------------------

class ProcessorsKeepTheirUuid:
    """A name registered before (or listed on its service) is answered 200 with the uuid it had,
    never 201; a name its service did not have when last read is answered 201, not 200."""

    rules, operations = (SAME_NAME_UPDATES, NEW_NAME_CREATES), frozenset({REGISTER, SERVICES_LIST, SERVICE_RETRIEVE})

    def __init__(self):
        self.uuids = Recent()     # (service, name) -> (processor uuid, the response that showed it)
        self.services = Recent()  # service uuid -> the response that showed all its processors

    def __call__(self, seen: Observed) -> list[Violation]:
        if seen.operation_id != REGISTER:
            self.read(seen)
            return []
        if seen.status not in (200, 201) or not isinstance(seen.body, dict) or not isinstance(seen.sent, dict):
            return []
        service = path_uuid(seen)
        key, uuid = (service, str(seen.sent.get("name", "")).strip()), seen.body.get("uuid")
        before, read = self.uuids.get(key), self.services.get(service)
        self.uuids[key] = (uuid, light(seen.response))
        if seen.overlapped:
            return []  # concurrent registrations: which came first is not for traffic to tell
        if before is not None and seen.status == 201:
            return [violation(SAME_NAME_UPDATES, f"200: the name was registered before (uuid {before[0]})",
                              f"201 with uuid {uuid!r}", before[1], seen.response)]
        if before is not None and before[0] != uuid:
            return [violation(SAME_NAME_UPDATES, f"the uuid {before[0]} registered before",
                              f"uuid {uuid!r}", before[1], seen.response)]
        if before is None and read is not None and seen.status == 200:
            return [violation(NEW_NAME_CREATES, f"201: the service had no processor named {key[1]!r} when read",
                              "200", read, seen.response)]
        return []

    def read(self, seen: Observed) -> None:
        if seen.status != 200:
            return
        remembered = light(seen.response)
        for item in seen.body if isinstance(seen.body, list) else [seen.body]:
            if isinstance(item, dict) and isinstance(item.get("uuid"), str) and isinstance(item.get("processors"), list):
                service = hex_uuid(item["uuid"])
                self.services[service] = remembered
                for processor in item["processors"]:
                    if isinstance(processor, dict) and isinstance(processor.get("name"), str):
                        self.uuids[(service, processor["name"])] = (processor.get("uuid"), remembered)


class ServicesShowWhatWasWritten:
    """A service read after set_statistics shows what was set; a retrieve answers what the
    list showed (unless a write came between); connection stats show the services' states."""

    rules = (ROUND_TRIP, LIST_AGREES_WITH_RETRIEVE, BUILT_FROM_CURRENT_STATE)
    operations = frozenset({SET_STATISTICS, SERVICES_LIST, SERVICE_RETRIEVE, REGISTER, STATUSES_LIST, STATUS_RETRIEVE,
                            CONNECTION_STATS})

    def __init__(self):
        self.statistics = Recent()  # service uuid -> (fingerprint of the statistics set, response)
        self.listed = Recent()      # object uuid -> (fingerprint as listed, response)
        self.states = Recent()      # service uuid -> (state label as last read, response)

    def __call__(self, seen: Observed) -> list[Violation]:
        if seen.status != 200 or seen.body is MISSING:
            return []
        operation, found = seen.operation_id, []
        if operation in (SET_STATISTICS, REGISTER):
            service = path_uuid(seen)
            self.listed.pop(service, None)
            if operation == SET_STATISTICS and isinstance(seen.sent, dict) and "statistics" in seen.sent:
                self.statistics[service] = (fingerprint(seen.sent["statistics"]), light(seen.response))
        if operation == CONNECTION_STATS and isinstance(seen.body, dict):
            for agent in seen.body.get("agents") or []:
                for shown in (agent.get("services") or []) if isinstance(agent, dict) else []:
                    before = self.states.get(hex_uuid(str(shown.get("uuid", ""))))
                    if before and str(shown.get("state", "")).upper() != before[0].upper():
                        found.append(violation(BUILT_FROM_CURRENT_STATE, f"service {shown.get('name')!r} in state {before[0]}",
                                               f"state {shown.get('state')!r}", before[1], seen.response))
            return found
        objects = seen.body if isinstance(seen.body, list) else [seen.body]
        remembered = light(seen.response)
        for item in objects:
            if not isinstance(item, dict) or not isinstance(item.get("uuid"), str):
                continue
            uuid = hex_uuid(item["uuid"])
            if operation in (SERVICES_LIST, SERVICE_RETRIEVE, SET_STATISTICS) and "statistics" in item:
                set_before = self.statistics.get(uuid)
                if set_before and fingerprint(item["statistics"]) != set_before[0]:
                    found.append(violation(ROUND_TRIP, "the statistics set before",
                                           f"statistics {orjson.dumps(item['statistics'])[:300].decode()}",
                                           set_before[1], seen.response))
                if isinstance(item.get("state"), str):
                    self.states[uuid] = (item["state"], remembered)
            if operation in (SERVICES_LIST, STATUSES_LIST):
                self.listed[uuid] = (fingerprint(item), remembered)
            elif operation in (SERVICE_RETRIEVE, STATUS_RETRIEVE):
                listed = self.listed.get(uuid)
                if listed and listed[0] != fingerprint(item):
                    found.append(violation(LIST_AGREES_WITH_RETRIEVE, "the object as the list showed it",
                                           f"a different object: {seen.response.text[:300]}", listed[1], seen.response))
        return found


class AgentsAreFreshOrReplayed:
    """Each created agent has an id no other has; the same idempotency key and body replay it."""

    rules, operations = (FRESH_IDS, IDEMPOTENT), frozenset({CREATE_AGENT})

    def __init__(self):
        self.ids = Recent()   # agent id -> fingerprint of the request that created it
        self.keys = Recent()  # (idempotency key, fingerprint of the body) -> (agent id, response)

    def __call__(self, seen: Observed) -> list[Violation]:
        agent = agent_of(seen)
        if agent is None or not isinstance(agent.get("id"), str) or not isinstance(seen.sent, dict):
            return []
        found, request = [], fingerprint(seen.sent)
        key = seen.sent.get("idempotency_key")
        replayed = self.keys.get((key, request)) if key else None
        if replayed and replayed[0] != agent["id"]:
            found.append(violation(IDEMPOTENT, f"the agent {replayed[0]} created with this key and body",
                                   f"agent {agent['id']}", replayed[1], seen.response))
        elif replayed is None and agent["id"] in self.ids and self.ids[agent["id"]] != request:
            found.append(violation(FRESH_IDS, "a fresh id", f"id {agent['id']} was given before", seen.response))
        self.ids[agent["id"]] = request
        if key and replayed is None:
            self.keys[(key, request)] = (agent["id"], light(seen.response))
        return found


def rule_judges() -> list:
    """A fresh set: the sequence judges hold what they remember."""
    return [anonymous_requests_are_refused, pages_agree_with_their_count_and_links, listed_objects_match_the_filters,
            listed_statuses_follow_o, set_statistics_answers_what_was_set, registered_processor_names_its_service,
            created_agent_is_new_and_named_as_sent, connection_summary_counts_the_agents,
            ProcessorsKeepTheirUuid(), ServicesShowWhatWasWritten(), AgentsAreFreshOrReplayed()]
