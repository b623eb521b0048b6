"""Orders (resources/orders.py): the state machine the agent drives, and POST /__admin/orders.

    pending-provider --approve_by_provider--> executing --set_state_done--> done
    pending-provider --reject_by_provider---> rejected
    pending-* / executing --set_state_erred--> erred (with error_message)
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_api import NOT_FOUND, OWNER, PERMISSION_DENIED, PROPERTIES, STAFF, SUPPORT, USER, hyphenated, state_of

ORDERS = "/api/marketplace-orders/"
OBJECT_STORAGE_OFFERING = "87dfd18ae2725b99aa0e161ebe53edaf"  # another customer's
RESOURCES = "/api/marketplace-provider-resources/"
BUILT_IN_ORDER = "d5c3b29deb844de5a6e54f3bf4a976b5"  # pending Create of resource genome-allocation
BUILT_IN_RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"
HPC_CLUSTER = "fce5a890b4e15e57980a83931fcee79c"
ORDER_NOT_FOUND = {"detail": "No Order matches the given query."}
# The state machine as the issue and waldur-mastermind's OrderViewSet state it.
MACHINE = {
    "approve_by_provider": ({"pending-provider"}, "executing"),
    "reject_by_provider": ({"pending-provider"}, "rejected"),
    "set_state_done": ({"executing"}, "done"),
    "set_state_erred": ({"pending-consumer", "pending-provider", "pending-project", "pending-start-date", "executing"},
                        "erred"),
}


def act(client, order: str, action: str, headers=OWNER, **body):
    return client.post(f"{ORDERS}{order}/{action}/", headers=headers, json=body)


def order_state(client, order: str = BUILT_IN_ORDER) -> str:
    return client.get(f"{ORDERS}{order}/", headers=STAFF).json()["state"]


def test_the_built_in_data_holds_a_pending_create_order_for_the_owners_offering(client):
    listed = client.get(ORDERS, headers=OWNER, params=[("offering_uuid", HPC_CLUSTER), ("state", "pending-provider"),
                                                      ("state", "executing")]).json()
    assert [(o["uuid"], o["type"], o["marketplace_resource_uuid"]) for o in listed] \
        == [(BUILT_IN_ORDER, "Create", BUILT_IN_RESOURCE)]
    assert listed[0]["plan_uuid"] and listed[0]["project_uuid"]


def test_approve_then_done_finishes_a_create_and_the_resource_is_ok(client):
    approved = act(client, hyphenated(BUILT_IN_ORDER), "approve_by_provider")
    assert approved.status_code == 200 and "detail" in approved.json()
    assert order_state(client) == "executing"
    assert client.get(f"{ORDERS}{BUILT_IN_ORDER}/", headers=OWNER, params=[("field", "uuid"), ("field", "state")]).json() \
        == {"uuid": BUILT_IN_ORDER, "state": "executing"}
    assert act(client, BUILT_IN_ORDER, "set_state_done").status_code == 200
    assert order_state(client) == "done"
    assert client.get(f"{RESOURCES}{BUILT_IN_RESOURCE}/", headers=STAFF).json()["state"] == "OK"


def test_an_order_approved_twice_is_refused_and_stays_executing(client):
    act(client, BUILT_IN_ORDER, "approve_by_provider")
    before = state_of(client)
    again = act(client, BUILT_IN_ORDER, "approve_by_provider")
    assert (again.status_code, again.json()) == (409, {"detail": "Valid states for operation: pending-provider."})
    assert state_of(client) == before


def test_an_erred_order_keeps_its_error_message(client):
    act(client, BUILT_IN_ORDER, "approve_by_provider")
    answer = act(client, hyphenated(BUILT_IN_ORDER), "set_state_erred", error_message="backend down",
                 error_traceback="Traceback ...")
    assert answer.status_code == 200
    order = client.get(f"{ORDERS}{BUILT_IN_ORDER}/", headers=OWNER).json()
    assert (order["state"], order["error_message"], order["error_traceback"]) == ("erred", "backend down", "Traceback ...")


@PROPERTIES
@given(actions=st.lists(st.sampled_from(sorted(MACHINE)), min_size=1, max_size=5))
def test_orders_move_only_as_the_state_machine_allows(client, actions):
    client.post("/__admin/reset")
    state = "pending-provider"
    for action in actions:
        before = state_of(client)
        answer = act(client, BUILT_IN_ORDER, action, **({"error_message": "x"} if action == "set_state_erred" else {}))
        allowed_from, target = MACHINE[action]
        if state in allowed_from:
            assert answer.status_code == 200, answer.text
            state = target
        else:
            assert answer.status_code == 409, answer.text
            assert state_of(client) == before, "a refused transition changes nothing"
        assert order_state(client) == state


@pytest.mark.parametrize("headers, status, body", [(SUPPORT, 403, PERMISSION_DENIED), (USER, 404, ORDER_NOT_FOUND)])
def test_only_staff_and_the_offerings_owner_move_orders(client, headers, status, body):
    answer = act(client, BUILT_IN_ORDER, "approve_by_provider", headers=headers)
    assert (answer.status_code, answer.json()) == (status, body)
    assert order_state(client) == "pending-provider"


def test_others_see_no_orders(client):
    assert client.get(ORDERS, headers=USER).json() == []
    assert client.get(f"{ORDERS}{BUILT_IN_ORDER}/", headers=USER).status_code == 404
    assert BUILT_IN_ORDER in [o["uuid"] for o in client.get(ORDERS, headers=SUPPORT).json()]
    everything = {o["uuid"] for o in client.get(ORDERS, headers=STAFF).json()}
    owned = {o["uuid"] for o in client.get(ORDERS, headers=OWNER).json()}
    assert BUILT_IN_ORDER in owned < everything
    assert all(o["offering_uuid"] != OBJECT_STORAGE_OFFERING for o in client.get(ORDERS, headers=OWNER).json())


@pytest.mark.parametrize("kind, resource_state", [("Update", "OK"), ("Terminate", "Terminated")])
def test_the_admin_surface_adds_an_order_for_a_resource(client, kind, resource_state):
    added = client.post("/__admin/orders", json={"resource": BUILT_IN_RESOURCE, "type": kind, "limits": {"cpu": 5}})
    assert added.status_code == 201
    order = added.json()
    assert (order["type"], order["state"], order["resource"]) == (kind, "pending-provider", BUILT_IN_RESOURCE)
    listed = client.get(ORDERS, headers=OWNER, params={"state": "pending-provider"}).json()
    assert order["uuid"] in [o["uuid"] for o in listed]
    act(client, order["uuid"], "approve_by_provider")
    act(client, order["uuid"], "set_state_done")
    resource = client.get(f"{RESOURCES}{BUILT_IN_RESOURCE}/", headers=OWNER).json()
    assert resource["state"] == resource_state
    if kind == "Update":
        assert resource["limits"] == {"cpu": 5}


@pytest.mark.parametrize("body", [
    {"type": "Create"}, {"resource": "0" * 32}, {"resource": BUILT_IN_RESOURCE, "type": "Restart"},
    {"resource": BUILT_IN_RESOURCE, "limits": [1]}, {"resource": BUILT_IN_RESOURCE, "colour": "red"}, [],
])
def test_the_admin_surface_refuses_an_order_it_cannot_add(client, body):
    before = state_of(client)
    answer = client.post("/__admin/orders", json=body)
    assert answer.status_code == 400 and answer.json()["detail"].startswith("Invalid order: ")
    assert state_of(client) == before


def test_an_unknown_order_is_not_found(client):
    assert client.post(f"{ORDERS}{'0' * 32}/approve_by_provider/", headers=STAFF, json={}).json() == ORDER_NOT_FOUND
    assert client.get(f"{ORDERS}not-a-uuid/", headers=STAFF).json() in (ORDER_NOT_FOUND, NOT_FOUND)


def test_a_state_whose_order_names_no_resource_is_refused_and_the_old_state_kept(client):
    before = state_of(client)
    broken = {**before, "orders": [{**before["orders"][0], "resource": "0" * 32}]}
    answer = client.put("/__admin/state", json=broken)
    assert answer.status_code == 400
    assert f"orders[0]: resource {'0' * 32} does not exist" in answer.json()["detail"]
    assert state_of(client) == before


def test_the_admin_index_lists_the_orders_endpoint(client):
    endpoints = {entry["path"]: entry for entry in client.get("/__admin/").json()["endpoints"]}
    assert endpoints["/__admin/orders"]["methods"] == ["POST"]
    assert "pending-provider order" in endpoints["/__admin/orders"]["description"]
