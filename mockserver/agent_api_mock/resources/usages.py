"""Component usages: what the agent reports for a resource, per component and billing period.

- `POST /api/marketplace-component-usages/set_usage/` (`resource`, `date`, `usages[]` of
  `type`, `amount`): per component of the resource's offering, the usage of the billing period
  (the month of `date`) is created or replaced (201). A type the offering has no component
  for is a 400.
- `POST …/{uuid}/set_user_usages/` (`usages[]` of `username`, `usage`): per-user usage of one
  component usage, replaced as a whole (201).
- Lists: component usages (`resource_uuid`, `offering_uuid`, `billing_period`),
  component user usages (`resource_uuid`, `offering_uuid`, `component_usage__billing_period`, `username`),
  and component user usage limits (none in the data: Waldur's empty list).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from connexion import request

from agent_api_mock.blanks import renders
from agent_api_mock.errors import waldur_detail, waldur_field_errors
from agent_api_mock.handlers.responses import json_response, mock
from agent_api_mock.resources.common import (PERMISSION_DENIED, acts_for_offering, changeable, empty_list, list_answer,
                                             sees_offering, user, uuid_filter, visible)
from agent_api_mock.resources.family import Family, InvalidItem, moment, reference, uuid_of
from agent_api_mock.validation import request_body
from agent_api_mock.wire import hex_uuid, normalize_uuid, parse_time, waldur_time

USAGES_PATH = "/api/marketplace-component-usages/"
USER_USAGES_PATH = "/api/marketplace-component-user-usages/"


def amount(value: object, what: str) -> str:
    """A decimal amount in Waldur's form (two decimal places)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidItem(f"{what}: {value!r} is not a number") from None
    if not number.is_finite():
        raise InvalidItem(f"{what}: {value!r} is not a number")
    return f"{number:.2f}"


def number(stored: str) -> float:
    """Usages are answered as JSON numbers (spec: `type: number`; the client types them as integers)."""
    return float(stored)


def month_start(moment_text: str) -> str:
    day = parse_time(moment_text).date()
    return date(day.year, day.month, 1).isoformat()


def period_filter(name: str, value: str | None) -> str | None:
    """A billing period filter (any day of the month); django-filter's 400 for one that is no date."""
    if not value:
        return None
    try:
        return month_start(date.fromisoformat(str(value)).isoformat())
    except ValueError:
        raise waldur_field_errors({name: ["Enter a valid date."]}) from None


# --- entities ----------------------------------------------------------------------------------

def parse_usage(item: dict, state: dict) -> dict:
    key = uuid_of(item["uuid"], "component usage")
    resource = reference(item["resource"], state["resources"], "resource")
    when = moment(item.get("date", "2025-01-01T00:00:00Z"))
    return {"uuid": key, "resource": resource, "type": str(item["type"]),
            "usage": amount(item.get("usage", 0), f"component usage {key}"),
            "description": str(item.get("description", "")), "date": when,
            "billing_period": str(item.get("billing_period") or month_start(when)),
            "recurring": bool(item.get("recurring", False)),
            "created": moment(item.get("created", when)), "modified": moment(item.get("modified", when))}


def parse_user_usage(item: dict, state: dict) -> dict:
    key = uuid_of(item["uuid"], "component user usage")
    return {"uuid": key,
            "component_usage": reference(item["component_usage"], state["component_usages"], "component usage"),
            "username": str(item["username"]), "usage": amount(item.get("usage", 0), f"component user usage {key}"),
            "user": item.get("user"), "description": str(item.get("description", "")),
            "created": moment(item.get("created", "2025-01-01T00:00:00Z")),
            "modified": moment(item.get("modified", item.get("created", "2025-01-01T00:00:00Z")))}


FAMILIES = (Family("component_usages", parse_usage), Family("component_user_usages", parse_user_usage))


# --- rendering ---------------------------------------------------------------------------------

def resource_context(resource_uuid: str) -> dict:
    store = mock().store
    resource = store.resources[resource_uuid]
    offering, project = store.offerings[resource["offering"]], store.projects[resource["project"]]
    customer = store.customers[project["customer"]]
    return {"resource_name": resource["name"], "resource_uuid": resource["uuid"],
            "offering_name": offering["name"], "offering_uuid": offering["uuid"],
            "project_name": project["name"], "project_uuid": project["uuid"],
            "customer_name": customer["name"], "customer_uuid": customer["uuid"]}


def component_of(usage: dict) -> dict:
    offering = mock().store.offerings[mock().store.resources[usage["resource"]]["offering"]]
    return next((c for c in offering.get("components", []) if c["type"] == usage["type"]), {})


@renders("ComponentUsage")
def render_usage(usage: dict, base: str) -> dict:
    component = component_of(usage)
    return {"uuid": usage["uuid"], "created": usage["created"], "modified": usage["modified"],
            "description": usage["description"], "type": usage["type"],
            "name": component.get("name", usage["type"]), "measured_unit": component.get("measured_unit", ""),
            "usage": number(usage["usage"]), "date": usage["date"], "recurring": usage["recurring"],
            "billing_period": usage["billing_period"], "modified_by": None, **resource_context(usage["resource"])}


@renders("ComponentUserUsage")
def render_user_usage(user_usage: dict, base: str) -> dict:
    usage = mock().store.component_usages[user_usage["component_usage"]]
    return {"uuid": user_usage["uuid"], **({"user": user_usage["user"]} if user_usage["user"] else {}),
            "username": user_usage["username"],
            "component_usage": f"{base}{USAGES_PATH}{usage['uuid']}/", "usage": number(user_usage["usage"]),
            "measured_unit": component_of(usage).get("measured_unit", ""), "description": user_usage["description"],
            "created": user_usage["created"], "modified": user_usage["modified"], "backend_id": "",
            "component_type": usage["type"], "date": usage["date"], "billing_period": usage["billing_period"],
            **resource_context(usage["resource"])}


def offering_of_usage(usage: dict) -> str:
    return mock().store.resources[usage["resource"]]["offering"]


def offering_of_user_usage(user_usage: dict) -> str:
    return offering_of_usage(mock().store.component_usages[user_usage["component_usage"]])


# --- handlers ----------------------------------------------------------------------------------

def matching_usages(resource_uuid=None, offering_uuid=None, billing_period=None, type=None) -> list[dict]:
    store = mock().store
    resources, offerings = uuid_filter(resource_uuid), uuid_filter(offering_uuid)
    period = period_filter("billing_period", billing_period)
    return visible([
        usage for usage in store.component_usages.values()
        if (resources is None or usage["resource"] in resources)
        and (offerings is None or store.resources[usage["resource"]]["offering"] in offerings)
        and (period is None or usage["billing_period"] == period)
        and (type is None or usage["type"] == type)
    ], offering_of_usage)


async def marketplace_component_usages_list(resource_uuid=None, offering_uuid=None, billing_period=None, type=None,
                                            field=None):
    return list_answer(matching_usages(resource_uuid, offering_uuid, billing_period, type), render_usage, field)


async def marketplace_component_usages_set_usage():
    store = mock().store
    body = request_body(request)
    resource = store.resources.get(normalize_uuid(body.get("resource")))
    if resource is None or not sees_offering(user(), resource["offering"]):
        raise waldur_field_errors({"resource": [f'Object with uuid={body.get("resource")} does not exist.']})
    if not acts_for_offering(user(), resource["offering"]):
        raise waldur_detail(403, PERMISSION_DENIED)
    when = waldur_time(parse_time(body["date"])) if body.get("date") else waldur_time(store.now())
    period = month_start(when)
    types = {c["type"] for c in store.offerings[resource["offering"]].get("components", [])}
    unknown = sorted({item["type"] for item in body["usages"]} - types)
    if unknown:
        raise waldur_field_errors({"usages": [f"Component {kind} is not found." for kind in unknown]})
    existing = {(u["type"], u["billing_period"]): u for u in store.component_usages.values()
                if u["resource"] == resource["uuid"]}
    now = waldur_time(store.now())
    changes = []
    for item in body["usages"]:
        try:
            value = amount(item["amount"], "amount")
        except InvalidItem:
            raise waldur_field_errors({"usages": ["A valid number is required."]}) from None
        old = existing.get((item["type"], period))
        usage = {**(old or {"uuid": hex_uuid(), "resource": resource["uuid"], "type": item["type"], "created": now,
                           "billing_period": period}),
                 "usage": value, "description": str(item.get("description", "")), "date": when,
                 "recurring": bool(item.get("recurring", False)), "modified": now}
        changes.append(("component_usages", usage))
    store.put(*changes)
    return json_response({"detail": "Usage has been reported."}, status=201)


async def marketplace_component_usages_set_user_usages(uuid: str):
    store = mock().store
    usage = changeable(store.component_usages, uuid, offering_of_usage, "ComponentUsage")
    body = request_body(request)
    now = waldur_time(store.now())
    old = {u["username"]: u for u in store.component_user_usages.values() if u["component_usage"] == usage["uuid"]}
    changes = []
    for item in body["usages"]:
        try:
            value = amount(item.get("usage", 0), "usage")
        except InvalidItem:
            raise waldur_field_errors({"usages": ["A valid number is required."]}) from None
        previous = old.get(item["username"])
        changes.append(("component_user_usages", {
            **(previous or {"uuid": hex_uuid(), "component_usage": usage["uuid"], "username": item["username"],
                            "created": now}),
            "usage": value, "user": item.get("user"), "description": str(item.get("description", "")),
            "modified": now}))
    store.put(*changes)
    return json_response({"detail": "User usages have been reported."}, status=201)


def matching_user_usages(resource_uuid=None, offering_uuid=None, component_usage__billing_period=None,
                         username=None):
    store = mock().store
    resources, offerings = uuid_filter(resource_uuid), uuid_filter(offering_uuid)
    period = period_filter("component_usage__billing_period", component_usage__billing_period)
    chosen = []
    for user_usage in store.component_user_usages.values():
        usage = store.component_usages[user_usage["component_usage"]]
        if ((resources is None or usage["resource"] in resources)
                and (offerings is None or offering_of_usage(usage) in offerings)
                and (period is None or usage["billing_period"] == period)
                and (username is None or user_usage["username"] == username)):
            chosen.append(user_usage)
    return visible(chosen, offering_of_user_usage)


async def marketplace_component_user_usages_list(resource_uuid=None, offering_uuid=None,
                                                 component_usage__billing_period=None, username=None, field=None):
    return list_answer(matching_user_usages(resource_uuid, offering_uuid, component_usage__billing_period, username),
                       render_user_usage, field)


async def component_user_usage_limits_list(resource_uuid=None, offering_uuid=None, username=None, field=None):
    return empty_list()  # the data sets no per-user limits
