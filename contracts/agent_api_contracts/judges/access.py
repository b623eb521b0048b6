"""Judges of who may call what (agent_api_contracts.rules.access)."""
from __future__ import annotations

from agent_api_contracts.judges.exchanges import Observed, Recent, fingerprint, watches
from agent_api_contracts.rules.access import ANONYMOUS, SUPPORT_ONLY
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
