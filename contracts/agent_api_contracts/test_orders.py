"""The order state machine, as a provider's agent drives it (beyond the published pages;
docs/sources.md, "Orders")."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.discovery import everything
from agent_api_contracts.judges.exchanges import Watching
from agent_api_contracts.judges.orders import ORDER_RETRIEVE, OrdersMoveAsTheMachineAllows
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.orders import (ALLOWED_TRANSITION_MOVES_THE_ORDER, REFUSED_TRANSITION_CHANGES_NOTHING,
                                              REJECTED_ORDER_RESTORES_ITS_RESOURCE)
from agent_api_contracts.rules.orders import TRANSITIONS as ORDER_TRANSITIONS

pytestmark = [pytest.mark.waldur, pytest.mark.writes]

ORDERS = "/api/marketplace-orders/"
# action -> (the states it may start from, the state it leads to)
TRANSITIONS = {operation_id.removeprefix("marketplace_orders_"): move for operation_id, move in ORDER_TRANSITIONS.items()}

actions = st.lists(st.sampled_from(sorted(TRANSITIONS)), min_size=1, max_size=4)
error_messages = st.text(st.characters(codec="utf-8", exclude_characters="\x00", exclude_categories=["Cs"]),
                         min_size=1, max_size=40).filter(lambda text: text.strip() == text)


def a_pending_order(target, client) -> dict:
    """The seed's pending order: the target is reset first where it can be, so each example has one."""
    target.reset()
    pending = everything(client, ORDERS, {"state": "pending-provider"})
    if not pending:
        pytest.skip("WALDUR_TOKEN's account has no order in pending-provider (left), and the target cannot be reset")
    return pending[0]


def in_path(order_uuid: str, hyphenated: bool) -> str:
    """The agent sends set_state_erred with a hyphenated uuid, everything else with hex."""
    return str(uuid.UUID(order_uuid)) if hyphenated else order_uuid


@settings(settings.get_profile("contracts"))
@given(steps=actions, message=error_messages, hyphenated=st.booleans())
def test_orders_move_only_as_the_state_machine_allows(fresh_target, waldur_manager, steps, message, hyphenated):
    order = a_pending_order(fresh_target, waldur_manager)
    path = f"{ORDERS}{in_path(order['uuid'], hyphenated)}/"
    judged = Watching(OrdersMoveAsTheMachineAllows())  # as the proxy judges the same exchanges in passing

    for action in steps:
        before = waldur_manager.get(path)
        state = before.json()["state"]
        allowed_from, target = TRANSITIONS[action]
        body = {"error_message": message, "error_traceback": ""} if action == "set_state_erred" else {}
        answer = waldur_manager.post(f"{path}{action}/", json=body)
        after = waldur_manager.get(path)
        enforce(judged(before, ORDER_RETRIEVE), judged(answer, f"marketplace_orders_{action}"),
                judged(after, ORDER_RETRIEVE))
        if state in allowed_from:
            ALLOWED_TRANSITION_MOVES_THE_ORDER.check(
                answer.status_code == 200, f"{action} from {state} answered {answer.status_code}: {answer.text[:300]}",
                before, answer)
            ALLOWED_TRANSITION_MOVES_THE_ORDER.check(
                after.json()["state"] == target, f"{action} from {state} left the order {after.json()['state']}, "
                f"expected {target}", answer, after)
            if action == "set_state_erred":
                ALLOWED_TRANSITION_MOVES_THE_ORDER.check(
                    after.json().get("error_message") == message,
                    f"error_message {after.json().get('error_message')!r}, sent {message!r}", answer, after)
        else:
            REFUSED_TRANSITION_CHANGES_NOTHING.check(
                answer.status_code == 409 and isinstance(answer.json().get("detail"), str),
                f"{action} from {state} answered {answer.status_code}: {answer.text[:300]}", before, answer)
            REFUSED_TRANSITION_CHANGES_NOTHING.check(
                after.json() == before.json(), f"{action} from {state} changed the order: {before.json()} -> "
                f"{after.json()}", before, answer, after)


@settings(settings.get_profile("contracts"))
@given(first=st.sampled_from(["approve_by_provider", "reject_by_provider"]), times=st.integers(2, 3))
def test_a_pending_order_is_reviewed_once(fresh_target, waldur_manager, first, times):
    """Approving or rejecting moves the order out of pending-provider: a second review is refused."""
    order = a_pending_order(fresh_target, waldur_manager)
    path = f"{ORDERS}{order['uuid']}/"

    reviewed = waldur_manager.post(f"{path}{first}/", json={})
    ALLOWED_TRANSITION_MOVES_THE_ORDER.check(reviewed.status_code == 200, f"status {reviewed.status_code}", reviewed)
    state = waldur_manager.get(path).json()["state"]
    for _ in range(times - 1):
        again = waldur_manager.post(f"{path}approve_by_provider/", json={})
        REFUSED_TRANSITION_CHANGES_NOTHING.check(
            again.status_code == 409, f"approving a {state} order answered {again.status_code}", reviewed, again)
    after = waldur_manager.get(path)
    REFUSED_TRANSITION_CHANGES_NOTHING.check(after.json()["state"] == state,
                                             f"the order went from {state} to {after.json()['state']}", after)


def test_a_rejected_update_or_terminate_order_leaves_its_resource_ok(fresh_target, waldur_manager):
    """Waldur: marketplace/handlers.py update_resource_state_on_order_rejection_error_or_cancellation."""
    pending = [o for o in everything(waldur_manager, ORDERS, {"state": "pending-provider"})
               if o["type"] in ("Update", "Terminate")]
    if not pending:
        pytest.skip("WALDUR_TOKEN's account has no pending Update or Terminate order")
    for order in pending:
        answer = waldur_manager.post(f"{ORDERS}{order['uuid']}/reject_by_provider/", json={})
        REJECTED_ORDER_RESTORES_ITS_RESOURCE.check(answer.status_code == 200, f"rejecting answered {answer.status_code}",
                                                   answer)
        resource = waldur_manager.get(f"/api/marketplace-provider-resources/{order['marketplace_resource_uuid']}/")
        REJECTED_ORDER_RESTORES_ITS_RESOURCE.check(
            resource.json().get("state") == "OK",
            f"after rejecting {order['type']} order {order['uuid']} its resource is {resource.json().get('state')!r}",
            answer, resource)
