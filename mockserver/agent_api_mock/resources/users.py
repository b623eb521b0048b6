"""`GET /api/users/me/`: the caller, as the agent prints it at start-up, and `GET /api/version/`."""
from __future__ import annotations

import uuid as uuidlib

from agent_api_mock.blanks import renders
from agent_api_mock.handlers.responses import mock, site
from agent_api_mock.resources.common import object_answer, user
from agent_api_mock.store import User

USERS_PATH = "/api/users/"
# The Waldur release whose behaviour the mock follows (waldur-api-client 8.x).
WALDUR_VERSION = "8.0.0"
USER_NAMESPACE = uuidlib.UUID("5b2c1d1e-8f0a-4c51-9a4e-2d8c3f7b6a10")


def uuid_of_user(who: User) -> str:
    """Users in the data have no uuid of their own: one derived from the username, stable across starts."""
    return uuidlib.uuid5(USER_NAMESPACE, who.username).hex


def permission(customer: dict) -> dict:
    """An owner's role on a customer, as Waldur lists the caller's roles."""
    return {"role_name": "CUSTOMER.OWNER", "scope_type": "customer", "scope_uuid": customer["uuid"],
            "scope_name": customer["name"], "customer_uuid": customer["uuid"], "customer_name": customer["name"]}


@renders("UserMe")
def render(who: User, base: str, customers: dict) -> dict:
    key = uuid_of_user(who)
    return {
        "url": f"{base}{USERS_PATH}{key}/",
        "uuid": key,
        "username": who.username,
        "full_name": who.username,
        "email": "",
        "is_staff": who.is_staff,
        "is_support": who.role == "support",
        "is_active": True,
        "permissions": [permission(customers[uuid]) for uuid in sorted(who.owner_of) if uuid in customers],
    }


async def users_me_retrieve(field=None):
    return object_answer(render(user(), site(), mock().store.customers), field)


async def version_retrieve():
    return object_answer({"version": WALDUR_VERSION})
