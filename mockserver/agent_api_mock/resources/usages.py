"""Component usages: what the agent reports for a resource, per component and billing period.

- `POST /api/marketplace-component-usages/set_usage/` (`resource`, `date`, `usages[]` of
  `type`, `amount`): per component of the resource's offering, the usage of the billing period
  (the month of `date`) is created or replaced (201). A type the offering has no component
  for is a 400.
- `POST …/{uuid}/set_user_usages/` (`usages[]` of `username`, `usage`): per-user usage of one
  component usage, replaced as a whole (201).
- `POST …/{uuid}/set_user_usage/` (`username`, `usage`, `user`, `date`): one user's usage, in the
  billing period of `date` when given (201, no body).
- Lists: component usages and component user usages with the filters of Waldur's
  ComponentUsageFilter / ComponentUserUsageFilter (`resource_uuid`, `resource`, `offering_uuid`,
  `project_uuid`, `customer_uuid`, `billing_period` (user usages: `component_usage__billing_period`),
  `billing_period_month`, `billing_period_year`, `date_after`, `date_before`, `type`; user usages
  also `username`) and `o` ordering,
  and component user usage limits (none in the data: Waldur's empty list).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from agent_api_mock import permissions
from agent_api_mock.blanks import renders
from agent_api_mock.errors import waldur_detail, waldur_field_errors
from agent_api_mock.responses import headers_only, json_response, mock
from agent_api_mock.resources.common import (PERMISSION_DENIED, changeable, empty_list, list_answer,
                                             permitted, sees_as_provider, user, uuid_filter, visible)
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


FAMILIES = (Family("component_usages", parse_usage, row="component_usages"), Family("component_user_usages", parse_user_usage, row="component_user_usages"))


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

def sees_usage(who, usage: dict) -> bool:
    """ComponentUsageViewSet's queryset (GenericRoleFilter): the resource's consumers
    (ResourceQuerySet.filter_for_user) and its provider see its usages. Waldur's
    marketplace/tests/test_component_usage_permissions.py: owner, admin, manager, provider_owner
    and provider_manager list their resource's usages; other customers' owners and unrelated
    users do not."""
    resource = mock().store.resources[usage["resource"]]
    return permissions.sees_resource(mock().store, who, resource) or sees_as_provider(who, resource["offering"])


def sees_user_usage(who, user_usage: dict) -> bool:
    return sees_usage(who, mock().store.component_usages[user_usage["component_usage"]])


def day_filter(name: str, value: str | None) -> date | None:
    """A date filter; django-filter's 400 for one that is no date, nothing for an empty one."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise waldur_field_errors({name: ["Enter a valid date."]}) from None


def usage_matcher(resource_uuid=None, resource=None, offering_uuid=None, project_uuid=None, customer_uuid=None,
                  billing_period_month=None, billing_period_year=None, date_after=None, date_before=None, type=None):
    """A test of a component usage for the filters ComponentUsageFilter and
    ComponentUserUsageFilter share (waldur-mastermind marketplace/filters.py): resource (uuid or
    URL), offering, project and customer uuids, `date__date` gte/lte, billing period month and
    year, component type."""
    store = mock().store
    resources, offerings = uuid_filter(resource_uuid), uuid_filter(offering_uuid)
    projects, customers = uuid_filter(project_uuid), uuid_filter(customer_uuid)
    if resource:
        resources = (resources or {normalize_uuid(uuid_at_end(resource))}) & {normalize_uuid(uuid_at_end(resource))}
    after, before = day_filter("date_after", date_after), day_filter("date_before", date_before)

    def matches(usage: dict) -> bool:
        owner = store.resources[usage["resource"]]
        day = parse_time(usage["date"]).date()
        period = date.fromisoformat(usage["billing_period"])
        return ((resources is None or usage["resource"] in resources)
                and (offerings is None or owner["offering"] in offerings)
                and (projects is None or owner["project"] in projects)
                and (customers is None or store.projects[owner["project"]]["customer"] in customers)
                and (after is None or day >= after) and (before is None or day <= before)
                and (billing_period_month is None or period.month == billing_period_month)
                and (billing_period_year is None or period.year == billing_period_year)
                and (type is None or usage["type"] == type))
    return matches


def uuid_at_end(url: str) -> str:
    return str(url).rstrip("/").rsplit("/", 1)[-1]


def ordered(items: list[dict], ordering: list[str] | None, key_of) -> list[dict]:
    """Waldur's `o=`: the first named field, ascending or (with `-`) descending; a stable sort."""
    if not ordering:
        return items
    field = ordering[0].lstrip("-")
    return sorted(items, key=lambda item: key_of(item, field), reverse=ordering[0].startswith("-"))


def usage_key(usage: dict, field: str):
    return Decimal(usage["usage"]) if field == "usage" else usage["billing_period"]


def matching_usages(billing_period=None, o=None, **filters) -> list[dict]:
    store = mock().store
    period = period_filter("billing_period", billing_period)
    matches = usage_matcher(**filters)
    chosen = [usage for usage in store.component_usages.values()
              if matches(usage) and (period is None or usage["billing_period"] == period)]
    return ordered(visible(chosen, offering_of_usage, sees_usage), o, usage_key)


async def marketplace_component_usages_list(resource_uuid=None, resource=None, offering_uuid=None, project_uuid=None,
                                            customer_uuid=None, billing_period=None, billing_period_month=None,
                                            billing_period_year=None, date_after=None, date_before=None, type=None,
                                            o=None, field=None):
    return list_answer(matching_usages(
        billing_period, o, resource_uuid=resource_uuid, resource=resource, offering_uuid=offering_uuid,
        project_uuid=project_uuid, customer_uuid=customer_uuid, billing_period_month=billing_period_month,
        billing_period_year=billing_period_year, date_after=date_after, date_before=date_before, type=type),
        render_usage, field)


# Waldur: marketplace/serializers.py ComponentUsageCreateSerializer.validate (resource state;
# test_usage.py SubmitUsageTest.test_it_should_not_be_possible_to_submit_usage_for_pending_resource,
# test_it_should_be_possible_to_submit_usage_for_terminating_resource).
REPORTABLE_STATES = ("OK", "Updating", "Terminating")
# get_components_map: usage may be reported for usage- and limit-billed components only.
REPORTABLE_BILLING_TYPES = ("usage", "limit")


def refuse_usage_report(resource: dict, body: dict, now) -> None:
    """Waldur's 400s for a set_usage it will not store (nothing is written).

    The state and component checks follow ComponentUsageCreateSerializer.validate. The `date`
    checks follow the published schema (ComponentUsageCreateRequest.date: "staff and service
    providers for limit-based components"): a date after now is refused, and a date in an
    earlier billing period is refused for a usage-billed component unless the caller is staff.
    Their messages are ours (docs/sources.md, "Usage reports")."""
    if resource["state"] not in REPORTABLE_STATES:
        raise waldur_field_errors({"resource": ["Resource is not in valid state."]})
    components = {c["type"]: c for c in mock().store.offerings[resource["offering"]].get("components", [])
                  if c.get("billing_type", "usage") in REPORTABLE_BILLING_TYPES}
    invalid = sorted({item["type"] for item in body["usages"]} - set(components))
    if invalid:
        raise waldur_field_errors({"non_field_errors": [f"These components are invalid: {', '.join(invalid)}."]})
    if not body.get("date"):
        return
    when = parse_time(body["date"])
    if when > now:
        raise waldur_field_errors({"date": ["Usage cannot be reported for a future date."]})
    backdated = (when.year, when.month) < (now.year, now.month)
    if backdated and not user().is_staff and any(
            components[item["type"]].get("billing_type", "usage") == "usage" for item in body["usages"]):
        raise waldur_field_errors({"date": ["Only staff may report usage of usage-based components "
                                            "for a past billing period."]})


async def marketplace_component_usages_set_usage():
    store = mock().store
    body = request_body()
    resource = store.resources.get(normalize_uuid(body.get("resource")))
    # ComponentUsageCreateSerializer.resource: SlugRelatedField(queryset=Resource.objects.all()), so
    # any existing resource passes validation, whoever asks.
    if resource is None:
        raise waldur_field_errors({"resource": [f'Object with uuid={body.get("resource")} does not exist.']})
    refuse_usage_report(resource, body, store.now())
    when = waldur_time(parse_time(body["date"])) if body.get("date") else waldur_time(store.now())
    period = month_start(when)
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
    # ComponentUsageViewSet.set_usage, after serializer.is_valid: RESOURCE.SET_USAGE on the offering's
    # customer or the offering (test_usage.py test_other_user_can_not_submit_usage_via_api: 403).
    if not permitted(user(), "RESOURCE.SET_USAGE", resource["offering"], "offering.customer", "offering"):
        raise waldur_detail(403, PERMISSION_DENIED)
    store.put(*changes)
    return json_response({"detail": "Usage has been reported."}, status=201)


async def marketplace_component_usages_set_user_usages(uuid: str):
    store = mock().store
    # set_user_usage_permissions: permission_factory(SET_RESOURCE_USAGE, [resource.offering, resource.offering.customer])
    usage = changeable(store.component_usages, uuid, offering_of_usage, "ComponentUsage", "RESOURCE.SET_USAGE",
                       "offering", "offering.customer", sees=sees_usage)
    body = request_body()
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


async def marketplace_component_usages_set_user_usage(uuid: str):
    """One user's share of a component usage (Waldur: marketplace/views.py
    ComponentUsageViewSet.set_user_usage). With `date`, the share goes to the resource's usage
    of that component in the billing period of the date, created with usage 0 and the
    description "Created for user usage backfill" when missing. An existing user usage of the
    username gets the new usage only (its `user` stays); a new one takes `user` too."""
    store = mock().store
    # set_user_usage_permissions: as set_user_usages'
    usage = changeable(store.component_usages, uuid, offering_of_usage, "ComponentUsage", "RESOURCE.SET_USAGE",
                       "offering", "offering.customer", sees=sees_usage)
    body = request_body()
    try:
        value = amount(body.get("usage", 0), "usage")
    except InvalidItem:
        raise waldur_field_errors({"usage": ["A valid number is required."]}) from None
    now = waldur_time(store.now())
    changes = []
    if body.get("date"):
        when = waldur_time(parse_time(body["date"]))
        period = month_start(when)
        usage = next((u for u in store.component_usages.values()
                      if (u["resource"], u["type"], u["billing_period"]) == (usage["resource"], usage["type"], period)),
                     None) or {"uuid": hex_uuid(), "resource": usage["resource"], "type": usage["type"], "usage": "0.00",
                               "description": "Created for user usage backfill", "date": when, "billing_period": period,
                               "recurring": False, "created": now, "modified": now}
        if usage["uuid"] not in store.component_usages:
            changes.append(("component_usages", usage))
    previous = next((u for u in store.component_user_usages.values()
                     if u["component_usage"] == usage["uuid"] and u["username"] == body["username"]), None)
    if previous is None:
        changes.append(("component_user_usages", {
            "uuid": hex_uuid(), "component_usage": usage["uuid"], "username": body["username"], "usage": value,
            "user": body.get("user"), "description": "", "created": now, "modified": now}))
    else:
        changes.append(("component_user_usages", {**previous, "usage": value, "modified": now}))
    store.put(*changes)
    return headers_only({}, status=201)


def user_usage_key(user_usage: dict, field: str):
    if field == "usage":
        return Decimal(user_usage["usage"])
    if field == "username":
        return user_usage["username"]
    return mock().store.component_usages[user_usage["component_usage"]]["billing_period"]


def matching_user_usages(component_usage__billing_period=None, username=None, o=None, **filters) -> list[dict]:
    store = mock().store
    period = period_filter("component_usage__billing_period", component_usage__billing_period)
    matches = usage_matcher(**filters)
    chosen = []
    for user_usage in store.component_user_usages.values():
        usage = store.component_usages[user_usage["component_usage"]]
        if (matches(usage) and (period is None or usage["billing_period"] == period)
                and (username is None or user_usage["username"] == username)):
            chosen.append(user_usage)
    return ordered(visible(chosen, offering_of_user_usage, sees_user_usage), o, user_usage_key)


async def marketplace_component_user_usages_list(resource_uuid=None, resource=None, offering_uuid=None,
                                                 project_uuid=None, customer_uuid=None,
                                                 component_usage__billing_period=None, billing_period_month=None,
                                                 billing_period_year=None, date_after=None, date_before=None,
                                                 type=None, username=None, o=None, field=None):
    return list_answer(matching_user_usages(
        component_usage__billing_period, username, o, resource_uuid=resource_uuid, resource=resource,
        offering_uuid=offering_uuid, project_uuid=project_uuid, customer_uuid=customer_uuid,
        billing_period_month=billing_period_month, billing_period_year=billing_period_year,
        date_after=date_after, date_before=date_before, type=type), render_user_usage, field)


async def component_user_usage_limits_list(resource_uuid=None, offering_uuid=None, username=None, field=None):
    return empty_list()  # the data sets no per-user limits
