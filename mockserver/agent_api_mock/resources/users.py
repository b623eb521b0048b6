"""Users (the accounts a token authenticates, with their roles): `GET /api/users/me/`, the
caller as the agent prints it at start-up, and `GET /api/version/`."""
from __future__ import annotations

from agent_api_mock.blanks import renders
from agent_api_mock.responses import mock, site
from agent_api_mock.resources.common import object_answer, user
from agent_api_mock.resources.family import Family, InvalidItem, uuid_of
from agent_api_mock.permissions import SCOPE_TABLES, InvalidAssignment, RoleAssignment, User, check_assignment

USERS_PATH = "/api/users/"
# The Waldur release whose behaviour the mock follows (waldur-api-client 8.x).
WALDUR_VERSION = "8.0.0"


# --- entities ----------------------------------------------------------------------------------

def parse_user(item: dict, state: dict) -> User:
    """A user and its role assignments (Waldur's shape: role_name, scope_type, scope_uuid), each on
    a scope that exists. The older keys still load: `role` (staff | support | user) and
    `owner_of` (customers it owns)."""
    legacy = item.get("role", "user")
    roles = [RoleAssignment(str(p["role_name"]), str(p["scope_type"]), uuid_of(p["scope_uuid"], "scope_uuid"))
             for p in item.get("permissions", [])]
    roles += [RoleAssignment("CUSTOMER.OWNER", "customer", uuid_of(c, "owner_of")) for c in item.get("owner_of", [])]
    roles = tuple(dict.fromkeys(roles))
    for number, assignment in enumerate(roles):
        try:
            check_assignment(assignment, state)
        except InvalidAssignment as error:
            raise InvalidItem(str(error), where=f"permissions[{number}]") from None
    return User(str(item["token"]), str(item.get("username", item["token"])),
                is_staff=bool(item.get("is_staff", legacy == "staff")),
                is_support=bool(item.get("is_support", legacy == "support")),
                is_identity_manager=bool(item.get("is_identity_manager", False)),
                managed_isds=tuple(str(isd) for isd in item.get("managed_isds", [])), roles=roles)


def dump_user(user: User) -> dict:
    """Only what differs from a plain user, as the built-in data writes it."""
    flags = {name: True for name in ("is_staff", "is_support", "is_identity_manager") if getattr(user, name)}
    return {"token": user.token, "username": user.username, **flags,
            **({"managed_isds": list(user.managed_isds)} if user.managed_isds else {}),
            **({"permissions": [{"role_name": a.role_name, "scope_type": a.scope_type, "scope_uuid": a.scope_uuid}
                                for a in user.roles]} if user.roles else {})}


# Loaded last: a role's scope may be any other family's entity.
FAMILIES = (Family("users", parse_user, key="token", dump=dump_user),)


# --- rendering and handlers --------------------------------------------------------------------

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
