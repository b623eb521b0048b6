"""`GET /api/users/me/`: the caller, as the agent prints it at start-up, and `GET /api/version/`."""
from __future__ import annotations


from agent_api_mock.blanks import renders
from agent_api_mock.handlers.responses import mock, site
from agent_api_mock.resources.common import object_answer, user
from agent_api_mock.permissions import SCOPE_TABLES, RoleAssignment
from agent_api_mock.store import User

USERS_PATH = "/api/users/"
# The Waldur release whose behaviour the mock follows (waldur-api-client 8.x).
WALDUR_VERSION = "8.0.0"


def uuid_of_user(who: User) -> str:
    return who.uuid


def customer_of_scope(store, assignment: RoleAssignment) -> dict:
    """PermissionSerializer's `scope.customer`: a customer is its own."""
    table = getattr(store, SCOPE_TABLES[assignment.scope_type])
    scope = table[assignment.scope_uuid]
    return store.customers[scope["uuid"] if assignment.scope_type == "customer" else scope["customer"]]


def permission(store, assignment: RoleAssignment) -> dict:
    """One role of the caller, as Waldur's PermissionSerializer lists it in users/me `permissions`
    (the fields of waldur-api-client's MePermission). A service provider's name is its customer's."""
    customer = customer_of_scope(store, assignment)
    scope = getattr(store, SCOPE_TABLES[assignment.scope_type])[assignment.scope_uuid]
    return {"role_name": assignment.role_name, "scope_type": assignment.scope_type,
            "scope_uuid": assignment.scope_uuid, "scope_name": scope.get("name", customer["name"]),
            "customer_uuid": customer["uuid"], "customer_name": customer["name"]}


@renders("UserMe")
def render(who: User, base: str, store) -> dict:
    key = who.uuid
    return {
        "url": f"{base}{USERS_PATH}{key}/",
        "uuid": key,
        "username": who.username,
        "full_name": who.username,
        "email": "",
        "is_staff": who.is_staff,
        "is_support": who.is_support,
        "is_active": True,
        # Waldur's User schema (8.0.5): the identity manager flag and the ISDs it manages.
        "is_identity_manager": who.is_identity_manager,
        "managed_isds": list(who.managed_isds),
        "permissions": [permission(store, assignment) for assignment in who.roles],
    }


async def users_me_retrieve(field=None):
    return object_answer(render(user(), site(), mock().store), field)


async def version_retrieve():
    return object_answer({"version": WALDUR_VERSION})
