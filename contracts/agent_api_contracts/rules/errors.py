"""Error answers judged as the API's own: the status alone is not enough, the body must be the
API's error format (an HTML 404 page of a deployment that lacks the route is not a 404 of the API)."""
from __future__ import annotations

import httpx

from agent_api_contracts.rules import Rule, Violation
from agent_api_contracts.rules.answers import is_json, parsed, shown

WALDUR_ERROR_BODY = '{"detail": "<message>"}'
PREFACTOR_ERROR_BODY = '{"status": "error", "code": "<code>", "message": "<text>"}'


def is_waldur_error(response: httpx.Response) -> bool:
    value = parsed(response)
    return is_json(response) and isinstance(value, dict) and isinstance(value.get("detail"), str)


def is_prefactor_error(response: httpx.Response) -> bool:
    value = parsed(response)
    return (is_json(response) and isinstance(value, dict) and value.get("status") == "error"
            and isinstance(value.get("code"), str) and isinstance(value.get("message"), str))


def waldur_error(response: httpx.Response, status: int, rule: Rule) -> list[Violation]:
    """The judge of a Waldur error: that status with DRF's `{"detail": str}` JSON body."""
    return rule.judge(response.status_code == status and is_waldur_error(response),
                      f"{status} with {WALDUR_ERROR_BODY}", shown(response), response)


def prefactor_error(response: httpx.Response, statuses: range | tuple[int, ...], rule: Rule) -> list[Violation]:
    """The judge of a Prefactor error: one of those statuses with the error envelope."""
    wanted = f"{statuses.start}-{statuses.stop - 1}" if isinstance(statuses, range) else "/".join(map(str, statuses))
    return rule.judge(response.status_code in statuses and is_prefactor_error(response),
                      f"{wanted} with {PREFACTOR_ERROR_BODY}", shown(response), response)
