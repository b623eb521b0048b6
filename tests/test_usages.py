"""Component usages (resources/usages.py): what set_usage reports is what the usage list shows."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from mock_api import OWNER, PERMISSION_DENIED, PROPERTIES, SUPPORT, USER, state_of

USAGES = "/api/marketplace-component-usages/"
USER_USAGES = "/api/marketplace-component-user-usages/"
RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"
AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


def set_usage(client, usages: dict, date="2025-02-10T12:00:00Z", headers=OWNER):
    """What waldur-site-agent 1.0.7 sends: `resource`, `date` and one item per component."""
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
    assert answer.status_code == 400 and list(answer.json()) == ["usages"]
    assert state_of(client) == before


def test_only_staff_and_the_offerings_owner_report_usage(client):
    assert (set_usage(client, {"cpu": Decimal(1)}, headers=SUPPORT).json()) == PERMISSION_DENIED
    assert set_usage(client, {"cpu": Decimal(1)}, headers=USER).json() == PERMISSION_DENIED  # a known resource
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
