"""What the tests need to talk to the mock: its paths, each role's credentials, the exact
error bodies the notes document, and readings of a state dump (the format of
`GET /__admin/state`, which is also the seed data's format)."""
from __future__ import annotations

import re
import uuid as uuid_module
from datetime import datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SERVICES = "/api/marketplace-site-agent-services/"
CONNECTION_STATS = "/api/marketplace-site-agent-connection-stats/"
TASK_STATS = "/api/marketplace-site-agent-task-stats/"
STATUSES = "/api/marketplace-integration-statuses/"
OFFERINGS = "/api/marketplace-provider-offerings/"
AGENTS = "/api/v1/agent"
BASE_URL = "http://testserver"  # Starlette's TestClient calls the app on this host


def service_path(uuid: str, action: str | None = None) -> str:
    return f"{SERVICES}{uuid}/" + (f"{action}/" if action else "")


def status_path(uuid: str) -> str:
    return f"{STATUSES}{uuid}/"


def hyphenated(hex_uuid: str) -> str:
    """The form the official client puts in paths: Python's `str(UUID)`."""
    return str(uuid_module.UUID(hex_uuid))


def uuid_at_end_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


# --- credentials (the built-in data's users) --------------------------------------------------

STAFF = {"Authorization": "Token waldur-staff"}
SUPPORT = {"Authorization": "Token waldur-support"}
OWNER = {"Authorization": "Token waldur-owner"}  # owns customer "Alpha University"
USER = {"Authorization": "Token waldur-user"}  # no permissions at all
ANONYMOUS: dict[str, str] = {}
UNKNOWN = {"Authorization": "Token no-such-key"}
ROLES = {"staff": STAFF, "support": SUPPORT, "owner": OWNER, "user": USER, "anonymous": ANONYMOUS, "unknown": UNKNOWN}

PREFACTOR = {"Authorization": "Bearer prefactor-dev"}

# --- the exact bodies the real services answer ---------------------------------------------------

NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}
INVALID_TOKEN = {"detail": "Invalid token."}
PERMISSION_DENIED = {"detail": "You do not have permission to perform this action."}
SERVICE_NOT_FOUND = {"detail": "No AgentService matches the given query."}
STATUS_NOT_FOUND = {"detail": "No IntegrationStatus matches the given query."}
INVALID_PAGE = {"detail": "Invalid page."}
NOT_FOUND = {"detail": "Not found."}

HEX_UUID = re.compile(r"^[0-9a-f]{32}$")
# Any RFC 3339 date-time (what a client must accept), and the one format the mock writes (DRF's, in UTC).
WALDUR_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")
DRF_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
PREFACTOR_ID = re.compile(r"^[0-7][0-9abcdefghjkmnpqrstvwxyz]{31}$")

# Hypothesis runs each property on one app (a fresh one per test, not per example).
PROPERTIES = settings(max_examples=30, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])




def json_containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)


# Any JSON value: what a client can send (floats are finite; strings are valid Unicode).
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=["Cs"])),
    json_containers, max_leaves=12)


def prefactor_error(body: dict, code: str) -> bool:
    """Whether `body` is Prefactor's error envelope with this code."""
    return (body.get("status") == "error" and body.get("code") == code
            and isinstance(body.get("message"), str) and set(body) <= {"status", "code", "message", "errors"})


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- readings of a state dump ----------------------------------------------------------------

def customers_owned_by(state: dict, token: str) -> set[str]:
    """The customers the account is CUSTOMER.OWNER of (its role assignments, Waldur's shape)."""
    return {p["scope_uuid"] for user in state["users"] if user["token"] == token for p in user.get("permissions", [])
            if p["role_name"] == "CUSTOMER.OWNER"}


def offerings_of(state: dict, customers: set[str]) -> set[str]:
    return {offering["uuid"] for offering in state["offerings"] if offering["customer"] in customers}


def services_of(state: dict, offerings: set[str]) -> list[dict]:
    """The services of agents serving these offerings, in the state's order."""
    identities = {identity["uuid"] for identity in state["identities"] if identity["offering"] in offerings}
    return [service for service in state["services"] if service["identity"] in identities]


def statuses_of(state: dict, offerings: set[str]) -> list[dict]:
    return [status for status in state["integration_statuses"] if status["offering"] in offerings]


def all_offerings(state: dict) -> set[str]:
    return {offering["uuid"] for offering in state["offerings"]}


def owned_and_foreign(state: dict, token: str = "waldur-owner") -> tuple[set[str], set[str]]:
    """The offerings the owner's customers own, and all the others."""
    owned = offerings_of(state, customers_owned_by(state, token))
    return owned, all_offerings(state) - owned


def by_created(services: list[dict]) -> list[str]:
    return [service["uuid"] for service in sorted(services, key=lambda service: when(service["created"]))]


def list_everything(client, path: str, headers: dict, **params) -> list[dict]:
    """Every item of a Waldur list, one big page at a time, following `next`."""
    items, page = [], 1
    while True:
        answer = client.get(path, headers=headers, params={**params, "page_size": 300, "page": page})
        assert answer.status_code == 200, answer.text
        items += answer.json()
        if 'rel="next"' not in answer.headers["Link"]:
            return items
        page += 1


def state_of(client) -> dict:
    answer = client.get("/__admin/state")
    assert answer.status_code == 200, answer.text
    return answer.json()


def load_state(client, state: dict) -> None:
    answer = client.put("/__admin/state", json=state)
    assert answer.status_code == 200, answer.text
