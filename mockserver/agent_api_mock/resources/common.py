"""What the marketplace families share: who may see and act on an offering's objects,
Waldur's `field=` selection, and list answers."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from connexion import request

from agent_api_mock.auth import current_user
from agent_api_mock.errors import waldur_detail
from agent_api_mock.handlers.responses import json_list_response, json_response, mock, site
from agent_api_mock.pagination import paginate
from agent_api_mock.store import User
from agent_api_mock.wire import json_bytes, normalize_uuid

PERMISSION_DENIED = "You do not have permission to perform this action."


def user() -> User:
    return current_user(request)


def customer_of_offering(offering_uuid: str | None) -> str | None:
    return mock().store.offerings[offering_uuid]["customer"] if offering_uuid else None


def sees_offering(who: User, offering_uuid: str | None) -> bool:
    """Staff and support see every offering's objects; a customer's owners see its offerings'."""
    return who.sees_everything or customer_of_offering(offering_uuid) in who.owner_of


def acts_for_offering(who: User, offering_uuid: str | None) -> bool:
    """What the agent does (approve orders, set backend ids, report usage) is for staff and the
    owners of the offering's customer; support only reads."""
    return who.is_staff or customer_of_offering(offering_uuid) in who.owner_of


def found(table: dict, uuid: str, offering_of: Callable[[dict], str], model: str) -> dict:
    """The object of that uuid if the caller may see it; Waldur's 404 otherwise."""
    key = normalize_uuid(uuid)
    item = table.get(key) if key else None
    if item is None or not sees_offering(user(), offering_of(item)):
        raise waldur_detail(404, f"No {model} matches the given query.")
    return item


def changeable(table: dict, uuid: str, offering_of: Callable[[dict], str], model: str) -> dict:
    item = found(table, uuid, offering_of, model)
    if not acts_for_offering(user(), offering_of(item)):
        raise waldur_detail(403, PERMISSION_DENIED)
    return item


def selected(body: dict, fields: Iterable[str] | None) -> dict:
    """Waldur's `field=` parameter: only the named fields (unknown names are ignored)."""
    if not fields:
        return body
    wanted = set(fields)
    return {name: value for name, value in body.items() if name in wanted}


def uuid_filter(values) -> set[str | None] | None:
    """A filter that takes uuids (one value or repeated), in either form; None when not given."""
    if values is None or values == []:
        return None
    values = values if isinstance(values, list) else [values]
    return {normalize_uuid(value) for value in values}


def object_answer(body: dict, fields=None, status: int = 200):
    return json_response(selected(body, fields), status=status)


def list_answer(items: list, render: Callable[[dict, str], dict], fields=None):
    page, headers = paginate(request, items)
    base = site()
    return json_list_response([json_bytes(selected(render(item, base), fields)) for item in page], headers)


def empty_list():
    return list_answer([], dict)


def visible(items: Iterable[dict], offering_of: Callable[[dict], str]) -> list[dict]:
    who = user()
    if who.sees_everything:
        return list(items)
    return [item for item in items if customer_of_offering(offering_of(item)) in who.owner_of]


# --- what Waldur's serializers derive from related objects -------------------------------------

def provider_fields(store, offering: dict) -> dict:
    """The offering's provider: marketplace/serializers.py reads provider_name and provider_uuid
    from `offering.customer` (BaseItemSerializer, ResourceSerializer)."""
    provider = store.customers[offering["customer"]]
    return {"provider_name": provider["name"], "provider_uuid": provider["uuid"]}


def plan_fields(plan: dict | None, base: str) -> dict:
    """The plan's URL, unit and description (BaseItemSerializer: `plan` as a hyperlink, plan_unit
    from plan.unit, plan_description from plan.description); null without a plan."""
    if plan is None:
        return {"plan": None, "plan_unit": None, "plan_description": None}
    return {"plan": f"{base}/api/marketplace-plans/{plan['uuid']}/", "plan_unit": plan.get("unit"),
            "plan_description": plan.get("description", "")}

