"""Waldur's own tests of usage reports, translated into HTTP tests against the mock.

Source: waldur-mastermind src/waldur_mastermind/marketplace/tests/test_usage.py, class
TestUsageApi (the stored version; it reports through the signed public API, which the mock
does not serve, so each case here reports through `POST /api/marketplace-component-usages/set_usage/`
with the same body, as its test_authenticated_user_can_submit_usage_via_api does). The rules are
marketplace/serializers.py ComponentUsageCreateSerializer (validate, save).
"""
from __future__ import annotations

from datetime import datetime, timezone

from mock_api import OWNER, STAFF, state_of

USAGES = "/api/marketplace-component-usages/"
RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"  # HPC cluster's genome-allocation: components cpu and mem


def with_resource_in(client, state: str) -> None:
    seed = state_of(client)
    for item in seed["resources"]:
        if item["uuid"] == RESOURCE:
            item["state"] = state
    assert client.put("/__admin/state", json=seed).status_code == 200


def submit_usage(client, component_type="cpu", amount=5, description="", headers=OWNER):
    """test_usage.py get_usage_data: `resource`, `usages` of type, amount, description (no date: now)."""
    return client.post(f"{USAGES}set_usage/", headers=headers, json={
        "resource": RESOURCE, "usages": [{"type": component_type, "amount": amount, "description": description}]})


def reported(client) -> list[dict]:
    return client.get(USAGES, headers=STAFF, params={"resource_uuid": RESOURCE}).json()


def test_create_usage(client):
    """test_usage.py TestUsageApi.test_create_usage: 201 and a usage of the component dated today."""
    with_resource_in(client, "OK")
    answer = submit_usage(client)
    assert answer.status_code == 201
    [usage] = reported(client)
    assert (usage["type"], usage["usage"]) == ("cpu", 5)
    today = datetime.now(timezone.utc).date()
    assert (usage["date"][:10], usage["billing_period"]) == (today.isoformat(), today.replace(day=1).isoformat())


def test_submit_usage_with_description(client):
    """test_usage.py TestUsageApi.test_submit_usage_with_description: the report keeps its description."""
    with_resource_in(client, "OK")
    assert submit_usage(client, description="My first usage report").status_code == 201
    assert reported(client)[0]["description"] == "My first usage report"


def test_not_create_usage_if_component_not_exists(client):
    """test_usage.py TestUsageApi.test_not_create_usage_if_component_not_exists: a type the offering
    has no component for is a 400, and nothing is stored."""
    with_resource_in(client, "OK")
    answer = submit_usage(client, component_type="ram")
    assert (answer.status_code, answer.json()) == (400, {"non_field_errors": ["These components are invalid: ram."]})
    assert reported(client) == []


def test_update_usage_if_usage_exists(client):
    """test_usage.py TestUsageApi.test_update_usage_if_usage_exists: a second report of the period
    replaces the first (one usage, the new amount)."""
    with_resource_in(client, "OK")
    submit_usage(client)
    assert submit_usage(client, amount=15).status_code == 201
    assert [(usage["type"], usage["usage"]) for usage in reported(client)] == [("cpu", 15)]


def test_usage_is_not_updated_if_resource_is_terminated(client):
    """test_usage.py TestUsageApi.test_usage_is_not_updated_if_resource_is_terminated: 400."""
    with_resource_in(client, "Terminated")
    answer = submit_usage(client)
    assert (answer.status_code, answer.json()) == (400, {"resource": ["Resource is not in valid state."]})
    assert reported(client) == []
