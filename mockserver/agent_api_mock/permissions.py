"""Waldur's permission model: system roles granted to a user on a scope, `is_staff` and
`is_support`, and the checks Waldur's views make with them.

A user holds role assignments (Waldur's UserRole): a role name (data/roles.yaml, Waldur's role
table) on one scope: a customer, a project, an offering or a service provider. A role is valid on
one kind of scope only (UserRoleCreateSerializer: "Role is not valid for this scope.").

The checks, each named after the Waldur function it mirrors:
- has_permission (waldur_core/permissions/utils.py): staff, or a role on exactly that scope that
  carries the permission. permitted() is permission_factory: any of the scope paths will do.
- is_support (waldur_core/core/permissions.py IsSupport): staff or support.
- sees_offering (marketplace/managers.py OfferingQuerySet.filter_for_user): staff and support see
  every offering; others those of a customer they hold a role on, and those they hold a role on.
- sees_as_provider (ResourceQuerySet.filter_for_service_provider): as sees_offering, and the
  offerings of a customer whose service provider they hold a role on.
- manages_offering_agent (marketplace_site_agent/views.py resolve_offering_agent_authorization,
  behind _can_manage_offering_agent): staff; OFFERING.CREATE on the offering's customer;
  OFFERING.UPDATE on the offering; an identity manager (is_identity_manager and managed_isds) for
  the identities it created.
- sees_agent_identity (AgentIdentityViewSet.get_queryset and its service and processor siblings).
- sees_resource (ResourceQuerySet.filter_for_user): staff and support see every resource; others
  those of a project they hold a role on, or of a customer they hold a role on (the project's or
  the offering's).
- sees_order (marketplace/views.py OrderViewSet.get_queryset): ORDER.LIST on the order's project,
  its customer, or the offering's customer.
"""
from __future__ import annotations

import functools
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROLES_FILE = Path(__file__).parent / "data" / "roles.yaml"
# scope_type -> the state's table of such scopes
USER_NAMESPACE = uuidlib.UUID("5b2c1d1e-8f0a-4c51-9a4e-2d8c3f7b6a10")
SCOPE_TABLES = {"customer": "customers", "project": "projects", "offering": "offerings",
                "serviceprovider": "service_providers"}


@functools.cache
def roles() -> dict[str, dict]:
    return yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class RoleAssignment:
    role_name: str
    scope_type: str
    scope_uuid: str

    @property
    def permissions(self) -> list[str]:
        return roles()[self.role_name]["permissions"]


@dataclass
class User:
    token: str
    username: str
    is_staff: bool = False
    is_support: bool = False
    is_identity_manager: bool = False
    managed_isds: tuple[str, ...] = ()
    roles: tuple[RoleAssignment, ...] = field(default_factory=tuple)

    @property
    def uuid(self) -> str:
        """Users in the data have no uuid of their own: one derived from the username, stable across starts."""
        return uuidlib.uuid5(USER_NAMESPACE, self.username).hex

    @property
    def sees_everything(self) -> bool:
        return self.is_staff or self.is_support


def describe(user: User) -> str:
    """What an account is, in a line: `staff`, `support`, `CUSTOMER.OWNER of 1 customer`..."""
    parts = [flag for flag, held in (("staff", user.is_staff), ("support", user.is_support),
                                     ("identity manager", is_identity_manager(user))) if held]
    counts: dict[tuple[str, str], int] = {}
    for a in user.roles:
        counts[(a.role_name, a.scope_type)] = counts.get((a.role_name, a.scope_type), 0) + 1
    parts += [f"{role} of {n} {kind}{'s' if n > 1 else ''}" for (role, kind), n in counts.items()]
    return ", ".join(parts) or "no role"


class InvalidAssignment(ValueError):
    """A role assignment that names an unknown role, the wrong kind of scope, or no existing scope."""


def check_assignment(assignment: RoleAssignment, state: dict) -> None:
    role = roles().get(assignment.role_name)
    if role is None:
        raise InvalidAssignment(f"unknown role {assignment.role_name!r} (Waldur's roles: {', '.join(roles())})")
    if role["scope_type"] != assignment.scope_type:
        # Waldur's UserRoleCreateSerializer: "Role is not valid for this scope."
        raise InvalidAssignment(f"Role is not valid for this scope: {assignment.role_name} is granted on a "
                                f"{role['scope_type']}, not on a {assignment.scope_type}")
    if assignment.scope_uuid not in state[SCOPE_TABLES[assignment.scope_type]]:
        raise InvalidAssignment(f"scope_uuid: no {assignment.scope_type} {assignment.scope_uuid}")


# --- Waldur's checks -------------------------------------------------------------------------------

def has_permission(user: User, permission: str, scope: tuple[str, str | None]) -> bool:
    if user.is_staff:
        return True
    kind, uuid = scope
    return any(a.scope_type == kind and a.scope_uuid == uuid and permission in a.permissions for a in user.roles)


def is_support(user: User) -> bool:
    return user.is_staff or user.is_support


def connected(user: User, scope_type: str, permission: str | None = None) -> set[str]:
    """get_connected_customers / get_connected_projects / get_connected_offerings (any role), or
    get_connected_*_by_permission (a role carrying `permission`)."""
    return {a.scope_uuid for a in user.roles
            if a.scope_type == scope_type and (permission is None or permission in a.permissions)}


def provider_of(store, customer: str) -> str | None:
    return next((p["uuid"] for p in store.service_providers.values() if p["customer"] == customer), None)


def offering_scope(store, offering: str, path: str) -> tuple[str, str | None]:
    """The scope a permission_factory path names, from an offering: `offering`, `offering.customer`
    or `offering.customer.serviceprovider`."""
    customer = store.offerings[offering]["customer"]
    return {"offering": ("offering", offering), "offering.customer": ("customer", customer),
            "offering.customer.serviceprovider": ("serviceprovider", provider_of(store, customer))}[path]


def permitted(store, user: User, permission: str, offering: str | None, paths: tuple[str, ...]) -> bool:
    """permission_factory(permission, paths) for an object of `offering`."""
    if offering not in store.offerings:
        return user.is_staff
    return any(has_permission(user, permission, offering_scope(store, offering, path)) for path in paths)


def sees_offering(store, user: User, offering: str | None) -> bool:
    if user.sees_everything:
        return True
    if offering not in store.offerings:
        return False
    return store.offerings[offering]["customer"] in connected(user, "customer") or offering in connected(user, "offering")


def sees_as_provider(store, user: User, offering: str | None) -> bool:
    if sees_offering(store, user, offering):
        return True
    customer = store.offerings[offering]["customer"] if offering in store.offerings else None
    return customer is not None and provider_of(store, customer) in connected(user, "serviceprovider")


def is_identity_manager(user: User) -> bool:
    return user.is_identity_manager and bool(user.managed_isds)


def created(user: User, identity: dict | None) -> bool:
    return identity is not None and identity.get("created_by") == user.uuid


def manages_offering_agent(store, user: User, offering: str, identity: dict | None) -> bool:
    if user.is_staff:
        return True
    if has_permission(user, "OFFERING.CREATE", offering_scope(store, offering, "offering.customer")):
        return True
    if has_permission(user, "OFFERING.UPDATE", ("offering", offering)):
        return True
    # The mock's offerings are all Active, one of Waldur's ISD_ALLOWED_STATES.
    return is_identity_manager(user) and (identity is None or created(user, identity))


def sees_agent_identity(store, user: User, identity: dict) -> bool:
    return (sees_offering(store, user, identity["offering"])
            or (is_identity_manager(user) and created(user, identity)))


def sees_order(user: User, project: str | None, project_customer: str | None, offering_customer: str | None) -> bool:
    if user.sees_everything:
        return True
    customers = connected(user, "customer", "ORDER.LIST")
    return (project in connected(user, "project", "ORDER.LIST") or project_customer in customers
            or offering_customer in customers)


def sees_resource(store, user: User, resource: dict) -> bool:
    if user.sees_everything:
        return True
    project = store.projects.get(resource.get("project"), {})
    offering = store.offerings.get(resource.get("offering"), {})
    customers = connected(user, "customer")
    return (resource.get("project") in connected(user, "project") or project.get("customer") in customers
            or offering.get("customer") in customers)
