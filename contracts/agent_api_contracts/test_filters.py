"""Each documented filter returns exactly the matching objects; `o` sorts both ways
(000_5b7b95424e9abc49.txt, 002_eed0c27112d17246.txt)."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.discovery import (INTEGRATION_STATUSES, SERVICES, enum_labels, everything, moment,
                                 parameter_labels, uuid_of_url)
from agent_api_contracts.judges.exchanges import observe
from agent_api_contracts.judges.lists import listed_objects_match_the_filters, listed_statuses_follow_o
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.lists import FILTER_EXACT, ORDERING

pytestmark = pytest.mark.waldur
LISTS = {SERVICES: "marketplace_site_agent_services_list", INTEGRATION_STATUSES: "marketplace_integration_statuses_list"}


def urls(items: list[dict]) -> list[str]:
    return [item["url"] for item in items]


def check_filter(client, path, params, expected: list[dict], everything_seen: list[dict]):
    """The first page is judged as the proxy judges a filtered list in passing (only matching
    objects); all pages together must then hold exactly the expected objects."""
    first_page = client.get(path, params=params)
    enforce(listed_objects_match_the_filters(observe(first_page, LISTS[path])))
    got = everything(client, path, params)
    wanted = urls(expected)
    FILTER_EXACT.check(
        sorted(urls(got)) == sorted(wanted),
        f"filter {params} over {len(everything_seen)} objects: got {len(got)}, expected {len(wanted)}; "
        f"extra {sorted(set(urls(got)) - set(wanted))[:3]}, missing {sorted(set(wanted) - set(urls(got)))[:3]}",
        first_page)


@settings(settings.get_profile("contracts"))
@given(data=st.data())
def test_service_filters_return_exactly_the_matching_services(waldur_support, data):
    services = everything(waldur_support, SERVICES)
    if not services:
        pytest.skip("the target has no site-agent services")
    pick = data.draw(st.sampled_from(services), label="a service whose values we filter by")
    codes = {label: code for code, label in enum_labels("AgentServiceStateEnum").items()}
    states = data.draw(st.lists(st.sampled_from(sorted(codes)), min_size=1, max_size=3, unique=True), label="states")
    identity = data.draw(st.sampled_from([pick["identity"], str(uuid.UUID(pick["identity"]))]), label="identity form")
    cases = [
        ({"identity_uuid": identity}, [s for s in services if s["identity"] == pick["identity"]]),
        ({"state": [codes[label] for label in states]}, [s for s in services if s["state"] in states]),
        ({"modified_after": pick["modified"]}, [s for s in services if moment(s["modified"]) >= moment(pick["modified"])]),
        ({"modified_before": pick["modified"]}, [s for s in services if moment(s["modified"]) <= moment(pick["modified"])]),
    ]
    if pick.get("mode"):
        cases.append(({"mode": pick["mode"]}, [s for s in services if s.get("mode") == pick["mode"]]))
    for params, expected in cases:
        check_filter(waldur_support, SERVICES, params, expected, services)


@settings(settings.get_profile("contracts"))
@given(data=st.data())
def test_integration_status_filters_return_exactly_the_matching_statuses(waldur_support, data):
    statuses = everything(waldur_support, INTEGRATION_STATUSES)
    if not statuses:
        pytest.skip("the target has no integration statuses")
    pick = data.draw(st.sampled_from(statuses), label="a status whose values we filter by")
    type_codes = {label: code for code, label in parameter_labels("AgentTypeFilter").items()}
    labels = data.draw(st.lists(st.sampled_from(["Unknown", "Active", "Disconnected"]), min_size=1, max_size=3,
                                unique=True), label="status labels")
    offerings = sorted({s["offering"] for s in statuses})
    chosen = data.draw(st.lists(st.sampled_from(offerings), min_size=1, max_size=3, unique=True), label="offerings")
    cases = [
        ({"status": labels}, [s for s in statuses if s["status"] in labels]),
        ({"offering": pick["offering"]}, [s for s in statuses if s["offering"] == pick["offering"]]),
        ({"offering_uuid": ",".join(uuid_of_url(o) for o in chosen)}, [s for s in statuses if s["offering"] in chosen]),
        ({"offering": pick["offering"].replace(uuid_of_url(pick["offering"]), uuid.uuid4().hex)}, []),
        ({"offering_uuid": uuid.uuid4().hex}, []),
        ({"customer_uuid": uuid.uuid4().hex}, []),
    ]
    if pick.get("agent_type") in type_codes:  # servers that leave agent_type out: every_listed_object_matches_its_schema
        cases.append(({"agent_type": type_codes[pick["agent_type"]]},
                      [s for s in statuses if s.get("agent_type") == pick["agent_type"]]))
    for params, expected in cases:
        check_filter(waldur_support, INTEGRATION_STATUSES, params, expected, statuses)


def test_o_sorts_integration_statuses_by_last_request_both_ways(waldur_support):
    ascending = everything(waldur_support, INTEGRATION_STATUSES, {"o": "last_request_timestamp"})
    descending = everything(waldur_support, INTEGRATION_STATUSES, {"o": "-last_request_timestamp"})
    response = waldur_support.get(INTEGRATION_STATUSES, params={"o": "-last_request_timestamp"})
    ORDERING.check(sorted(urls(ascending)) == sorted(urls(descending)), "the two orders hold different objects", response)
    for order in ("last_request_timestamp", "-last_request_timestamp"):  # one page, as the proxy judges it
        page = waldur_support.get(INTEGRATION_STATUSES, params={"o": order, "page_size": 300})
        enforce(listed_statuses_follow_o(observe(page, LISTS[INTEGRATION_STATUSES])))
    for items, reverse in ((ascending, False), (descending, True)):  # every page together
        stamps = [moment(s["last_request_timestamp"]) for s in items if s["last_request_timestamp"]]
        ORDERING.check(stamps == sorted(stamps, reverse=reverse),
                       f"{'descending' if reverse else 'ascending'} order is {[s.isoformat() for s in stamps][:6]}...", response)
