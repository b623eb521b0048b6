"""Judges of how an agent registers itself and its services (agent_api_contracts.rules.identities)."""
from __future__ import annotations

from agent_api_contracts.judges.exchanges import Observed, Recent, hex_uuid, light
from agent_api_contracts.rules.identities import IDENTITY_REGISTRATION_IS_IDEMPOTENT, SERVICE_REGISTRATION_IS_IDEMPOTENT

IDENTITY_CREATE = "marketplace_site_agent_identities_create"
REGISTER_SERVICE = "marketplace_site_agent_identities_register_service"


class RegistrationsAreIdempotent:
    """An identity created again with a name its offering has, and a service registered again
    with a name its identity has, answer 200 with the object registered before, not 201."""

    rules = (IDENTITY_REGISTRATION_IS_IDEMPOTENT, SERVICE_REGISTRATION_IS_IDEMPOTENT)
    operations = frozenset({IDENTITY_CREATE, REGISTER_SERVICE})

    def __init__(self):
        self.registered = Recent()  # (operation, owner uuid, name) -> (uuid, response)

    def __call__(self, seen: Observed) -> list:
        if seen.status not in (200, 201) or not isinstance(seen.body, dict) or not isinstance(seen.sent, dict):
            return []
        if seen.operation_id == IDENTITY_CREATE:
            rule, owner, kind = IDENTITY_REGISTRATION_IS_IDEMPOTENT, hex_uuid(seen.sent.get("offering", "")), "offering"
        else:
            rule, owner, kind = SERVICE_REGISTRATION_IS_IDEMPOTENT, seen.path_uuids[0], "identity"
        key, uuid = (seen.operation_id, owner, str(seen.sent.get("name", ""))), seen.body.get("uuid")
        before = self.registered.get(key)
        self.registered[key] = (uuid, light(seen.response))
        if before is None or seen.overlapped:
            return []
        if seen.status == 201 or before[0] != uuid:
            return [rule.violation(f"200 with uuid {before[0]}: the {kind} has that name already",
                                   f"{seen.status} with uuid {uuid!r}", before[1], seen.response)]
        return []
