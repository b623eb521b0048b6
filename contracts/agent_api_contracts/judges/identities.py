"""Judges of how an agent registers its services (agent_api_contracts.rules.identities)."""
from __future__ import annotations

from agent_api_contracts.judges.exchanges import Observed, Recent, light
from agent_api_contracts.rules.identities import SERVICE_REGISTRATION_IS_IDEMPOTENT

IDENTITY_CREATE = "marketplace_site_agent_identities_create"
REGISTER_SERVICE = "marketplace_site_agent_identities_register_service"


class RegistrationsAreIdempotent:
    """A service registered again with a name its identity has answers 200 with the service
    registered before, not 201. (Identities are not: Waldur creates one on every POST.)"""

    rules = (SERVICE_REGISTRATION_IS_IDEMPOTENT,)
    operations = frozenset({REGISTER_SERVICE})

    def __init__(self):
        self.registered = Recent()  # (identity uuid, name) -> (uuid, response)

    def __call__(self, seen: Observed) -> list:
        if seen.status not in (200, 201) or not isinstance(seen.body, dict) or not isinstance(seen.sent, dict):
            return []
        key, uuid = (seen.path_uuids[0], str(seen.sent.get("name", ""))), seen.body.get("uuid")
        before = self.registered.get(key)
        self.registered[key] = (uuid, light(seen.response))
        if before is None or seen.overlapped:
            return []
        if seen.status == 201 or before[0] != uuid:
            return [SERVICE_REGISTRATION_IS_IDEMPOTENT.violation(
                f"200 with uuid {before[0]}: the identity has that name already",
                f"{seen.status} with uuid {uuid!r}", before[1], seen.response)]
        return []
