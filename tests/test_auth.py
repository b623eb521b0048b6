"""Who may do what: every role on every endpoint, and the exact answers to missing, unknown
and malformed credentials in each API's own format."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from mock_api import (
    AGENTS, CONNECTION_STATS, INVALID_TOKEN, NOT_PROVIDED, PERMISSION_DENIED, PREFACTOR, ROLES, SERVICE_NOT_FOUND,
    SERVICES, STAFF, STATUS_NOT_FOUND, STATUSES, TASK_STATS, owned_and_foreign, prefactor_error, service_path,
    services_of, state_of, status_path, statuses_of,
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # may name {own_service}, {foreign_service}, {own_status}, {foreign_status}, {own_processor}...
    body: dict | None = None
    not_found: dict | None = None  # the 404 body of the object the path names

    def send(self, client, headers, targets):
        return client.request(self.method, self.path.format(**targets), headers=headers, json=self.body)


PROCESSOR = {"name": "auth-check-processor", "backend_type": "SLURM"}


def not_found(model: str) -> dict:
    return {"detail": f"No {model} matches the given query."}


# What the site agent calls (resources/): "own" objects are of offering HPC cluster (the owner's
# customer), "foreign" ones of Object storage (Beta Research Lab's).
IDENTITY = {"offering": "fce5a890b4e15e57980a83931fcee79c", "name": "auth-check-agent", "version": "1.0.7",
            "last_restarted": "2025-02-01T10:00:00Z", "dependencies": []}
# climate-allocation: Updating, so Waldur takes usage for it (genome-allocation is still Creating)
SET_USAGE = {"resource": "5b0f6c0e2d1a4f7e9c3b8a6d4e2f1a0b", "usages": [{"type": "gpu", "amount": "1.00"}]}
OFFERINGS = "/api/marketplace-provider-offerings/"
RESOURCES = "/api/marketplace-provider-resources/"
ORDERS = "/api/marketplace-orders/"
MARKETPLACE_CALLS = {
    "list identities": Call("GET", "/api/marketplace-site-agent-identities/"),
    "create identity for own offering": Call("POST", "/api/marketplace-site-agent-identities/", IDENTITY),
    "retrieve own identity": Call("GET", "/api/marketplace-site-agent-identities/{own_identity}/",
                                  not_found=not_found("AgentIdentity")),
    "retrieve foreign identity": Call("GET", "/api/marketplace-site-agent-identities/{foreign_identity}/",
                                      not_found=not_found("AgentIdentity")),
    "update own identity": Call("PUT", "/api/marketplace-site-agent-identities/{own_identity}/",
                                {**IDENTITY, "name": "hpc-site-agent"}, not_found("AgentIdentity")),
    "register service of own identity": Call("POST", "/api/marketplace-site-agent-identities/{own_identity}/register_service/",
                                             {"name": "auth-check", "mode": "report"}, not_found("AgentIdentity")),
    "register queue of own identity": Call("POST", "/api/marketplace-site-agent-identities/{own_identity}/register_queue/",
                                           {}, not_found("AgentIdentity")),
    "users me": Call("GET", "/api/users/me/"),
    "version": Call("GET", "/api/version/"),
    "retrieve own offering": Call("GET", OFFERINGS + "{own_offering}/", not_found=not_found("Offering")),
    "retrieve foreign offering": Call("GET", OFFERINGS + "{foreign_offering}/", not_found=not_found("Offering")),
    "user attribute config of own offering": Call("GET", OFFERINGS + "{own_offering}/user-attribute-config/",
                                                  not_found=not_found("Offering")),
    "service accounts of own offering": Call("GET", OFFERINGS + "{own_offering}/list_project_service_accounts/",
                                             not_found=not_found("Offering")),
    "course accounts of own offering": Call("GET", OFFERINGS + "{own_offering}/list_course_accounts/",
                                            not_found=not_found("Offering")),
    "list service providers": Call("GET", "/api/marketplace-service-providers/"),
    "keys of own service provider": Call("GET", "/api/marketplace-service-providers/{own_provider}/keys/",
                                         not_found=not_found("ServiceProvider")),
    "list orders": Call("GET", ORDERS),
    "retrieve own order": Call("GET", ORDERS + "{own_order}/", not_found=not_found("Order")),
    "retrieve foreign order": Call("GET", ORDERS + "{foreign_order}/", not_found=not_found("Order")),
    "approve own order": Call("POST", ORDERS + "{own_order}/approve_by_provider/", {}, not_found("Order")),
    "reject own order": Call("POST", ORDERS + "{own_order}/reject_by_provider/", {}, not_found("Order")),
    "mark own pending order done": Call("POST", ORDERS + "{own_order}/set_state_done/", {}, not_found("Order")),
    "mark own order erred": Call("POST", ORDERS + "{own_order}/set_state_erred/", {"error_message": "x"},
                                 not_found("Order")),
    "list resources": Call("GET", RESOURCES),
    "retrieve own resource": Call("GET", RESOURCES + "{own_resource}/", not_found=not_found("Resource")),
    "retrieve foreign resource": Call("GET", RESOURCES + "{foreign_resource}/", not_found=not_found("Resource")),
    "team of own resource": Call("GET", RESOURCES + "{own_resource}/team/", not_found=not_found("Resource")),
    "set backend id of own resource": Call("POST", RESOURCES + "{own_resource}/set_backend_id/", {"backend_id": "b"},
                                           not_found("Resource")),
    "set backend id of foreign resource": Call("POST", RESOURCES + "{foreign_resource}/set_backend_id/",
                                               {"backend_id": "b"}, not_found("Resource")),
    "set limits of own resource": Call("POST", RESOURCES + "{own_resource}/set_limits/", {"limits": {"cpu": 1}},
                                       not_found("Resource")),
    "set backend metadata of own resource": Call("POST", RESOURCES + "{own_resource}/set_backend_metadata/",
                                                 {"backend_metadata": {}}, not_found("Resource")),
    "refresh last sync of own resource": Call("POST", RESOURCES + "{own_resource}/refresh_last_sync/", {},
                                              not_found("Resource")),
    "set own resource ok": Call("POST", RESOURCES + "{own_resource}/set_as_ok/", {}, not_found("Resource")),
    "set own resource erred": Call("POST", RESOURCES + "{own_resource}/set_as_erred/", {"error_message": "x"},
                                   not_found("Resource")),
    "list component usages": Call("GET", "/api/marketplace-component-usages/"),
    "set usage of own resource": Call("POST", "/api/marketplace-component-usages/set_usage/", SET_USAGE),
    "set user usages of foreign usage": Call("POST", "/api/marketplace-component-usages/{foreign_usage}/set_user_usages/",
                                             {"usages": [{"username": "alice", "usage": "1"}]},
                                             not_found("ComponentUsage")),
    "set user usage of foreign usage": Call("POST", "/api/marketplace-component-usages/{foreign_usage}/set_user_usage/",
                                            {"username": "alice", "usage": "1"}, not_found("ComponentUsage")),
    "list component user usages": Call("GET", "/api/marketplace-component-user-usages/"),
    "list offering users": Call("GET", "/api/marketplace-offering-users/"),
    "list component user usage limits": Call("GET", "/api/component-user-usage-limits/"),
    "retrieve own plan": Call("GET", "/api/marketplace-plans/{own_plan}/", not_found=not_found("Plan")),
    "retrieve foreign plan": Call("GET", "/api/marketplace-plans/{foreign_plan}/", not_found=not_found("Plan")),
}
PROCESSOR_NOT_FOUND = {"detail": "No AgentProcessor matches the given query."}
STATISTICS = {"statistics": {"checked": True}}

CALLS = {
    "list services": Call("GET", SERVICES),
    "count services": Call("HEAD", SERVICES),
    "retrieve own service": Call("GET", service_path("{own_service}"), not_found=SERVICE_NOT_FOUND),
    "retrieve foreign service": Call("GET", service_path("{foreign_service}"), not_found=SERVICE_NOT_FOUND),
    "register processor on own service": Call("POST", service_path("{own_service}", "register_processor"), PROCESSOR,
                                              SERVICE_NOT_FOUND),
    "register processor on foreign service": Call("POST", service_path("{foreign_service}", "register_processor"),
                                                  PROCESSOR, SERVICE_NOT_FOUND),
    "set statistics of own service": Call("POST", service_path("{own_service}", "set_statistics"), STATISTICS,
                                          SERVICE_NOT_FOUND),
    "set statistics of foreign service": Call("POST", service_path("{foreign_service}", "set_statistics"), STATISTICS,
                                              SERVICE_NOT_FOUND),
    "retrieve own processor": Call("GET", "/api/marketplace-site-agent-processors/{own_processor}/",
                                   not_found=PROCESSOR_NOT_FOUND),
    "retrieve foreign processor": Call("GET", "/api/marketplace-site-agent-processors/{foreign_processor}/",
                                       not_found=PROCESSOR_NOT_FOUND),
    "connection stats": Call("GET", CONNECTION_STATS),
    "task stats": Call("GET", TASK_STATS),
    "list integration statuses": Call("GET", STATUSES),
    "count integration statuses": Call("HEAD", STATUSES),
    "retrieve own integration status": Call("GET", status_path("{own_status}"), not_found=STATUS_NOT_FOUND),
    "retrieve foreign integration status": Call("GET", status_path("{foreign_status}"), not_found=STATUS_NOT_FOUND),
    **MARKETPLACE_CALLS,
}

# "own" objects belong to the owner's customer (Alpha University), "foreign" ones to another.
# Support reads everything but may not write; the owner sees and changes only its own
# customer's objects; a user without permissions sees nothing and may not read the stats.
ANSWERS = {
    #                                          staff support owner user anonymous unknown
    "list services":                          (200,  200,    200,  200, 401,      401),
    "count services":                         (200,  200,    200,  200, 401,      401),
    "retrieve own service":                   (200,  200,    200,  404, 401,      401),
    "retrieve foreign service":               (200,  200,    404,  404, 401,      401),
    "register processor on own service":      (201,  403,    201,  404, 401,      401),
    "register processor on foreign service":  (201,  403,    404,  404, 401,      401),
    "set statistics of own service":          (200,  403,    200,  404, 401,      401),
    "set statistics of foreign service":      (200,  403,    404,  404, 401,      401),
    "retrieve own processor":                 (200,  200,    200,  404, 401,      401),
    "retrieve foreign processor":             (200,  200,    404,  404, 401,      401),
    "connection stats":                       (200,  200,    403,  403, 401,      401),
    "task stats":                             (200,  200,    403,  403, 401,      401),
    "list integration statuses":              (200,  200,    200,  200, 401,      401),
    "count integration statuses":             (200,  200,    200,  200, 401,      401),
    "retrieve own integration status":        (200,  200,    200,  404, 401,      401),
    "retrieve foreign integration status":    (200,  200,    404,  404, 401,      401),
    # What the agent does is for staff and the offering's owner; a user who cannot see the
    # offering gets 404 where a path names it; where a body does, set_usage's serializer answers
    # 400 ("does not exist") and an identity's create 403 (test_agent_identity_create_forbidden).
    "list identities":                        (200,  200,    200,  200, 401,      401),
    "create identity for own offering":       (201,  403,    201,  403, 401,      401),
    "retrieve own identity":                  (200,  200,    200,  404, 401,      401),
    "retrieve foreign identity":              (200,  200,    404,  404, 401,      401),
    "update own identity":                    (200,  403,    200,  404, 401,      401),
    "register service of own identity":       (201,  403,    201,  404, 401,      401),
    "register queue of own identity":         (201,  403,    201,  404, 401,      401),
    "users me":                               (200,  200,    200,  200, 401,      401),
    "version":                                (200,  200,    200,  200, 401,      401),
    "retrieve own offering":                  (200,  200,    200,  404, 401,      401),
    "retrieve foreign offering":              (200,  200,    404,  404, 401,      401),
    "user attribute config of own offering":  (200,  200,    200,  404, 401,      401),
    "service accounts of own offering":       (200,  200,    200,  404, 401,      401),
    "course accounts of own offering":        (200,  200,    200,  404, 401,      401),
    "list service providers":                 (200,  200,    200,  200, 401,      401),
    "keys of own service provider":           (200,  200,    200,  404, 401,      401),
    "list orders":                            (200,  200,    200,  200, 401,      401),
    "retrieve own order":                     (200,  200,    200,  404, 401,      401),
    "retrieve foreign order":                 (200,  200,    404,  404, 401,      401),
    "approve own order":                      (200,  403,    200,  404, 401,      401),
    "reject own order":                       (200,  403,    200,  404, 401,      401),
    "mark own pending order done":            (409,  403,    409,  404, 401,      401),
    "mark own order erred":                   (200,  403,    200,  404, 401,      401),
    "list resources":                         (200,  200,    200,  200, 401,      401),
    "retrieve own resource":                  (200,  200,    200,  404, 401,      401),
    "retrieve foreign resource":              (200,  200,    404,  404, 401,      401),
    "team of own resource":                   (200,  200,    200,  404, 401,      401),
    "set backend id of own resource":         (200,  403,    200,  404, 401,      401),
    "set backend id of foreign resource":     (200,  403,    404,  404, 401,      401),
    "set limits of own resource":             (200,  403,    200,  404, 401,      401),
    "set backend metadata of own resource":   (200,  403,    200,  404, 401,      401),
    "refresh last sync of own resource":      (200,  403,    200,  404, 401,      401),
    "set own resource ok":                    (200,  403,    200,  404, 401,      401),
    "set own resource erred":                 (200,  403,    200,  404, 401,      401),
    "list component usages":                  (200,  200,    200,  200, 401,      401),
    "set usage of own resource":              (201,  403,    201,  403, 401,      401),
    "set user usages of foreign usage":       (201,  403,    404,  404, 401,      401),
    "set user usage of foreign usage":        (201,  403,    404,  404, 401,      401),
    "list component user usages":             (200,  200,    200,  200, 401,      401),
    "list offering users":                    (200,  200,    200,  200, 401,      401),
    "list component user usage limits":       (200,  200,    200,  200, 401,      401),
    "retrieve own plan":                      (200,  200,    200,  404, 401,      401),
    "retrieve foreign plan":                  (200,  200,    404,  404, 401,      401),
}
CASES = [(call, role, status) for call, statuses in ANSWERS.items() for role, status in zip(ROLES, statuses)]


@pytest.fixture
def targets(seed) -> dict[str, str]:
    """One object of each kind on each side of the owner's customer, found in the state."""
    own, foreign = owned_and_foreign(seed)
    return {
        "own_service": services_of(seed, own)[0]["uuid"],
        "foreign_service": services_of(seed, foreign)[0]["uuid"],
        "own_status": statuses_of(seed, own)[0]["uuid"],
        "foreign_status": statuses_of(seed, foreign)[0]["uuid"],
        "own_processor": next(p["uuid"] for s in services_of(seed, own) for p in s["processors"]),
        "foreign_processor": next(p["uuid"] for s in services_of(seed, foreign) for p in s["processors"]),
        **marketplace_targets(seed, own),
    }


def marketplace_targets(seed: dict, own: set[str]) -> dict[str, str]:
    def one(kind: str, mine: bool, offering_of=lambda item: item["offering"]) -> str:
        return next(item["uuid"] for item in seed[kind] if (offering_of(item) in own) == mine)
    resources = {r["uuid"]: r["offering"] for r in seed["resources"]}
    customers = {o["customer"] for o in seed["offerings"] if o["uuid"] in own}
    return {
        "own_identity": one("identities", True), "foreign_identity": one("identities", False),
        "own_offering": sorted(own)[0], "foreign_offering": next(o["uuid"] for o in seed["offerings"] if o["uuid"] not in own),
        "own_provider": next(p["uuid"] for p in seed["service_providers"] if p["customer"] in customers),
        "own_order": one("orders", True, lambda o: resources[o["resource"]]),
        "foreign_order": one("orders", False, lambda o: resources[o["resource"]]),
        "own_resource": one("resources", True), "foreign_resource": one("resources", False),
        "foreign_usage": one("component_usages", False, lambda u: resources[u["resource"]]),
        "own_plan": one("plans", True), "foreign_plan": one("plans", False),
    }


def test_the_table_covers_every_waldur_operation(app):
    operations = app.state.mock.operations
    any_object = {target: "0" * 32 for target in ("own_service", "foreign_service", "own_status", "foreign_status",
                                                  "own_processor", "foreign_processor", "own_identity",
                                                  "foreign_identity", "own_offering", "foreign_offering", "own_provider",
                                                  "own_order", "foreign_order", "own_resource", "foreign_resource",
                                                  "foreign_usage", "own_plan", "foreign_plan")}
    called = {operations.find(call.method, call.path.format(**any_object)).operation_id for call in CALLS.values()}
    assert called == operations.operation_ids - {"create_agent"}


@pytest.mark.parametrize(("call", "role", "status"), CASES, ids=[f"{role}-{call}" for call, role, _ in CASES])
def test_each_role_on_each_endpoint(client, targets, call, role, status):
    before = state_of(client)
    answer = CALLS[call].send(client, ROLES[role], targets)
    assert answer.status_code == status, answer.text
    if status >= 400:
        assert state_of(client) == before, "a refused request changed the state"
    if CALLS[call].method == "HEAD":
        assert answer.content == b""
        return
    expected_error = {
        401: NOT_PROVIDED if role == "anonymous" else INVALID_TOKEN,
        403: PERMISSION_DENIED,
        404: CALLS[call].not_found,
    }.get(status)
    if expected_error is not None:
        assert answer.json() == expected_error


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Token no-such-key"}], ids=["anonymous", "unknown"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_every_waldur_401_asks_for_a_token(client, headers, method):
    answer = client.request(method, SERVICES, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("keyword", ["Token", "token", "TOKEN", "ToKeN"])
def test_the_token_keyword_is_case_insensitive(client, keyword):
    answer = client.get(SERVICES, headers={"Authorization": f"{keyword} waldur-staff"})
    assert answer.status_code == 200


@pytest.mark.parametrize(("authorization", "detail"), [
    ("Bearer waldur-staff", NOT_PROVIDED["detail"]),  # another keyword is no credentials at all, as in DRF
    ("Basic d2FsZHVyOnN0YWZm", NOT_PROVIDED["detail"]),
    ("Token", "Invalid token header. No credentials provided."),
    ("Token waldur staff", "Invalid token header. Token string should not contain spaces."),
    ("Token prefactor-dev", INVALID_TOKEN["detail"]),  # the other API's credentials mean nothing here
])
def test_malformed_waldur_credentials(client, authorization, detail):
    answer = client.get(SERVICES, headers={"Authorization": authorization})
    assert answer.status_code == 401
    assert answer.json() == {"detail": detail}
    assert answer.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("headers", [
    pytest.param({}, id="no credentials"),
    pytest.param({"Authorization": "Bearer not-a-token"}, id="unknown token"),
    pytest.param({"Authorization": "Bearer waldur-staff"}, id="a Waldur token"),
    pytest.param({"Authorization": "Token prefactor-dev"}, id="the Waldur keyword"),
    pytest.param({"Authorization": "Bearer"}, id="no token after the keyword"),
])
def test_prefactor_refuses_missing_and_unknown_tokens_in_its_envelope(client, headers):
    before = state_of(client)
    answer = client.post(AGENTS, headers=headers, json={"details": {"name": "Unwelcome"}})
    assert answer.status_code == 401
    assert prefactor_error(answer.json(), "bad_authtoken"), answer.json()
    assert "WWW-Authenticate" not in answer.headers
    assert state_of(client) == before


def test_prefactor_accepts_its_api_token(client):
    answer = client.post(AGENTS, headers=PREFACTOR, json={"details": {"name": "Welcome"}})
    assert answer.status_code == 201
    assert answer.json()["status"] == "success"


def test_credentials_come_from_the_state(client, seed):
    """A user loaded through /__admin/state can call at once; a removed one cannot."""
    changed = {**seed, "users": [{"token": "fresh-key", "username": "fresh", "role": "staff"}]}
    assert client.put("/__admin/state", json=changed).status_code == 200
    assert client.get(SERVICES, headers={"Authorization": "Token fresh-key"}).status_code == 200
    assert client.get(SERVICES, headers=STAFF).json() == INVALID_TOKEN
