"""Component usages (resources/usages.py): what set_usage reports is what the usage list shows."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_api import OWNER, PERMISSION_DENIED, PROPERTIES, STAFF, SUPPORT, USER, state_of

USAGES = "/api/marketplace-component-usages/"
USER_USAGES = "/api/marketplace-component-user-usages/"
RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"
AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


def with_resource_in(client, state: str, resource: str = RESOURCE) -> None:
    """The seed's resource moved to `state` through the test control surface."""
    seed = state_of(client)
    for item in seed["resources"]:
        if item["uuid"] == resource:
            item["state"] = state
    assert client.put("/__admin/state", json=seed).status_code == 200


@pytest.fixture(autouse=True)
def resource_in_ok(client):
    """Waldur stores usage only for a resource in OK, Updating or Terminating; the seed's is Creating."""
    with_resource_in(client, "OK")


def set_usage(client, usages: dict, date="2025-02-10T12:00:00Z", headers=STAFF):
    """What waldur-site-agent 1.0.7 sends: `resource`, `date` and one item per component (staff by
    default: only staff date usage-billed components into a past billing period)."""
    return client.post(f"{USAGES}set_usage/", headers=headers, json={
        "resource": RESOURCE, "date": date, "usages": [{"type": kind, "amount": f"{amount:.2f}"}
                                                       for kind, amount in usages.items()]})


def usages_of(client, **params) -> dict:
    listed = client.get(USAGES, headers=OWNER, params={"resource_uuid": RESOURCE, **params}).json()
    return {usage["type"]: Decimal(str(usage["usage"])) for usage in listed}


@PROPERTIES
@given(cpu=AMOUNTS, mem=AMOUNTS)
def test_set_usage_is_visible_in_the_usage_list(client, cpu, mem):
    answer = set_usage(client, {"cpu": cpu, "mem": mem})
    assert answer.status_code == 201
    assert usages_of(client, billing_period="2025-02-01") == {"cpu": cpu, "mem": mem}


def test_a_second_report_in_the_same_month_replaces_the_first(client):
    set_usage(client, {"cpu": Decimal("5")})
    set_usage(client, {"cpu": Decimal("7.5")}, date="2025-02-20T00:00:00Z")
    set_usage(client, {"cpu": Decimal("1")}, date="2025-03-02T00:00:00Z")
    assert usages_of(client, billing_period="2025-02-01") == {"cpu": Decimal("7.50")}
    assert usages_of(client, billing_period="2025-03-01") == {"cpu": Decimal("1.00")}


def test_a_component_the_offering_does_not_have_is_refused(client):
    before = state_of(client)
    answer = set_usage(client, {"cpu": Decimal(1), "gpu": Decimal(2)})
    assert (answer.status_code, answer.json()) == (400, {"non_field_errors": ["These components are invalid: gpu."]})
    assert state_of(client) == before


def test_only_staff_and_the_offerings_owner_report_usage(client):
    today = f"{datetime.now(timezone.utc).date().isoformat()}T00:00:00Z"  # the date rules pass; only the role is wrong
    assert (set_usage(client, {"cpu": Decimal(1)}, date=today, headers=SUPPORT).json()) == PERMISSION_DENIED
    assert set_usage(client, {"cpu": Decimal(1)}, date=today, headers=USER).json() == PERMISSION_DENIED  # a known resource
    assert usages_of(client) == {}


def test_user_usages_of_a_component_usage_are_listed(client):
    set_usage(client, {"cpu": Decimal(10)})
    usage = client.get(USAGES, headers=OWNER, params={"resource_uuid": RESOURCE}).json()[0]
    answer = client.post(f"{USAGES}{usage['uuid']}/set_user_usages/", headers=OWNER,
                         json={"usages": [{"username": "alice", "usage": "6.00"}, {"username": "bob", "usage": "4"}]})
    assert answer.status_code == 201
    listed = client.get(USER_USAGES, headers=OWNER, params={"resource_uuid": RESOURCE}).json()
    assert {(item["username"], item["usage"], item["component_type"]) for item in listed} \
        == {("alice", 6, "cpu"), ("bob", 4, "cpu")}
    assert client.get(USER_USAGES, headers=USER).json() == []


def test_a_billing_period_that_is_no_date_is_refused_in_django_filters_words(client):
    for path, name in ((USAGES, "billing_period"), (USER_USAGES, "component_usage__billing_period")):
        for value in ("abc", "2025-13-01"):
            answer = client.get(path, headers=OWNER, params={name: value})
            assert (answer.status_code, answer.json()) == (400, {name: ["Enter a valid date."]})


def test_user_usages_filter_by_their_usages_billing_period_under_the_name_the_agent_sends(client):
    """waldur-api-client sends `component_usage__billing_period` (the django-filter lookup path)."""
    for date, username in (("2025-02-10T12:00:00Z", "february"), ("2025-03-10T12:00:00Z", "march")):
        set_usage(client, {"cpu": Decimal(1)}, date=date)
        usage = client.get(USAGES, headers=OWNER, params={"resource_uuid": RESOURCE, "billing_period": date[:8] + "01"}).json()[0]
        client.post(f"{USAGES}{usage['uuid']}/set_user_usages/", headers=OWNER,
                    json={"usages": [{"username": username, "usage": "1"}]})
    listed = client.get(USER_USAGES, headers=OWNER, params={"component_usage__billing_period": "2025-03-01"}).json()
    assert [item["username"] for item in listed] == ["march"]


# --- set_user_usage (Waldur: marketplace/views.py ComponentUsageViewSet.set_user_usage) ----------

def cpu_usage_of(client, period: str) -> dict:
    return client.get(USAGES, headers=OWNER, params={"resource_uuid": RESOURCE, "billing_period": period,
                                                     "type": "cpu"}).json()[0]


def user_usages_of(client, **params) -> dict:
    listed = client.get(USER_USAGES, headers=OWNER, params={"resource_uuid": RESOURCE, **params}).json()
    return {(item["username"], item["billing_period"]): item["usage"] for item in listed}


def test_set_user_usage_stores_one_users_share_and_then_replaces_its_usage(client):
    set_usage(client, {"cpu": Decimal(10)})
    usage = cpu_usage_of(client, "2025-02-01")
    path = f"{USAGES}{usage['uuid']}/set_user_usage/"
    first_user, second_user = (f"http://testserver/api/marketplace-offering-users/{'1' * 32}/",
                               f"http://testserver/api/marketplace-offering-users/{'2' * 32}/")
    first = client.post(path, headers=OWNER, json={"username": "alice", "usage": "6.5", "user": first_user})
    assert (first.status_code, first.content) == (201, b"")
    assert client.post(path, headers=OWNER, json={"username": "alice", "usage": "7", "user": second_user}).status_code == 201
    assert user_usages_of(client) == {("alice", "2025-02-01"): 7}
    listed = client.get(USER_USAGES, headers=OWNER, params={"username": "alice"}).json()
    assert listed[0]["user"] == first_user  # an update changes the usage only


def test_set_user_usage_with_a_date_goes_to_that_periods_usage_created_for_backfill(client):
    set_usage(client, {"cpu": Decimal(10)})
    usage = cpu_usage_of(client, "2025-02-01")
    answer = client.post(f"{USAGES}{usage['uuid']}/set_user_usage/", headers=OWNER,
                         json={"username": "bob", "usage": "3", "date": "2024-11-15T10:00:00Z"})
    assert answer.status_code == 201
    backfilled = cpu_usage_of(client, "2024-11-01")
    assert (backfilled["usage"], backfilled["description"]) == (0, "Created for user usage backfill")
    assert user_usages_of(client) == {("bob", "2024-11-01"): 3}
    assert cpu_usage_of(client, "2025-02-01")["usage"] == 10


def test_set_user_usage_is_for_staff_and_the_offerings_owner(client):
    set_usage(client, {"cpu": Decimal(10)})
    usage = cpu_usage_of(client, "2025-02-01")
    path = f"{USAGES}{usage['uuid']}/set_user_usage/"
    assert client.post(path, headers=SUPPORT, json={"username": "x", "usage": "1"}).json() == PERMISSION_DENIED
    assert client.post(path, headers=USER, json={"username": "x", "usage": "1"}).status_code == 404
    assert user_usages_of(client) == {}


# --- the lists' filters (Waldur: marketplace/filters.py ComponentUsageFilter, ComponentUserUsageFilter) ---

def test_usages_filter_by_the_day_of_their_date_both_ends_included(client):
    for day in ("2025-01-31T23:00:00Z", "2025-02-10T12:00:00Z", "2025-03-01T00:30:00Z"):
        set_usage(client, {"cpu": Decimal(1)}, date=day)
    def periods(**params):
        listed = client.get(USAGES, headers=OWNER, params={"resource_uuid": RESOURCE, **params}).json()
        return sorted(u["billing_period"] for u in listed)
    assert periods(date_after="2025-02-10", date_before="2025-03-01") == ["2025-02-01", "2025-03-01"]
    assert periods(date_before="2025-01-31") == ["2025-01-01"]
    assert periods(billing_period_month=2, billing_period_year=2025) == ["2025-02-01"]
    assert periods(date_after="") == ["2025-01-01", "2025-02-01", "2025-03-01"]
    answer = client.get(USAGES, headers=OWNER, params={"date_after": "2025-02-30"})
    assert (answer.status_code, answer.json()) == (400, {"date_after": ["Enter a valid date."]})


def test_usages_filter_by_project_customer_resource_url_and_type_and_order_by_usage(client):
    set_usage(client, {"cpu": Decimal(5), "mem": Decimal(2)})
    resource_url = f"http://testserver/api/marketplace-resources/{RESOURCE}/"
    # the resource's project (and its customer, the consumer), not the offering's customer
    project, customer = "aeb88daa0b664602a84a6872b4824ff7", "327831573e8c54bba4eda4f70a23adb2"
    for params in ({"project_uuid": project}, {"customer_uuid": customer}, {"resource": resource_url}):
        # the seed's gpu usage of climate-allocation is in the same project
        assert {u["type"] for u in client.get(USAGES, headers=OWNER, params=params).json()} - {"gpu"} == {"cpu", "mem"}
    assert client.get(USAGES, headers=OWNER, params={"customer_uuid": "2037d4cc02cf5404a713d4c207de392e"}).json() == []
    assert [u["type"] for u in client.get(USAGES, headers=OWNER, params={"type": "mem"}).json()] == ["mem"]
    ordered = {"resource_uuid": RESOURCE}
    assert [u["usage"] for u in client.get(USAGES, headers=OWNER, params={**ordered, "o": "-usage"}).json()] == [5, 2]
    assert [u["usage"] for u in client.get(USAGES, headers=OWNER, params={**ordered, "o": "usage"}).json()] == [2, 5]
