"""Provider offerings as the agent reads them, their service providers and plans.

- `GET /api/marketplace-provider-offerings/{uuid}/` (with `field=`): components, customer,
  plugin options. The offering entity itself lives in the store (other families refer to it);
  its `type`, `components` and `plugin_options` come from the data.
- `user-attribute-config/`: the default configuration Waldur answers when none is set.
- `list_project_service_accounts/`, `list_course_accounts/`: the data holds no such accounts.
- Service providers (one per customer that provides offerings) and their `keys/`; plans.
"""
from __future__ import annotations

import uuid as uuidlib

from agent_api_mock.blanks import complete, renders
from agent_api_mock.responses import mock, site
from agent_api_mock.resources.common import empty_list, found, list_answer, object_answer, uuid_filter
from agent_api_mock.resources.family import Family, InvalidItem, free_json, known, moment, reference, uuid_of
from agent_api_mock.wire import waldur_time

OFFERINGS_PATH = "/api/marketplace-provider-offerings/"
PROVIDERS_PATH = "/api/marketplace-service-providers/"
PLANS_PATH = "/api/marketplace-plans/"
CUSTOMERS_PATH = "/api/customers/"
# Waldur's default user attribute config (no config stored for the offering).
DEFAULT_EXPOSED_FIELDS = ["username", "full_name", "email"]
BILLING_TYPES = ("fixed", "usage", "limit", "one", "few")


def derived_uuid(owner: str, what: str) -> str:
    """A stable uuid for an object the data does not store (the same on every start)."""
    return uuidlib.uuid5(uuidlib.UUID(owner), what).hex


# --- entities ----------------------------------------------------------------------------------

def parse_customer(item: dict, state: dict) -> dict:
    return {"uuid": uuid_of(item["uuid"], "customer"), "name": str(item["name"])}


def parse_offering(item: dict, state: dict) -> dict:
    return {"uuid": uuid_of(item["uuid"], "offering"), "name": str(item["name"]), "slug": str(item["slug"]),
            "customer": known(item["customer"], state["customers"], "customer"),
            "parent": uuid_of(item["parent"], "offering parent") if item.get("parent") else None,
            # what the site agent reads of an offering (render_offering)
            "type": str(item.get("type", "Marketplace.Basic")),
            "plugin_options": free_json(item.get("plugin_options", {})),
            "components": free_json(item.get("components", []))}


def parse_service_provider(item: dict, state: dict) -> dict:
    return {"uuid": uuid_of(item["uuid"], "service provider"),
            "customer": reference(item["customer"], state["customers"], "customer"),
            "created": moment(item.get("created", "2025-01-01T00:00:00Z"))}


def parse_plan(item: dict, state: dict) -> dict:
    quotas = item.get("quotas") or {}
    if not isinstance(quotas, dict) or not all(isinstance(v, int) for v in quotas.values()):
        raise InvalidItem(f"plan {item.get('uuid')}: quotas must map component types to integers")
    return {"uuid": uuid_of(item["uuid"], "plan"), "name": str(item["name"]),
            "offering": reference(item["offering"], state["offerings"], "offering"),
            "unit": str(item.get("unit", "month")), "quotas": dict(quotas),
            "prices": {str(k): str(v) for k, v in (item.get("prices") or {}).items()}}


# Customers and offerings: clients cannot write them; every other family refers to them.
BASE_FAMILIES = (Family("customers", parse_customer), Family("offerings", parse_offering))
FAMILIES = (Family("service_providers", parse_service_provider, row="service_providers"), Family("plans", parse_plan, row="plans"))


# --- rendering ---------------------------------------------------------------------------------

def render_component(component: dict, offering: dict) -> dict:
    return {"uuid": derived_uuid(offering["uuid"], "component:" + component["type"]),
            "offering_uuid": offering["uuid"], "type": component["type"],
            "name": component.get("name", component["type"]),
            "description": component.get("description", ""),
            "measured_unit": component.get("measured_unit", ""),
            "billing_type": component.get("billing_type", "usage"),
            "unit_factor": component.get("unit_factor", 1),
            "limit_period": component.get("limit_period"), "limit_amount": component.get("limit_amount"),
            "article_code": "", "max_value": None, "min_value": None, "max_available_limit": None,
            "is_boolean": False, "default_limit": None, "factor": None, "is_builtin": False,
            "is_prepaid": False}


@renders("ProviderOffering")
def render_offering(offering: dict, base: str) -> dict:
    store = mock().store
    customer = store.customers[offering["customer"]]
    return {
        "url": f"{base}{OFFERINGS_PATH}{offering['uuid']}/",
        "uuid": offering["uuid"],
        "name": offering["name"],
        "slug": offering["slug"],
        "type": offering.get("type", "Marketplace.Basic"),
        "state": "Active",
        "customer": f"{base}{CUSTOMERS_PATH}{customer['uuid']}/",
        "customer_uuid": customer["uuid"],
        "customer_name": customer["name"],
        "parent_uuid": offering["parent"],
        "components": [render_component(c, offering) for c in offering.get("components", [])],
        "plugin_options": offering.get("plugin_options", {}),
        "partitions": [],
        "plans": [render_plan(p, base)
                  for p in store.plans.values() if p["offering"] == offering["uuid"]],
    }


@renders("ServiceProvider")
def render_service_provider(provider: dict, base: str) -> dict:
    store = mock().store
    customer = store.customers[provider["customer"]]
    return {
        "url": f"{base}{PROVIDERS_PATH}{provider['uuid']}/",
        "uuid": provider["uuid"],
        "created": provider["created"],
        "description": "",
        "enable_notifications": True,
        "customer": f"{base}{CUSTOMERS_PATH}{customer['uuid']}/",
        "customer_uuid": customer["uuid"],
        "customer_name": customer["name"],
        "offering_count": sum(o["customer"] == customer["uuid"] for o in store.offerings.values()),
    }


@renders("ProviderPlan")
def render_plan(plan: dict, base: str) -> dict:
    offering = mock().store.offerings[plan["offering"]]
    components = {c["type"]: c for c in offering.get("components", [])}
    return {
        "url": f"{base}{PLANS_PATH}{plan['uuid']}/",
        "uuid": plan["uuid"],
        "name": plan["name"],
        "description": "",
        "article_code": "",
        "is_active": True,
        "unit": plan["unit"],
        "unit_price": "0.0000000",
        "init_price": 0.0,
        "switch_price": 0.0,
        "organization_groups": [],
        "components": [
            {"type": kind, "name": components.get(kind, {}).get("name", kind),
             "measured_unit": components.get(kind, {}).get("measured_unit", ""),
             "amount": amount, "price": plan["prices"].get(kind, "0.0000000")}
            for kind, amount in plan["quotas"].items()
        ],
        "offering": f"{base}{OFFERINGS_PATH}{offering['uuid']}/",
        "prices": {kind: float(price) for kind, price in plan["prices"].items()},
        "future_prices": {},
        "quotas": plan["quotas"],
        "resources_count": sum(r.get("plan") == plan["uuid"] for r in mock().store.resources.values()),
        "plan_type": "usage-based",
        "minimal_price": "0.00",  # spec MinimalPrice: what the 8.1.2 clients read
    }


def provider_offering(uuid: str) -> dict:
    return found(mock().store.offerings, uuid, lambda offering: offering["uuid"], "Offering")


# --- handlers ----------------------------------------------------------------------------------

async def marketplace_provider_offerings_retrieve(uuid: str, field=None):
    return object_answer(render_offering(provider_offering(uuid), site()), field)


async def marketplace_provider_offerings_user_attribute_config_retrieve(uuid: str):
    offering = provider_offering(uuid)
    created = waldur_time(mock().store.now())  # Waldur builds the default config on the fly
    return object_answer(complete("OfferingUserAttributeConfig", {
        "uuid": derived_uuid(offering["uuid"], "user-attribute-config"),
        "created": created, "modified": created,
        "exposed_fields": DEFAULT_EXPOSED_FIELDS, "is_default": True,
        "offering_uuid": offering["uuid"], "offering_name": offering["name"],
    }))


# The data holds no project service accounts, course accounts or SSH keys: their lists are
# Waldur's empty list (with its pagination headers), once the offering or provider is visible.

async def marketplace_provider_offerings_list_project_service_accounts_list(uuid: str, field=None):
    provider_offering(uuid)
    return empty_list()


async def marketplace_provider_offerings_list_course_accounts_list(uuid: str, field=None):
    provider_offering(uuid)
    return empty_list()


def matching_providers(customer_uuid=None) -> list[dict]:
    """Every caller sees the service providers list (Waldur's is public to its users)."""
    customers = uuid_filter(customer_uuid)
    return [p for p in mock().store.service_providers.values() if customers is None or p["customer"] in customers]


async def marketplace_service_providers_list(customer_uuid=None, field=None):
    return list_answer(matching_providers(customer_uuid), render_service_provider, field)


async def marketplace_service_providers_keys_list(uuid: str, field=None):
    found(mock().store.service_providers, uuid, provider_offerings_anchor, "ServiceProvider")
    return empty_list()


def provider_offerings_anchor(provider: dict) -> str:
    """The keys of a provider's users are for the provider's owners (and staff, support):
    visibility follows any offering of the provider's customer."""
    store = mock().store
    return next((o["uuid"] for o in store.offerings.values() if o["customer"] == provider["customer"]), None)


async def marketplace_plans_retrieve(uuid: str, field=None):
    plan = found(mock().store.plans, uuid, lambda plan: plan["offering"], "Plan")
    return object_answer(render_plan(plan, site()), field)

