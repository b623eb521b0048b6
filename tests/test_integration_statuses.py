"""Integration statuses: what each role lists, every filter, the `o` ordering, and retrieve
through the uuid at the end of a listed `url`."""
from __future__ import annotations

import httpx
import pytest

from mock_api import (
    BASE_URL, OFFERINGS, OWNER, STAFF, STATUS_NOT_FOUND, STATUSES, SUPPORT, USER, WALDUR_TIME, hyphenated,
    list_everything, owned_and_foreign, state_of, status_path, statuses_of, uuid_at_end_of, when,
)
from agent_api_mock.resources.integration_statuses import AGENT_TYPES, INTEGRATION_STATUSES


def listed(client, headers=STAFF, **params) -> set[str]:
    """The uuids of the listed statuses (the list's order is checked where it is defined)."""
    return {uuid_at_end_of(status["url"]) for status in list_everything(client, STATUSES, headers, **params)}


def uuids(statuses) -> set[str]:
    return {status["uuid"] for status in statuses}


def where(seed, test) -> set[str]:
    offerings = {offering["uuid"]: offering for offering in seed["offerings"]}
    return {status["uuid"] for status in seed["integration_statuses"] if test(status, offerings[status["offering"]])}


def offering_url(offering_uuid: str) -> str:
    return f"{BASE_URL}{OFFERINGS}{offering_uuid}/"


# --- who sees what -------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [STAFF, SUPPORT], ids=["staff", "support"])
def test_staff_and_support_list_every_status(client, seed, headers):
    assert listed(client, headers) == uuids(seed["integration_statuses"])


def test_an_owner_lists_the_statuses_of_its_customers_offerings(client, seed):
    own, _ = owned_and_foreign(seed)
    assert listed(client, OWNER) == uuids(statuses_of(seed, own))
    assert 0 < len(statuses_of(seed, own)) < len(seed["integration_statuses"])


def test_a_user_without_permissions_lists_nothing(client):
    answer = client.get(STATUSES, headers=USER)
    assert (answer.status_code, answer.json(), answer.headers["X-Result-Count"]) == (200, [], "0")


def test_a_listed_status_shows_what_the_state_holds_in_the_wire_format(client, seed):
    stored = {status["uuid"]: status for status in seed["integration_statuses"]}
    for status in list_everything(client, STATUSES, STAFF):
        uuid = uuid_at_end_of(status["url"])
        assert status["url"] == f"{BASE_URL}{status_path(uuid)}"
        assert set(status) == {"agent_type", "status", "last_request_timestamp", "offering", "url"}
        assert status["agent_type"] == stored[uuid]["agent_type"] in AGENT_TYPES.values()
        assert status["status"] == stored[uuid]["status"] in INTEGRATION_STATUSES
        assert status["offering"] == offering_url(stored[uuid]["offering"])
        assert status["last_request_timestamp"] == stored[uuid]["last_request_timestamp"]
        assert status["last_request_timestamp"] is None or WALDUR_TIME.match(status["last_request_timestamp"])


# --- retrieve ------------------------------------------------------------------------------

def test_the_uuid_at_the_end_of_a_listed_url_retrieves_it(client):
    for status in list_everything(client, STATUSES, STAFF):
        by_path = client.get(httpx.URL(status["url"]).path, headers=STAFF)
        assert by_path.status_code == 200
        assert by_path.json() == status
        by_hyphenated_uuid = client.get(status_path(hyphenated(uuid_at_end_of(status["url"]))), headers=STAFF)
        assert by_hyphenated_uuid.json() == status


@pytest.mark.parametrize("uuid", ["0" * 32, "nope"])
def test_retrieve_of_no_such_status_is_404(client, uuid):
    answer = client.get(status_path(uuid), headers=STAFF)
    assert answer.status_code == 404
    assert answer.json() == STATUS_NOT_FOUND


# --- filters -------------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(AGENT_TYPES))
def test_agent_type_filter_takes_the_numeric_code(client, seed, code):
    expected = where(seed, lambda status, _: status["agent_type"] == AGENT_TYPES[code])
    assert expected
    assert listed(client, agent_type=code) == expected


@pytest.mark.parametrize("value", ["0", "6", "Order processing"])
def test_agent_type_filter_matches_nothing_but_the_codes(client, value):
    """marketplace/filters.py IntegrationStatusFilter.agent_type is a CharFilter on the stored code:
    any other text is no error, it lists nothing."""
    answer = client.get(STATUSES, headers=STAFF, params={"agent_type": value})
    assert answer.status_code == 200
    assert answer.json() == []


@pytest.mark.parametrize("label", INTEGRATION_STATUSES)
def test_status_filter_takes_the_label(client, seed, label):
    expected = where(seed, lambda status, _: status["status"] == label)
    assert expected
    assert listed(client, status=label) == expected


def test_status_filter_repeats_for_several_labels(client, seed):
    expected = where(seed, lambda status, _: status["status"] in {"Active", "Disconnected"})
    assert listed(client, status=["Active", "Disconnected"]) == expected


@pytest.mark.parametrize("value", ["active", "Connected", "2"])
def test_status_filter_refuses_what_is_no_label(client, value):
    answer = client.get(STATUSES, headers=STAFF, params={"status": value})
    assert answer.status_code == 400
    assert answer.json() == {"status": [f"Select a valid choice. {value} is not one of the available choices."]}


@pytest.mark.parametrize("spelling", [str, hyphenated], ids=["hex", "hyphenated"])
def test_customer_uuid_filter(client, seed, spelling):
    for customer in seed["customers"]:
        expected = where(seed, lambda _, offering: offering["customer"] == customer["uuid"])
        assert listed(client, customer_uuid=spelling(customer["uuid"])) == expected


def test_offering_filter_takes_an_offering_url(client, seed):
    for offering in seed["offerings"]:
        expected = where(seed, lambda status, _: status["offering"] == offering["uuid"])
        assert expected
        assert listed(client, offering=offering_url(offering["uuid"])) == expected
        assert listed(client, offering=offering_url(hyphenated(offering["uuid"]))) == expected


@pytest.mark.parametrize("bad_url", [
    "not a url", f"{BASE_URL}{OFFERINGS}", f"{BASE_URL}/api/customers/{'0' * 32}/", f"{BASE_URL}{OFFERINGS}{'0' * 32}/",
])
def test_offering_filter_with_a_bad_url_gives_an_empty_list(client, bad_url):
    answer = client.get(STATUSES, headers=STAFF, params={"offering": bad_url})
    assert answer.status_code == 200
    assert answer.json() == []


def test_offering_uuid_filter_takes_a_comma_separated_list(client, seed):
    first, second, *_ = [offering["uuid"] for offering in seed["offerings"]]
    only_first = where(seed, lambda status, _: status["offering"] == first)
    both = where(seed, lambda status, _: status["offering"] in {first, second})
    assert listed(client, offering_uuid=first) == only_first
    assert listed(client, offering_uuid=f"{first},{hyphenated(second)}") == both
    assert only_first < both


def test_offering_uuid_filter_refuses_what_is_no_uuid(client):
    answer = client.get(STATUSES, headers=STAFF, params={"offering_uuid": "hpc-cluster"})
    assert answer.status_code == 400
    assert answer.json() == {"offering_uuid": ["Enter a valid UUID."]}


def test_offering_slug_filter_takes_a_comma_separated_list(client, seed):
    first, second, *_ = seed["offerings"]
    only_first = where(seed, lambda _, offering: offering["slug"] == first["slug"])
    both = where(seed, lambda _, offering: offering["slug"] in {first["slug"], second["slug"]})
    assert listed(client, offering_slug=first["slug"]) == only_first
    assert listed(client, offering_slug=f"{first['slug']},{second['slug']}") == both
    assert listed(client, offering_slug="no-such-slug") == set()
    assert only_first < both


def test_parent_offering_uuid_filter(client, seed):
    parents = {offering["parent"] for offering in seed["offerings"] if offering["parent"]}
    assert parents
    for parent in parents:
        expected = where(seed, lambda _, offering: offering["parent"] == parent)
        assert expected
        assert listed(client, parent_offering_uuid=parent) == expected
        assert listed(client, parent_offering_uuid=hyphenated(parent)) == expected


def test_an_empty_list_filter_filters_nothing(client, seed):
    assert listed(client, offering_uuid="") == uuids(seed["integration_statuses"])


def test_filters_combine(client, seed):
    customer = seed["customers"][0]["uuid"]
    expected = where(seed, lambda status, offering: offering["customer"] == customer and status["status"] == "Active")
    assert expected
    assert listed(client, customer_uuid=customer, status="Active") == expected


def test_filters_apply_within_what_the_caller_may_see(client, seed):
    _, foreign = owned_and_foreign(seed)
    foreign_offering = sorted(foreign)[0]
    assert listed(client, OWNER, offering_uuid=foreign_offering) == set()
    assert listed(client, STAFF, offering_uuid=foreign_offering) != set()


# --- ordering ------------------------------------------------------------------------------

def timestamps(client, **params) -> list[str | None]:
    return [status["last_request_timestamp"] for status in list_everything(client, STATUSES, STAFF, **params)]


def test_ordering_by_last_request_ascending_puts_nulls_last(client, seed):
    shown = timestamps(client, o="last_request_timestamp")
    known = sorted((s["last_request_timestamp"] for s in seed["integration_statuses"] if s["last_request_timestamp"]),
                   key=when)
    nulls = sum(s["last_request_timestamp"] is None for s in seed["integration_statuses"])
    assert known and nulls
    assert shown == known + [None] * nulls


def test_ordering_by_last_request_descending_puts_nulls_first(client, seed):
    shown = timestamps(client, o="-last_request_timestamp")
    known = sorted((s["last_request_timestamp"] for s in seed["integration_statuses"] if s["last_request_timestamp"]),
                   key=when, reverse=True)
    nulls = sum(s["last_request_timestamp"] is None for s in seed["integration_statuses"])
    assert shown == [None] * nulls + known


def test_ordering_applies_before_pagination(client):
    first_page = client.get(STATUSES, headers=STAFF, params={"o": "-last_request_timestamp", "page_size": 3}).json()
    assert [s["last_request_timestamp"] for s in first_page] == timestamps(client, o="-last_request_timestamp")[:3]


@pytest.mark.parametrize("value", ["created", "last_request", "+last_request_timestamp"])
def test_ordering_refuses_other_fields(client, value):
    answer = client.get(STATUSES, headers=STAFF, params={"o": value})
    assert answer.status_code == 400
    assert answer.json() == {"o": [f"Select a valid choice. {value} is not one of the available choices."]}


@pytest.mark.parametrize("headers", [STAFF, SUPPORT, OWNER], ids=["staff", "support", "owner"])
def test_an_integration_status_offering_url_answers_that_offering(client, headers):
    """The `offering` URL leads somewhere: the provider offering, served for the site agent."""
    statuses = client.get(STATUSES, headers=headers, params={"page_size": 300}).json()
    assert statuses
    for status in statuses:
        answer = client.get(status["offering"].removeprefix(BASE_URL), headers=headers)
        assert answer.status_code == 200, status["offering"]
        assert answer.json()["uuid"] == status["offering"].rstrip("/").rsplit("/", 1)[-1]


# --- what an agent's reads refresh (resources/agent_status.py) --------------------------------

AGENT = {"User-Agent": "waldur-site-agent/1.0.7"}
HPC = "fce5a890b4e15e57980a83931fcee79c"


def hpc_statuses(client) -> dict[str, dict]:
    return {status["agent_type"]: status for status in list_everything(client, STATUSES, STAFF, offering_uuid=HPC)}


@pytest.mark.parametrize("headers, params", [
    (STAFF, {"offering_uuid": HPC}),  # not the agent's User-Agent
    ({**STAFF, **AGENT}, {}),  # no offering_uuid
    ({**STAFF, **AGENT}, {"offering_uuid": "00000000000000000000000000000000"}),  # no such offering
], ids=["other-user-agent", "no-offering-uuid", "unknown-offering"])
def test_a_read_refreshes_nothing_unless_the_agent_names_a_known_offering(client, seed, headers, params):
    """marketplace/utils.py refresh_integration_agent_status returns early in each of these cases."""
    assert client.get("/api/marketplace-provider-resources/", params=params, headers=headers).status_code == 200
    assert state_of(client)["integration_statuses"] == seed["integration_statuses"]


def test_reading_one_order_refreshes_order_processing_and_event_processing(client):
    """OrderViewSet.retrieve refreshes the statuses too, from the request's offering_uuid."""
    order = list_everything(client, "/api/marketplace-orders/", STAFF, offering_uuid=HPC)[0]
    before = hpc_statuses(client)
    answer = client.get(f"/api/marketplace-orders/{order['uuid']}/", params={"offering_uuid": HPC},
                        headers={**OWNER, **AGENT})
    assert answer.status_code == 200
    after = hpc_statuses(client)
    assert {name for name in after if after[name] != before[name]} == {"Order processing", "Event processing"}
    assert all(after[name]["status"] == "Active" for name in ("Order processing", "Event processing"))


def test_refreshed_statuses_are_listed_in_their_new_order(client):
    """The refresh is visible to every reader at once: ordered by last request, a refreshed status comes last."""
    client.get("/api/marketplace-provider-resources/", params={"offering_uuid": HPC}, headers={**OWNER, **AGENT})
    newest_first = list_everything(client, STATUSES, STAFF, o="-last_request_timestamp")
    refreshed = [s for s in newest_first if s["last_request_timestamp"] is not None][:3]
    assert {s["agent_type"] for s in refreshed} == {"Usage reporting", "Resource sync", "Event processing"}
    assert all(s["offering"].endswith(f"{HPC}/") for s in refreshed)
