"""Judges of who may call what (agent_api_contracts.rules.access)."""
from __future__ import annotations

from agent_api_contracts.judges.exchanges import Observed, watches
from agent_api_contracts.rules.access import ANONYMOUS


@watches(ANONYMOUS)
def anonymous_requests_are_refused(seen: Observed) -> list:
    """An operation that documents security answers no request without credentials with 2xx."""
    if not seen.succeeded or "authorization" in seen.response.request.headers or not seen.operation.security:
        return []
    return [ANONYMOUS.violation("401 without credentials", f"{seen.status} without an Authorization header",
                                seen.response)]
