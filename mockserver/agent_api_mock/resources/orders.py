"""Marketplace orders and their state machine, as a provider's agent drives them.

    pending-provider --approve_by_provider--> executing --set_state_done--> done
    pending-provider --reject_by_provider---> rejected
    pending-* / executing --set_state_erred (error_message, error_traceback)--> erred

A transition the state machine does not allow is refused (`TRANSITION_REFUSED`) and changes
nothing. Each transition and its effect on the order's resource are stored together, in one
write, as Waldur's marketplace/callbacks.py (`OrderHandlers`: what done and erred do per order
type) and marketplace/handlers.py (`update_resource_state_on_order_creation`,
`update_resource_state_on_order_rejection_error_or_cancellation`) do:

    order created          Update -> resource Updating, Terminate -> Terminating (an Erred one stays)
    done                   Create, Update -> OK (an Update also takes the order's limits), Terminate -> Terminated
    erred                  Create -> Terminated when the resource was Creating without a backend_id,
                           else Erred; Update -> Erred; Terminate -> OK
    rejected               Create -> Terminated; Update, Terminate -> OK

`reject_by_provider` keeps `provider_rejection_comment`, `set_state_erred` keeps
`error_message` and `error_traceback` (marketplace/views.py OrderViewSet).

Orders are listed with `offering_uuid`, repeated `state`, `resource_uuid`, `type`; the test
control surface adds one with `POST /__admin/orders` (`ADMIN_ROUTES`), so a test drives the
agent as Waldur's users do (Create, Update or Terminate of a resource).
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent_api_mock import permissions
from agent_api_mock.errors import waldur_detail
from agent_api_mock.responses import headers_only, json_response, mock, site
from agent_api_mock.resources.agent_status import ORDER_READ, ORDERS_LISTED, refresh_agent_status
from agent_api_mock.resources.common import changeable, found, list_answer, object_answer, uuid_filter, visible
from agent_api_mock.blanks import renders
from agent_api_mock.resources.common import (plan_fields, provider_fields)
from agent_api_mock.resources.family import Family, InvalidItem, moment, optional_reference, reference, uuid_of
from agent_api_mock.store import StateNotSaved
from agent_api_mock.validation import request_body
from agent_api_mock.wire import hex_uuid, json_bytes, normalize_uuid, strict_json, waldur_time
from agent_api_spec.operations import document

ORDERS_PATH = "/api/marketplace-orders/"
MODEL = "Order"
TYPES = ("Create", "Update", "Terminate", "Restore")
STATES = tuple(document("waldur")["components"]["schemas"]["OrderState"]["enum"])
# action: (the states it may start from, the state it leads to), as spec/ says (`x-transition`)
TRANSITIONS = {
    operation["operationId"].removeprefix("marketplace_orders_"): (tuple(move["from"]), move["to"])
    for item in document("waldur")["paths"].values() for operation in item.values()
    if isinstance(operation, dict) and (move := operation.get("x-transition"))
}
# Waldur's StateValidator raises IncorrectStateException: 409 "Valid states for operation: ...".
TRANSITION_REFUSED = 409
# What an order entering a state does to its resource: (type, new order state) -> resource state,
# or a function of the resource (Waldur: callbacks.OrderHandlers and the handlers cited above).
RESOURCE_STATE_AFTER = {
    ("Create", "done"): "OK", ("Restore", "done"): "OK", ("Update", "done"): "OK",
    ("Terminate", "done"): "Terminated",
    ("Create", "erred"): lambda resource: ("Terminated" if resource["state"] == "Creating" and not resource["backend_id"]
                                           else "Erred"),
    ("Update", "erred"): "Erred", ("Terminate", "erred"): "OK",
    ("Create", "rejected"): "Terminated", ("Update", "rejected"): "OK", ("Terminate", "rejected"): "OK",
}
# What a new order does to its resource (handlers.update_resource_state_on_order_creation).
RESOURCE_STATE_ON_ORDER = {"Update": "Updating", "Terminate": "Terminating"}


# --- entities ----------------------------------------------------------------------------------

def parse_order(item: dict, state: dict) -> dict:
    key = uuid_of(item["uuid"], "order")
    if item.get("type", "Create") not in TYPES:
        raise InvalidItem(f"order {key}: unknown type {item.get('type')!r}")
    if item.get("state", "pending-provider") not in STATES:
        raise InvalidItem(f"order {key}: unknown state {item.get('state')!r}")
    created = moment(item.get("created", "2025-01-01T00:00:00Z"))
    return {
        "uuid": key, "type": item.get("type", "Create"), "state": item.get("state", "pending-provider"),
        "resource": reference(item["resource"], state["resources"], "resource"),
        "plan": optional_reference(item.get("plan"), state["plans"], "plan"),
        "limits": dict(item.get("limits") or {}), "attributes": dict(item.get("attributes") or {}),
        "error_message": str(item.get("error_message") or ""), "error_traceback": str(item.get("error_traceback") or ""),
        "provider_rejection_comment": str(item.get("provider_rejection_comment") or ""),
        "created_by_username": str(item.get("created_by_username", "")),
        "created": created, "modified": moment(item.get("modified", created)),
        "completed_at": moment(item.get("completed_at")),
    }


FAMILIES = (Family("orders", parse_order, row="orders"),)


# --- rules -------------------------------------------------------------------------------------

def transition(store, order: dict, action: str, **fields) -> list[tuple[str, dict]]:
    """The writes that move `order` by `action`, or Waldur's refusal when its state does not allow it."""
    allowed_from, target = TRANSITIONS[action]
    if order["state"] not in allowed_from:
        raise waldur_detail(TRANSITION_REFUSED, f"Valid states for operation: {', '.join(allowed_from)}.")
    now = waldur_time(store.now())
    new_order = {**order, **fields, "state": target, "modified": now}
    if target in ("done", "erred", "rejected"):
        new_order["completed_at"] = now
    changes = [("orders", new_order)]
    resource_state = RESOURCE_STATE_AFTER.get((order["type"], target))
    if resource_state is not None:
        resource = store.resources[order["resource"]]
        if callable(resource_state):
            resource_state = resource_state(resource)
        updated = {**resource, "state": resource_state, "modified": now}
        if order["type"] == "Update" and target == "done" and order["limits"]:
            updated["limits"] = dict(order["limits"])
        if target == "erred":
            updated["error_message"] = new_order["error_message"]
        changes.append(("resources", updated))
    return changes


def offering_of(order: dict) -> str:
    return mock().store.resources[order["resource"]]["offering"]


def sees_order(who, order: dict) -> bool:
    """OrderViewSet.get_queryset: ORDER.LIST on the order's project, its customer or the offering's customer."""
    store = mock().store
    resource = store.resources[order["resource"]]
    project = store.projects.get(resource["project"]) or {}
    return permissions.sees_order(who, resource["project"], project.get("customer"),
                                  store.offerings[resource["offering"]]["customer"])


# What each provider action asks (OrderViewSet `<action>_permissions`, permission_factory; the
# paths are Waldur 8.0.5's x-permissions: 8.0.6 adds `offering` to set_state_done/erred).
ACTION_PERMISSIONS = {
    "approve_by_provider": ("ORDER.APPROVE", "offering.customer"),
    "reject_by_provider": ("ORDER.REJECT", "offering.customer"),
    "set_state_done": ("ORDER.APPROVE", "offering.customer"),
    "set_state_erred": ("ORDER.APPROVE", "offering.customer", "offering.customer.serviceprovider"),
}


def changeable_order(uuid: str, action: str) -> dict:
    return changeable(mock().store.orders, uuid, offering_of, MODEL, *ACTION_PERMISSIONS[action], sees=sees_order)


# --- rendering ---------------------------------------------------------------------------------

@renders("Order")
def render(order: dict, base: str) -> dict:
    store = mock().store
    resource = store.resources[order["resource"]]
    offering, project = store.offerings[resource["offering"]], store.projects[resource["project"]]
    customer = store.customers[project["customer"]]
    plan = store.plans.get(order["plan"]) if order["plan"] else None
    return {
        "url": f"{base}{ORDERS_PATH}{order['uuid']}/",
        "uuid": order["uuid"],
        "type": order["type"],
        "state": order["state"],
        "created": order["created"],
        "modified": order["modified"],
        "completed_at": order["completed_at"],
        "offering": f"{base}/api/marketplace-provider-offerings/{offering['uuid']}/",
        "offering_uuid": offering["uuid"],
        "offering_name": offering["name"],
        "offering_type": offering.get("type", "Marketplace.Basic"),
        "offering_plugin_options": offering.get("plugin_options", {}),
        "marketplace_resource_uuid": resource["uuid"],
        "resource_uuid": resource["uuid"],
        "resource_name": resource["name"],
        "resource_type": offering.get("type", "Marketplace.Basic"),
        "project_uuid": project["uuid"],
        "project_name": project["name"],
        "project_slug": project["slug"],
        "customer_uuid": customer["uuid"],
        "customer_name": customer["name"],
        **plan_fields(plan, base),
        "plan_uuid": plan["uuid"] if plan else None,
        "plan_name": plan["name"] if plan else None,
        # OrderDetailsSerializer: new_plan_* read the order's plan (old_plan_* a switch's former one).
        "new_plan_uuid": plan["uuid"] if plan else None,
        "new_plan_name": plan["name"] if plan else None,
        **provider_fields(store, offering),
        "limits": order["limits"],
        "attributes": order["attributes"],
        "error_message": order["error_message"],
        "error_traceback": order["error_traceback"],
        "provider_rejection_comment": order["provider_rejection_comment"],
        "created_by_username": order["created_by_username"],
        "backend_id": "",
    }


# --- handlers ----------------------------------------------------------------------------------

def matching_orders(offering_uuid=None, state=None, resource_uuid=None, type=None) -> list[dict]:
    store = mock().store
    offerings, resources, states = uuid_filter(offering_uuid), uuid_filter(resource_uuid), set(state or ())
    types = set(type if isinstance(type, list) else [type] if type else [])
    return visible([
        order for order in store.orders.values()
        if (offerings is None or store.resources[order["resource"]]["offering"] in offerings)
        and (resources is None or order["resource"] in resources)
        and (not states or order["state"] in states)
        and (not types or order["type"] in types)
    ], offering_of, sees_order)


async def marketplace_orders_list(offering_uuid=None, state=None, resource_uuid=None, type=None, field=None):
    refresh_agent_status(ORDERS_LISTED)
    return list_answer(matching_orders(offering_uuid, state, resource_uuid, type), render, field)


async def marketplace_orders_retrieve(uuid: str, field=None):
    refresh_agent_status(ORDER_READ)
    return object_answer(render(found(mock().store.orders, uuid, offering_of, MODEL, sees_order), site()), field)


def move(uuid: str, action: str, *kept_fields: str) -> None:
    """An order action: the order must be one the caller may change (404/403), its body must be
    valid (400), and the state machine must allow the move (409); `kept_fields` are the body's
    fields the order keeps (a rejection comment, an error message and traceback), trimmed as DRF's
    CharField does (marketplace/tests/test_order_set_state.py OrderSetStateErredTest expects
    `error_traceback.strip()`)."""
    store = mock().store
    order = changeable_order(uuid, action)
    body = request_body()
    writes = transition(store, order, action, **{name: str(body.get(name) or "").strip() for name in kept_fields})
    store.put(*writes)
    mock().events.order_written(store, order, writes[0][1])


# Answers as the newest marketplace/views.py OrderViewSet gives them: approve_by_provider an
# OrderInfoResponse, the other three `Response(status=HTTP_200_OK)` (no body).

async def marketplace_orders_approve_by_provider(uuid: str):
    move(uuid, "approve_by_provider")
    return json_response({"detail": "Order has been approved and is being processed."})


async def marketplace_orders_reject_by_provider(uuid: str):
    move(uuid, "reject_by_provider", "provider_rejection_comment")
    return headers_only({})


async def marketplace_orders_set_state_done(uuid: str):
    move(uuid, "set_state_done")
    return headers_only({})


async def marketplace_orders_set_state_erred(uuid: str):
    move(uuid, "set_state_erred", "error_message", "error_traceback")
    return headers_only({})


# --- test control: POST /__admin/orders --------------------------------------------------------

def new_order(store, body: object) -> dict:
    """An order from the admin surface's body: `resource` (uuid), `type` (default Create),
    optional `limits`, `attributes`, `plan`; it starts in pending-provider."""
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    resource = normalize_uuid(body.get("resource"))
    if resource not in store.resources:
        raise ValueError(f"resource: no resource with uuid {body.get('resource')!r}")
    order_type = body.get("type", "Create")
    if order_type not in ("Create", "Update", "Terminate"):
        raise ValueError(f"type: {order_type!r} is not one of Create, Update, Terminate")
    for name in ("limits", "attributes"):
        if not isinstance(body.get(name, {}), dict):
            raise ValueError(f"{name}: must be a JSON object")
    unknown = set(body) - {"resource", "type", "limits", "attributes", "plan"}
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    now = waldur_time(store.now())
    try:
        return parse_order({"uuid": hex_uuid(), "type": order_type, "state": "pending-provider", "resource": resource,
                            "plan": body.get("plan", store.resources[resource]["plan"]),
                            "limits": body.get("limits", {}), "attributes": body.get("attributes", {}),
                            "created_by_username": "staff", "created": now, "modified": now}, vars(store))
    except InvalidItem as error:
        raise ValueError(str(error)) from None


async def admin_orders(request: Request) -> Response:
    """POST {"resource": uuid, "type": "Create"|"Update"|"Terminate", "limits", "attributes", "plan"}:
    add a pending-provider order for a resource, as a Waldur user's order would (the agent's next
    order_process cycle takes it); 201 with the order, 400 for a body it cannot add."""
    store = request.scope["mock"].store
    try:
        body = strict_json(await request.body())
    except (ValueError, UnicodeDecodeError) as error:
        return Response(json_bytes({"detail": f"JSON parse error - {error}"}), 400, media_type="application/json")
    try:
        order = new_order(store, body)
    except ValueError as error:
        return Response(json_bytes({"detail": f"Invalid order: {error}"}), 400, media_type="application/json")
    resource = store.resources[order["resource"]]
    writes = [("orders", order)]
    if order["type"] in RESOURCE_STATE_ON_ORDER and resource["state"] != "Erred":
        writes.append(("resources", {**resource, "state": RESOURCE_STATE_ON_ORDER[order["type"]],
                                     "modified": order["created"]}))
    try:
        store.put(*writes)
    except StateNotSaved as error:
        return Response(json_bytes({"detail": str(error)}), 503, media_type="application/json")
    request.scope["mock"].events.order_written(store, None, order)
    return Response(json_bytes(order), 201, media_type="application/json")


ADMIN_ROUTES = [Route("/__admin/orders", admin_orders, methods=["POST"])]
