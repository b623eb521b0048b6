"""Judges of who may call what (agent_api_contracts.rules.access)."""
from __future__ import annotations

from agent_api_contracts.judges.exchanges import Observed, Recent, fingerprint, hex_uuid, watches
from agent_api_contracts.rules.access import ANONYMOUS, OFFERING_MANAGER_MANAGES_AGENTS, SUPPORT_ONLY
from agent_api_contracts.rules.services import SUPPORT_MAY_NOT_WRITE
from agent_api_spec.operations import documented


@watches(ANONYMOUS)
def anonymous_requests_are_refused(seen: Observed) -> list:
    """An operation that documents security answers no request without credentials with 2xx."""
    if not seen.succeeded or "authorization" in seen.response.request.headers or not seen.operation.security:
        return []
    return [ANONYMOUS.violation("401 without credentials", f"{seen.status} without an Authorization header",
                                seen.response)]


SUPPORT_ONLY_OPERATIONS = frozenset(operation.operation_id for operation in documented().all
                                    if operation.spec.get("x-required-role") == "support")
SERVICE_WRITES = ("marketplace_site_agent_services_register_processor",
                  "marketplace_site_agent_services_set_statistics")


class AccountsKeepToTheirRoles:
    """What an account may do, once its own user (`/api/users/me/`) has shown its role: support-only
    operations (`x-required-role: support`) answer no one but staff and support with 2xx, and a
    support account that is not staff and holds no role anywhere changes no service. Accounts
    are told apart by their Authorization header, remembered as a fingerprint, never as the
    credential."""
    rules, judged = (SUPPORT_ONLY, SUPPORT_MAY_NOT_WRITE), frozenset({*SUPPORT_ONLY_OPERATIONS, *SERVICE_WRITES})
    operations = judged | {"users_me_retrieve"}

    def __init__(self):
        self.roles = Recent()  # fingerprint of the Authorization header -> its role_of

    def __call__(self, seen: Observed) -> list:
        account = seen.response.request.headers.get("authorization")
        if seen.operation is None or account is None:
            return []
        if seen.operation_id == "users_me_retrieve":
            if seen.status == 200 and isinstance(seen.body, dict):
                self.roles[fingerprint(account)] = role_of(seen.body)
            return []
        role = self.roles.get(fingerprint(account))
        if not seen.succeeded or role in (None, "staff"):
            return []
        if seen.operation_id in SUPPORT_ONLY_OPERATIONS and role == "user":
            return [SUPPORT_ONLY.violation("403 for an account that is neither staff nor support",
                                           f"{seen.status} for an account whose /api/users/me/ says is_staff false, "
                                           "is_support false", seen.response)]
        if seen.operation_id in SERVICE_WRITES and role == "support":
            return [SUPPORT_MAY_NOT_WRITE.violation("403 for a support account that is not staff and has no role",
                                                    f"{seen.status} for an account whose /api/users/me/ says "
                                                    "is_staff false, is_support true, permissions []", seen.response)]
        return []


def role_of(user: dict) -> str:
    """staff; support (with no role on any scope: `permissions` shown, and empty); support with
    roles, or whose roles were not shown (an owner may write to its offering's services); user."""
    if user.get("is_staff") is True:
        return "staff"
    if user.get("is_support") is not True:
        return "user"
    return "support" if user.get("permissions") == [] else "support with roles"


IDENTITY_ANSWERS = ("marketplace_site_agent_identities_list", "marketplace_site_agent_identities_retrieve",
                    "marketplace_site_agent_identities_create", "marketplace_site_agent_identities_update")
SERVICE_ANSWERS = ("marketplace_site_agent_services_list", "marketplace_site_agent_services_retrieve",
                   "marketplace_site_agent_identities_register_service")
# What an offering manager may not be refused, and where the request names the offering.
OFFERING_IN_PATH = ("marketplace_provider_offerings_retrieve",)
OFFERING_IN_BODY = ("marketplace_site_agent_identities_create",)
IDENTITY_IN_PATH = ("marketplace_site_agent_identities_retrieve", "marketplace_site_agent_identities_register_service")
SERVICE_IN_PATH = ("marketplace_site_agent_services_retrieve",)
REFUSALS = (403, 404)


class OfferingManagersReachTheirOfferingsAgents:
    """An account whose `/api/users/me/` shows OFFERING.MANAGER on an offering is not refused
    (403 or 404) that offering, reading its agent identities and services, registering an
    identity for it or a service of one of its identities. Waldur: marketplace_site_agent/views.py
    AgentIdentityViewSet.get_queryset (and the service viewset's) keeps the identities of
    Offering.objects.filter_for_user(user), which holds the offerings the user has a role on
    (get_connected_offerings); utils.py resolve_offering_agent_authorization allows an identity
    create and register_service by branch 3 (UPDATE_OFFERING on the offering, which
    OFFERING.MANAGER carries in permissions.yaml). Which offering a path names is learnt from
    earlier answers: an identity's `offering`, a service's `identity`."""
    rules = (OFFERING_MANAGER_MANAGES_AGENTS,)
    judged = frozenset({*OFFERING_IN_PATH, *OFFERING_IN_BODY, *IDENTITY_IN_PATH, *SERVICE_IN_PATH})
    operations = judged | {"users_me_retrieve", *IDENTITY_ANSWERS, *SERVICE_ANSWERS}

    def __init__(self):
        self.managed = Recent()  # fingerprint of the Authorization header -> the offerings it manages
        self.identity_offering = Recent()  # identity uuid -> its offering
        self.service_identity = Recent()  # service uuid -> its identity

    def __call__(self, seen: Observed) -> list:
        account = seen.response.request.headers.get("authorization")
        if seen.operation is None or account is None:
            return []
        if seen.succeeded:
            self.learn(seen, fingerprint(account))
        if seen.status not in REFUSALS or seen.operation_id not in self.judged:
            return []
        offering = self.offering_named(seen)
        if offering is None or offering not in self.managed.get(fingerprint(account), ()):
            return []
        return [OFFERING_MANAGER_MANAGES_AGENTS.violation(
            "2xx for an account whose /api/users/me/ shows OFFERING.MANAGER on the offering",
            f"{seen.status} for offering {offering}, which the account's /api/users/me/ shows it manages",
            seen.response)]

    def learn(self, seen: Observed, account: bytes) -> None:
        body = seen.body
        if seen.operation_id == "users_me_retrieve":
            if isinstance(body, dict):
                self.managed[account] = managed_offerings(body)
            return
        for item in body if isinstance(body, list) else [body]:
            if not isinstance(item, dict) or not isinstance(item.get("uuid"), str):
                continue
            if seen.operation_id in IDENTITY_ANSWERS and isinstance(item.get("offering"), str):
                self.identity_offering[hex_uuid(item["uuid"])] = uuid_in(item["offering"])
                for service in item.get("services") or []:
                    if isinstance(service, dict) and isinstance(service.get("uuid"), str):
                        self.service_identity[hex_uuid(service["uuid"])] = hex_uuid(item["uuid"])
            if seen.operation_id in SERVICE_ANSWERS and isinstance(item.get("identity"), str):
                self.service_identity[hex_uuid(item["uuid"])] = uuid_in(item["identity"])

    def offering_named(self, seen: Observed) -> str | None:
        uuids = seen.path_uuids
        if seen.operation_id in OFFERING_IN_PATH:
            return uuids[0] if uuids else None
        if seen.operation_id in OFFERING_IN_BODY:
            sent = seen.sent
            return uuid_in(sent["offering"]) if isinstance(sent, dict) and isinstance(sent.get("offering"), str) else None
        if seen.operation_id in SERVICE_IN_PATH:
            uuids = [self.service_identity.get(uuids[0])] if uuids else []
        return self.identity_offering.get(uuids[0]) if uuids and uuids[0] else None


def managed_offerings(user: dict) -> frozenset:
    """The offerings a users/me answer shows an OFFERING.MANAGER role on (Waldur's MePermission)."""
    roles = user.get("permissions") if isinstance(user.get("permissions"), list) else []
    return frozenset(uuid_in(role["scope_uuid"]) for role in roles
                     if isinstance(role, dict) and role.get("role_name") == "OFFERING.MANAGER"
                     and isinstance(role.get("scope_uuid"), str))


def uuid_in(reference: str) -> str:
    """A uuid, or the uuid at the end of an object's URL, without hyphens."""
    return hex_uuid(reference.rstrip("/").rsplit("/", 1)[-1])
