"""The provider resource actions the agent calls, as Waldur's code and tests state them.

Sources (waldur-mastermind):
- src/waldur_mastermind/marketplace/tests/test_resources.py ResourceSetStateErredTest (behaviour:
  with and without a body; its permission cases are in tests/test_waldur_permissions.py);
- src/waldur_mastermind/marketplace/views.py ProviderResourceViewSet (newest stored version):
  set_limits (`resource.limits = new_limits`, answer "The resource limits are updated"),
  set_backend_metadata ("The backend metadata is updated"), set_as_ok (an OK resource is left as
  it is; otherwise OK with error message and traceback cleared), set_as_erred (message and
  traceback replaced only by non-empty ones), refresh_last_sync (`last_sync = now`); the last
  three answer `Response(status=HTTP_200_OK)`, no body. No Waldur test covers set_limits,
  set_as_ok or refresh_last_sync (docs/sources.md).
"""
from __future__ import annotations

from mock_api import STAFF, state_of, when

RESOURCES = "/api/marketplace-provider-resources/"
RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"  # genome-allocation on HPC cluster: limits cpu 1000, mem 2048


def post(client, action: str, body=None):
    return client.post(f"{RESOURCES}{RESOURCE}/{action}/", headers=STAFF, json=body if body is not None else {})


def stored(client) -> dict:
    return next(r for r in state_of(client)["resources"] if r["uuid"] == RESOURCE)


def test_user_can_set_resource_state_erred_without_body(client):
    """ResourceSetStateErredTest.test_user_can_set_resource_state_erred_without_body: Erred, with
    an empty error message and traceback; 200 with no body."""
    answer = post(client, "set_as_erred")
    assert (answer.status_code, answer.content) == (200, b"")
    resource = stored(client)
    assert (resource["state"], resource["error_message"], resource["error_traceback"]) == ("Erred", "", "")


def test_user_can_set_resource_state_erred_with_body(client):
    """ResourceSetStateErredTest.test_user_can_set_resource_state_erred_with_body: both kept."""
    assert post(client, "set_as_erred", {"error_message": "Error occurred",
                                         "error_traceback": "Error traceback"}).status_code == 200
    resource = stored(client)
    assert (resource["state"], resource["error_message"], resource["error_traceback"]) == \
        ("Erred", "Error occurred", "Error traceback")


def test_set_as_erred_without_a_message_keeps_the_previous_one(client):
    """views.py set_as_erred: `if serializer.validated_data.get("error_message")`: an erred resource
    erred again without a message keeps the message and traceback it had."""
    post(client, "set_as_erred", {"error_message": "first", "error_traceback": "trace"})
    assert post(client, "set_as_erred", {}).status_code == 200
    assert (stored(client)["error_message"], stored(client)["error_traceback"]) == ("first", "trace")


def test_set_as_ok_clears_the_error_message_and_traceback(client):
    """views.py set_as_ok: an Erred resource becomes OK with error message and traceback cleared;
    200 with no body."""
    post(client, "set_as_erred", {"error_message": "Error occurred", "error_traceback": "Error traceback"})
    answer = post(client, "set_as_ok")
    assert (answer.status_code, answer.content) == (200, b"")
    resource = stored(client)
    assert (resource["state"], resource["error_message"], resource["error_traceback"]) == ("OK", "", "")


def test_set_as_ok_leaves_an_ok_resource_as_it_is(client):
    """views.py set_as_ok: `if resource.state == ResourceStates.OK`: only a warning is logged;
    nothing is saved (the resource, `modified` included, is unchanged)."""
    post(client, "set_as_ok")
    before = stored(client)
    assert post(client, "set_as_ok").status_code == 200
    assert stored(client) == before


def test_set_limits_replaces_the_limits_whole(client):
    """views.py set_limits: `resource.limits = new_limits`: a component left out of the body is
    gone afterwards; the answer is {"status": "The resource limits are updated"}."""
    answer = post(client, "set_limits", {"limits": {"cpu": 5}})
    assert (answer.status_code, answer.json()) == (200, {"status": "The resource limits are updated"})
    assert stored(client)["limits"] == {"cpu": 5}


def test_set_limits_accepts_a_key_no_component_has(client):
    """views.py set_limits checks no key against the offering's components (it only logs changes of
    limit-billed ones); the limits are stored as sent. (utils.validate_limits, which refuses such
    keys with {"limits": "Invalid types: ..."}, is called by order creation, not here: docs/sources.md.)"""
    assert post(client, "set_limits", {"limits": {"cpu": 1, "no_such_component": 2}}).status_code == 200
    assert stored(client)["limits"] == {"cpu": 1, "no_such_component": 2}


def test_set_backend_metadata_answer(client):
    """views.py set_backend_metadata: {"status": "The backend metadata is updated"}, metadata kept."""
    answer = post(client, "set_backend_metadata", {"backend_metadata": {"runtime_state": "ACTIVE"}})
    assert (answer.status_code, answer.json()) == (200, {"status": "The backend metadata is updated"})
    assert stored(client)["backend_metadata"] == {"runtime_state": "ACTIVE"}


def test_refresh_last_sync_sets_last_sync_to_now(client):
    """views.py refresh_last_sync: `last_sync = timezone.now()`, 200 with no body."""
    before = stored(client)["last_sync"]
    answer = post(client, "refresh_last_sync")
    assert (answer.status_code, answer.content) == (200, b"")
    assert when(stored(client)["last_sync"]) > when(before)
