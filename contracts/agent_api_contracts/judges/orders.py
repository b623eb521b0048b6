"""Judges of the order state machine in passing traffic (agent_api_contracts.rules.orders).

What an order's state was when last seen (read, or moved by a transition answered 2xx) bounds
what it can be now: that state or one the documented transitions lead to from it. Sound even
when other actors move orders unseen, as long as they move them as the machine allows; a real
Waldur also knows moves the agent's machine leaves out (a consumer cancels a pending order, staff
retry an erred one), so a sighting older than KNOWN_FOR seconds says nothing."""
from __future__ import annotations

import time

from agent_api_contracts.judges.exchanges import Observed, Recent, hex_uuid, light
from agent_api_contracts.rules.orders import (ALLOWED_TRANSITION_MOVES_THE_ORDER, REFUSED_TRANSITION_CHANGES_NOTHING,
                                              TRANSITIONS, reachable)

ORDERS_LIST, ORDER_RETRIEVE = "marketplace_orders_list", "marketplace_orders_retrieve"
KNOWN_FOR = 30.0  # seconds a sighting of an order's state is judged by


class OrdersMoveAsTheMachineAllows:
    """A transition from a state the machine does not allow it from is refused, not answered
    2xx; after a transition answered 2xx the order reads as its target state (or later); after
    a refused one, as it was (or later)."""

    rules = (ALLOWED_TRANSITION_MOVES_THE_ORDER, REFUSED_TRANSITION_CHANGES_NOTHING)
    operations = frozenset({ORDERS_LIST, ORDER_RETRIEVE, *TRANSITIONS})

    def __init__(self):
        self.known = Recent()  # order uuid -> (state, the rule a later read answers to, what it expects, response, when)

    def last_seen(self, uuid: str) -> tuple | None:
        sighting = self.known.get(uuid)
        return sighting if sighting and time.monotonic() - sighting[4] < KNOWN_FOR else None

    def __call__(self, seen: Observed) -> list:
        if seen.operation_id in TRANSITIONS:
            return self.moved(seen)
        if seen.status != 200:
            return []
        found = []
        for order in seen.body if isinstance(seen.body, list) else [seen.body]:
            if not isinstance(order, dict) or not isinstance(order.get("uuid"), str) or not isinstance(order.get("state"), str):
                continue
            uuid, state = hex_uuid(order["uuid"]), order["state"]
            before = self.last_seen(uuid)
            if before and state not in reachable(before[0]) and not seen.overlapped:
                found.append(before[1].violation(before[2], f"the order reads {state}", before[3], seen.response))
            self.known[uuid] = (state, ALLOWED_TRANSITION_MOVES_THE_ORDER,
                                f"{state} or a state the documented transitions lead to from it", light(seen.response),
                                time.monotonic())
        return found

    def moved(self, seen: Observed) -> list:
        uuid, action = seen.path_uuids[0], seen.operation_id.removeprefix("marketplace_orders_")
        allowed_from, target = TRANSITIONS[seen.operation_id]
        before = self.last_seen(uuid)
        if seen.succeeded:
            self.known[uuid] = (target, ALLOWED_TRANSITION_MOVES_THE_ORDER,
                                f"{target} (or later) after {action} answered {seen.status}", light(seen.response),
                                time.monotonic())
            if before and not reachable(before[0]) & set(allowed_from) and not seen.overlapped:
                return [REFUSED_TRANSITION_CHANGES_NOTHING.violation(
                    f"409: {action} moves an order only from {', '.join(allowed_from)}",
                    f"{seen.status} to an order last seen {before[0]}", before[3], seen.response)]
        elif seen.status == 409 and before:
            self.known[uuid] = (before[0], REFUSED_TRANSITION_CHANGES_NOTHING,
                                f"{before[0]} (or later): {action} was refused", light(seen.response), time.monotonic())
        return []
