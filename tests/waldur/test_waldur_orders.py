"""Waldur's own tests of orders the agent drives, translated into HTTP tests against the mock.

Sources (waldur-mastermind):
- src/waldur_mastermind/marketplace_site_agent/tests/test_orders.py AllocationCreationFailureTest;
- src/waldur_mastermind/marketplace/tests/test_order_set_state.py OrderSetStateDoneTest,
  OrderSetStateDoneOptionsUpdateTest, OrderSetStateErredTest (behaviour cases; their permission
  cases are in tests/test_waldur_permissions.py);
- the answers of marketplace/views.py OrderViewSet (approve_by_provider: OrderInfoResponse
  "Order has been approved and is being processed."; reject_by_provider, set_state_done,
  set_state_erred: `Response(status=HTTP_200_OK)`, no body).
Waldur's fixture order is a pending Create of the fixture resource; here the built-in pending
Create order of genome-allocation (HPC cluster, a site-agent offering).
"""
from __future__ import annotations

import traceback

import pytest

from mock_api import OWNER, STAFF, state_of

ORDERS = "/api/marketplace-orders/"
RESOURCES = "/api/marketplace-provider-resources/"
CREATE_ORDER = "d5c3b29deb844de5a6e54f3bf4a976b5"  # pending-provider Create of genome-allocation
RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"  # genome-allocation: Creating, no backend_id


def act(client, order: str, action: str, headers=STAFF, **body):
    return client.post(f"{ORDERS}{order}/{action}/", headers=headers, json=body)


def order_of(client, order: str = CREATE_ORDER) -> dict:
    return client.get(f"{ORDERS}{order}/", headers=STAFF).json()


def resource_state(client, uuid: str = RESOURCE) -> str:
    return client.get(f"{RESOURCES}{uuid}/", headers=STAFF).json()["state"]


def test_resource_with_failed_order_and_no_backend_id_is_terminated(client):
    """marketplace_site_agent/tests/test_orders.py AllocationCreationFailureTest.
    test_resource_with_failed_order_and_no_backend_id_is_terminated: approve_by_provider (200,
    executing), then set_state_erred with a message and traceback while the resource has no
    backend_id: the order is erred and the never-provisioned resource Terminated
    (marketplace/handlers.py update_resource_state_on_order_rejection_error_or_cancellation)."""
    approved = act(client, CREATE_ORDER, "approve_by_provider")
    assert (approved.status_code, approved.json()) == (200, {"detail": "Order has been approved and is being processed."})
    assert order_of(client)["state"] == "executing"
    erred = act(client, CREATE_ORDER, "set_state_erred", error_message="Resource creation failed: empty backend_id",
                error_traceback="Traceback (most recent call last):\n  ...")
    assert (erred.status_code, erred.content) == (200, b"")
    assert order_of(client)["state"] == "erred"
    assert resource_state(client) == "Terminated"


def test_a_failed_create_of_a_provisioned_resource_leaves_it_erred(client):
    """The other branch of the same handler (the test above names it): a resource that has a
    backend_id when its Create order errs is Erred, not Terminated."""
    assert client.post(f"{RESOURCES}{RESOURCE}/set_backend_id/", headers=STAFF,
                       json={"backend_id": "genome"}).status_code == 200
    act(client, CREATE_ORDER, "approve_by_provider")
    act(client, CREATE_ORDER, "set_state_erred", error_message="boom", error_traceback="")
    assert resource_state(client) == "Erred"


@pytest.mark.parametrize("headers", [STAFF, OWNER], ids=["staff", "offering_owner"])
def test_authorized_user_can_set_done_state(client, headers):
    """test_order_set_state.py OrderSetStateDoneTest.test_authorized_user_can_set_done_state
    (staff, offering_owner): an executing order becomes done; 200 with no body."""
    act(client, CREATE_ORDER, "approve_by_provider")
    answer = act(client, CREATE_ORDER, "set_state_done", headers=headers)
    assert (answer.status_code, answer.content) == (200, b"")
    assert order_of(client)["state"] == "done"


def test_resource_state_transitions_to_ok(client):
    """test_order_set_state.py OrderSetStateDoneOptionsUpdateTest.test_resource_state_transitions_to_ok:
    an executing Update order set done moves its Updating resource to OK."""
    added = client.post("/__admin/orders", json={"resource": "19698b219e584c74a2b02c3555a0dd69", "type": "Update"})
    assert added.status_code == 201
    order = added.json()["uuid"]
    assert resource_state(client, "19698b219e584c74a2b02c3555a0dd69") == "Updating"
    act(client, order, "approve_by_provider")
    assert act(client, order, "set_state_done").status_code == 200
    assert resource_state(client, "19698b219e584c74a2b02c3555a0dd69") == "OK"


def test_authorized_user_can_set_erred_state(client):
    """test_order_set_state.py OrderSetStateErredTest.test_authorized_user_can_set_erred_state: the
    order keeps the error message and the traceback, trimmed (`error_traceback.strip()`)."""
    act(client, CREATE_ORDER, "approve_by_provider")
    error_traceback = traceback.format_exc()  # "NoneType: None\n", as in Waldur's test
    answer = act(client, CREATE_ORDER, "set_state_erred", error_message="Resource creation has been failed",
                 error_traceback=error_traceback)
    assert answer.status_code == 200
    kept = next(o for o in state_of(client)["orders"] if o["uuid"] == CREATE_ORDER)
    assert (kept["state"], kept["error_message"], kept["error_traceback"]) == \
        ("erred", "Resource creation has been failed", error_traceback.strip())


def test_reject_by_provider_answers_no_body(client):
    """marketplace/views.py OrderViewSet.reject_by_provider: `Response(status=HTTP_200_OK)`; the
    order is rejected and its Create resource Terminated (handlers.py, as above)."""
    answer = act(client, CREATE_ORDER, "reject_by_provider")
    assert (answer.status_code, answer.content) == (200, b"")
    assert order_of(client)["state"] == "rejected" and resource_state(client) == "Terminated"
