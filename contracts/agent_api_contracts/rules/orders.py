"""The order state machine, as a provider's agent drives it (beyond the published pages)."""
from agent_api_contracts.documents import _load
from agent_api_contracts.rules import Rule

SOURCE = "docs/sources.md#orders"

ALLOWED_TRANSITION_MOVES_THE_ORDER = Rule(
    "allowed_order_transition_moves_the_order",
    "Orders move pending-provider → executing (approve) → done / erred (with error_message) / rejected", SOURCE)
REFUSED_TRANSITION_CHANGES_NOTHING = Rule(
    "refused_order_transition_changes_nothing",
    "A transition the state machine does not allow is refused and changes nothing (the server's StateValidator: 409)",
    SOURCE)
# Waldur: marketplace/handlers.py update_resource_state_on_order_rejection_error_or_cancellation.
REJECTED_ORDER_RESTORES_ITS_RESOURCE = Rule(
    "rejected_update_or_terminate_order_leaves_its_resource_ok",
    "A rejected Update or Terminate order puts its resource back to OK (a rejected Create terminates it)", SOURCE)

# The documented state machine, from spec/ (`x-transition` on each order action):
# operationId -> (the states it may start from, the state it leads to).
TRANSITIONS = {
    operation["operationId"]: (tuple(move["from"]), move["to"])
    for item in _load("waldur")["paths"].values() for operation in item.values()
    if isinstance(operation, dict) and (move := operation.get("x-transition"))
}


def reachable(state: str) -> frozenset[str]:
    """The states an order in `state` can be in later: itself, and every state documented
    transitions lead to from there."""
    seen, frontier = {state}, [state]
    while frontier:
        current = frontier.pop()
        for allowed_from, target in TRANSITIONS.values():
            if current in allowed_from and target not in seen:
                seen.add(target)
                frontier.append(target)
    return frozenset(seen)
