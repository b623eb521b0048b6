"""What the marketplace families share: who may see and act on an offering's objects
(agent_api_mock.permissions),
Waldur's `field=` selection, and list answers."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from connexion import request

from agent_api_mock import permissions
from agent_api_mock.auth import current_user
from agent_api_mock.errors import waldur_detail
from agent_api_mock.responses import json_list_response, json_response, mock, site
from agent_api_mock.pagination import paginate
from agent_api_mock.permissions import User
from agent_api_mock.wire import json_bytes, normalize_uuid

PERMISSION_DENIED = "You do not have permission to perform this action."


def user() -> User:
    return current_user(request)


def sees_offering(who: User, offering_uuid: str | None) -> bool:
    """Offering.filter_for_user (agent_api_mock.permissions)."""
    return permissions.sees_offering(mock().store, who, offering_uuid)


def sees_as_provider(who: User, offering_uuid: str | None) -> bool:
    """Resource.filter_for_service_provider: what a provider's people see of its offerings' objects."""
    return permissions.sees_as_provider(mock().store, who, offering_uuid)


def permitted(who: User, permission: str, offering_uuid: str | None, *paths: str) -> bool:
    """Waldur's permission_factory(permission, paths) for an object of the offering."""
    return permissions.permitted(mock().store, who, permission, offering_uuid, paths)


Sees = Callable[[User, dict], bool]  # may the caller see this object (its view's queryset)?


def provider_view(offering_of: Callable[[dict], str]) -> Sees:
    """What the provider API shows: the objects of offerings the caller sees as a provider."""
    return lambda who, item: sees_as_provider(who, offering_of(item))


def found(table: dict, uuid: str, offering_of: Callable[[dict], str], model: str, sees: Sees | None = None) -> dict:
    """The object of that uuid if the caller may see it (its view's queryset); Waldur's 404 otherwise."""
    sees = sees or provider_view(offering_of)
    key = normalize_uuid(uuid)
    item = table.get(key) if key else None
    if item is None or not sees(user(), item):
        raise waldur_detail(404, f"No {model} matches the given query.")
    return item


def changeable(table: dict, uuid: str, offering_of: Callable[[dict], str], model: str, permission: str,
               *paths: str, sees: Sees | None = None) -> dict:
    """An object the caller sees (else 404) and holds `permission` for on one of the scope `paths`
    (else 403): DRF's get_object, then the action's permission_factory."""
    item = found(table, uuid, offering_of, model, sees)
    if not permitted(user(), permission, offering_of(item), *paths):
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


def visible(items: Iterable[dict], offering_of: Callable[[dict], str], sees: Sees | None = None) -> list[dict]:
    who = user()
    if who.sees_everything:
        return list(items)
    sees = sees or provider_view(offering_of)
    return [item for item in items if sees(who, item)]


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

