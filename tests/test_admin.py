"""The test-control surface under /__admin/ (reset, state, the request journal, faults),
Prism's `Prefer: code=NNN`, and an app built without the admin surface."""
from __future__ import annotations

import json
import time

import pytest
from starlette.testclient import TestClient

from mock_api import (
    AGENTS, CONNECTION_STATS, NOT_FOUND, PREFACTOR, SERVICES, STAFF, STATUSES, load_state, prefactor_error,
    service_path, state_of,
)
from agent_api_mock.app import create_app
from agent_api_spec.operations import DOCUMENTS, METHODS, document, resolve

SERVICES_LIST = "marketplace_site_agent_services_list"


def journal(client, **criteria) -> list[dict]:
    answer = client.get("/__admin/requests", params=criteria)
    assert answer.status_code == 200
    return answer.json()


def add_fault(client, **fault):
    return client.post("/__admin/faults", json=fault)


# --- reset ---------------------------------------------------------------------------------

@pytest.mark.server_errors_expected
def test_reset_forgets_writes_requests_and_faults(client, seed):
    service = seed["services"][0]["uuid"]
    client.post(service_path(service, "set_statistics"), headers=STAFF, json={"statistics": {"written": 1}})
    client.post(AGENTS, headers=PREFACTOR, json={"details": {"name": "Forgotten"}})
    add_fault(client, operation_id=SERVICES_LIST, status=401, times=5)
    assert state_of(client) != seed
    answer = client.post("/__admin/reset")
    assert answer.status_code == 200
    assert answer.json() == {"detail": "State reset to the seed data."}
    assert state_of(client) == seed
    assert journal(client) == []
    assert client.get("/__admin/faults").json() == []
    assert client.get(SERVICES, headers=STAFF).status_code == 200


def test_reset_returns_to_the_data_the_app_was_built_with(seed):
    small = {**seed, "services": seed["services"][:1], "integration_statuses": []}
    with TestClient(create_app(small, validate_responses=True)) as client:
        load_state(client, seed)
        client.post("/__admin/reset")
        assert len(client.get(SERVICES, headers=STAFF).json()) == 1


# --- state ---------------------------------------------------------------------------------

def test_a_dumped_state_loads_back_unchanged(client, seed):
    client.post(AGENTS, headers=PREFACTOR, json={"details": {"name": "Kept"}, "idempotency_key": "kept"})
    dumped = state_of(client)
    answer = client.put("/__admin/state", json=dumped)
    assert answer.status_code == 200
    assert answer.json() == {"detail": "State loaded."}
    assert state_of(client) == dumped


def test_a_loaded_state_is_what_the_api_answers(client, seed):
    only_errors = {**seed, "services": [s for s in seed["services"] if s["state"] == "Error"]}
    load_state(client, only_errors)
    states = {service["state"] for service in client.get(SERVICES, headers=STAFF, params={"page_size": 300}).json()}
    assert states == {"Error"}
    assert client.get(SERVICES, headers=STAFF).headers["X-Result-Count"] == str(len(only_errors["services"]))


def test_a_loaded_idempotency_key_is_honoured(client):
    body = {"details": {"name": "Before"}, "idempotency_key": "survives"}
    created = client.post(AGENTS, headers=PREFACTOR, json=body).json()
    dumped = state_of(client)
    client.post("/__admin/reset")
    load_state(client, dumped)
    replay = client.post(AGENTS, headers=PREFACTOR, json=body)
    assert replay.status_code == 200 and replay.json() == created


@pytest.mark.parametrize(("broken", "detail"), [
    pytest.param(b"[]", 'the state: [] is not of type "object"', id="a list"),
    pytest.param(b"{", "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
                 id="malformed JSON"),
    pytest.param(b'{"users": "everyone"}', 'users: "everyone" is not of type "array"', id="users are no list"),
    pytest.param(b'{"users": [{"token": "t"}], "services": [{"uuid": "x"}]}',
                 "services[0].identity: is required (and 4 more problems)", id="an incomplete service"),
    pytest.param(b'{"users": [{"token": "t", "role": "king"}]}',
                 'users[0].role: "king" is not one of "staff", "support" or "user"', id="an unknown role"),
    pytest.param(b'{"users": [{"username": "no-token"}]}',
                 "users[0].token: is required (the key of `Authorization: Token <key>`)", id="a user without a token"),
    pytest.param(b'{"users": [{"token": "t"}], "servces": []}', "the state: unknown field(s) 'servces'", id="a typo"),
])
def test_an_invalid_state_is_refused_naming_the_item_and_the_old_state_kept(client, seed, broken, detail):
    answer = client.put("/__admin/state", content=broken, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {"detail": f"Invalid state in the request body: {detail}"}
    assert state_of(client) == seed


ALPHA_UNIVERSITY = "2037d4cc02cf5404a713d4c207de392e"
GENOME_LAB = "aeb88daa0b664602a84a6872b4824ff7"


@pytest.mark.parametrize(("assignment", "detail"), [
    pytest.param({"role_name": "CUSTOMER.KING", "scope_type": "customer", "scope_uuid": ALPHA_UNIVERSITY},
                 '.role_name: "CUSTOMER.KING" is not one of "CUSTOMER.OWNER", "CUSTOMER.MANAGER" or 5 other candidates',
                 id="an unknown role"),
    pytest.param({"role_name": "CUSTOMER.OWNER", "scope_type": "project", "scope_uuid": GENOME_LAB},
                 ": Role is not valid for this scope: CUSTOMER.OWNER is granted on a customer, not on a project",
                 id="a role on the wrong kind of scope"),
    pytest.param({"role_name": "CUSTOMER.OWNER", "scope_type": "customer", "scope_uuid": "f" * 32},
                 f": scope_uuid: no customer {'f' * 32}", id="a scope that does not exist"),
    pytest.param({"role_name": "CUSTOMER.OWNER", "scope_type": "customer"}, ".scope_uuid: is required",
                 id="an assignment without its scope"),
    pytest.param("CUSTOMER.OWNER", ': "CUSTOMER.OWNER" is not of type "object"', id="an assignment that is no object"),
])
def test_a_bad_role_assignment_is_refused_naming_it_and_the_old_state_kept(client, seed, assignment, detail):
    """Role assignments (agent_api_mock.permissions): Waldur's role table, the scope each role is
    valid on (UserRoleCreateSerializer), and a scope that exists."""
    users = [*seed["users"], {"token": "new-account", "permissions": [assignment]}]
    answer = client.put("/__admin/state", json={**seed, "users": users})
    assert answer.status_code == 400
    at = f"users[{len(seed['users'])}].permissions[0]"
    assert answer.json() == {"detail": f"Invalid state in the request body: {at}{detail}"}
    assert state_of(client) == seed
    assert client.get(SERVICES, headers={"Authorization": "Token new-account"}).status_code == 401


@pytest.mark.parametrize("unusable", [{}, {"users": []}], ids=["empty", "no users"])
def test_a_state_without_users_is_refused_since_every_token_would_be_401(client, seed, unusable):
    answer = client.put("/__admin/state", json=unusable)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("Invalid state in the request body: users: ")
    assert "without users every Waldur token answers 401" in answer.json()["detail"]
    assert state_of(client) == seed
    assert client.get(SERVICES, headers=STAFF).status_code == 200


def test_a_state_nested_deeper_than_a_request_body_may_is_refused(client, seed):
    too_deep = json.loads("[" * 900 + "]" * 900)
    answer = client.put("/__admin/state", json={**seed, "services": [{**seed["services"][0], "statistics": too_deep}]})
    assert answer.status_code == 400
    assert "nested deeper" in answer.json()["detail"]
    assert state_of(client) == seed
    assert client.get(SERVICES, headers=STAFF).status_code == 200


def test_a_state_referring_to_nothing_is_refused(client, seed):
    dangling = {**seed, "services": [{**seed["services"][0], "identity": "f" * 32}]}
    answer = client.put("/__admin/state", json=dangling)
    assert answer.status_code == 400
    assert "unknown identity" in answer.json()["detail"]
    assert state_of(client) == seed


# --- the request journal -------------------------------------------------------------------

def test_the_journal_records_each_api_request_with_its_answer(client, seed):
    service = seed["services"][0]["uuid"]
    client.get(SERVICES, headers=STAFF, params={"page_size": 2})
    client.post(service_path(service, "set_statistics"), headers=STAFF, json={"statistics": {"n": 1}})
    client.get(STATUSES)
    entries = journal(client)
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", SERVICES, 200),
        ("POST", service_path(service, "set_statistics"), 200),
        ("GET", STATUSES, 401),
    ]
    assert entries[0]["query"] == "page_size=2"
    assert entries[0]["operation_id"] == SERVICES_LIST
    assert entries[1]["body"] == {"statistics": {"n": 1}}
    assert entries[0]["body"] is None
    assert [e["id"] for e in entries] == sorted({e["id"] for e in entries})


def test_the_journal_leaves_out_the_admin_surface(client):
    client.get("/__admin/state")
    client.get("/__admin/faults")
    assert journal(client) == []


def test_the_journal_records_requests_that_match_no_operation(client):
    client.get("/api/nowhere/", headers=STAFF)
    [entry] = journal(client)
    assert (entry["path"], entry["status"], entry["operation_id"]) == ("/api/nowhere/", 404, None)


def test_the_journal_filters_by_each_field(client, seed):
    service = seed["services"][0]["uuid"]
    client.get(SERVICES, headers=STAFF, params={"mode": "report"})
    client.head(SERVICES, headers=STAFF)
    client.get(service_path(service), headers=STAFF)
    client.get(service_path("0" * 32), headers=STAFF)
    client.post(AGENTS, headers=PREFACTOR, json={"details": {"name": "Journaled"}})
    assert [e["method"] for e in journal(client, method="HEAD")] == ["HEAD"]
    assert [e["path"] for e in journal(client, path=AGENTS)] == [AGENTS]
    assert [e["operation_id"] for e in journal(client, operation_id="marketplace_site_agent_services_retrieve")] == [
        "marketplace_site_agent_services_retrieve"] * 2
    assert [e["path"] for e in journal(client, status=404)] == [service_path("0" * 32)]
    assert [e["query"] for e in journal(client, query="mode=report")] == ["mode=report"]
    assert [e["path"] for e in journal(client, method="GET", status=200)] == [SERVICES, service_path(service)]
    assert journal(client, method="DELETE") == []


def test_the_journal_can_be_cleared(client):
    client.get(SERVICES, headers=STAFF)
    assert client.delete("/__admin/requests").status_code == 204
    assert journal(client) == []
    client.get(SERVICES, headers=STAFF)
    assert len(journal(client)) == 1


def test_the_journal_keeps_a_body_that_is_no_json_as_text(client, seed):
    client.post(service_path(seed["services"][0]["uuid"], "set_statistics"),
                headers={**STAFF, "Content-Type": "text/plain"}, content=b"plain words")
    assert journal(client)[0]["body"] == "plain words"


# --- faults --------------------------------------------------------------------------------

def test_a_fault_answers_its_status_for_the_next_times_requests_of_its_operation(client):
    answer = add_fault(client, operation_id=SERVICES_LIST, status=401, times=2)
    assert answer.status_code == 201
    assert answer.json() == {"operation_id": SERVICES_LIST, "times": 2, "status": 401, "latency_ms": 0}
    assert client.get(STATUSES, headers=STAFF).status_code == 200, "another operation is not affected"
    statuses = [client.get(SERVICES, headers=STAFF).status_code for _ in range(3)]
    assert statuses == [401, 401, 200]
    assert client.get("/__admin/faults").json() == []


@pytest.mark.server_errors_expected
def test_a_fault_is_answered_in_the_apis_format_with_the_specs_body(client):
    add_fault(client, operation_id="create_agent", status=503)
    add_fault(client, operation_id="marketplace_site_agent_connection_stats_retrieve", status=503)
    prefactor = client.post(AGENTS, headers=PREFACTOR, json={"details": {"name": "Unlucky"}})
    assert prefactor.status_code == 503 and prefactor_error(prefactor.json(), "service_unavailable")
    waldur = client.get(CONNECTION_STATS, headers=STAFF)
    assert waldur.status_code == 503
    assert waldur.json() == first_example("marketplace_site_agent_connection_stats_retrieve", 503)


@pytest.mark.parametrize("status", [418, 200, 302, 500, 503])
def test_a_fault_with_a_status_the_operation_does_not_document_is_refused(client, status):
    answer = add_fault(client, operation_id=SERVICES_LIST, status=status)
    assert answer.status_code == 400
    assert answer.json() == {"detail": f"status {status} is not an error status {SERVICES_LIST} documents; "
                                       "its documented error statuses: 400, 401, 404"}
    assert client.get("/__admin/faults").json() == []


def test_a_faulted_write_changes_nothing(client, seed):
    add_fault(client, operation_id="marketplace_site_agent_services_set_statistics", status=403)
    answer = client.post(service_path(seed["services"][0]["uuid"], "set_statistics"), headers=STAFF,
                         json={"statistics": {"lost": True}})
    assert answer.status_code == 403
    assert state_of(client) == seed


def test_a_fault_with_a_documented_status_answers_the_documented_example(client):
    add_fault(client, operation_id="marketplace_site_agent_services_retrieve", status=404)
    answer = client.get(service_path("0" * 32), headers=STAFF)
    assert answer.json() == {"detail": "No AgentService matches the given query."}


def test_a_latency_fault_delays_then_answers_normally(client):
    add_fault(client, operation_id=SERVICES_LIST, latency_ms=150)
    started = time.perf_counter()
    slow = client.get(SERVICES, headers=STAFF)
    slow_took = time.perf_counter() - started
    started = time.perf_counter()
    client.get(SERVICES, headers=STAFF)
    fast_took = time.perf_counter() - started
    assert slow.status_code == 200
    assert slow_took >= 0.15
    assert fast_took < slow_took


def test_latency_and_status_combine(client):
    add_fault(client, operation_id="marketplace_site_agent_task_stats_retrieve", latency_ms=100, status=403)
    started = time.perf_counter()
    answer = client.get("/api/marketplace-site-agent-task-stats/", headers=STAFF)
    assert answer.status_code == 403
    assert time.perf_counter() - started >= 0.1


def test_faults_on_one_operation_are_used_in_order(client):
    add_fault(client, operation_id=SERVICES_LIST, status=400, times=1)
    add_fault(client, operation_id=SERVICES_LIST, status=401, times=1)
    assert [client.get(SERVICES, headers=STAFF).status_code for _ in range(3)] == [400, 401, 200]


def test_a_head_count_has_its_own_operation(client):
    add_fault(client, operation_id="marketplace_site_agent_services_count", status=401)
    assert client.get(SERVICES, headers=STAFF).status_code == 200
    head = client.head(SERVICES, headers=STAFF)
    assert head.status_code == 401 and head.content == b""


def test_pending_faults_are_listed_and_can_be_cleared(client):
    add_fault(client, operation_id=SERVICES_LIST, status=401, times=3)
    add_fault(client, operation_id="create_agent", latency_ms=10)
    assert [f["operation_id"] for f in client.get("/__admin/faults").json()] == [SERVICES_LIST, "create_agent"]
    client.get(SERVICES, headers=STAFF)
    assert client.get("/__admin/faults").json()[0]["times"] == 2
    assert client.delete("/__admin/faults").status_code == 204
    assert client.get("/__admin/faults").json() == []
    assert client.get(SERVICES, headers=STAFF).status_code == 200


@pytest.mark.parametrize("fault", [
    pytest.param({"operation_id": "no_such_operation", "status": 500}, id="unknown operation"),
    pytest.param({"status": 500}, id="no operation"),
    pytest.param({"operation_id": SERVICES_LIST}, id="neither status nor latency"),
    pytest.param({"operation_id": SERVICES_LIST, "status": 500, "times": 0}, id="times 0"),
    pytest.param({"operation_id": SERVICES_LIST, "status": 500, "times": True}, id="times a boolean"),
    pytest.param({"operation_id": SERVICES_LIST, "status": 99}, id="no HTTP status"),
    pytest.param({"operation_id": SERVICES_LIST, "status": "500"}, id="status a string"),
    pytest.param({"operation_id": SERVICES_LIST, "latency_ms": -1}, id="negative latency"),
    pytest.param({"operation_id": SERVICES_LIST, "latency_ms": 60_001}, id="latency over a minute"),
    pytest.param([SERVICES_LIST], id="no object"),
])
def test_an_invalid_fault_is_refused(client, fault):
    answer = client.post("/__admin/faults", json=fault)
    assert answer.status_code == 400
    assert set(answer.json()) == {"detail"}
    assert client.get("/__admin/faults").json() == []


def test_a_fault_that_is_no_json_is_refused(client):
    answer = client.post("/__admin/faults", content=b"{", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("JSON parse error - ")


# --- Prefer: code=NNN ----------------------------------------------------------------------

def first_example(operation_id: str, status: int) -> object:
    for api in DOCUMENTS:
        for item in document(api)["paths"].values():
            for method, operation in item.items():
                if method in METHODS and operation["operationId"] == operation_id:
                    media = resolve(api, operation["responses"][str(status)])["content"]["application/json"]
                    return resolve(api, next(iter(media["examples"].values())))["value"]
    raise LookupError(operation_id)


def first_example_named(operation_id: str, status: int, name: str) -> object:
    return next(body for op, _, _, code, example, body in documented_examples(range(status, status + 1))
                if (op, example) == (operation_id, name))


def documented_examples(statuses=range(400, 600)) -> list[tuple[str, str, str, int, str, object]]:
    """(operationId, method, path template, status, example name, example body) of every
    example the documents give an answer of one of these statuses."""
    found = []
    for api in DOCUMENTS:
        for template, item in document(api)["paths"].items():
            for method, operation in item.items():
                if method not in METHODS:
                    continue
                for status, response in operation["responses"].items():
                    if not status.isdigit() or int(status) not in statuses:
                        continue
                    media = resolve(api, response).get("content", {}).get("application/json", {})
                    for name, example in media.get("examples", {}).items():
                        found.append((operation["operationId"], method.upper(), template, int(status), name,
                                      resolve(api, example)["value"]))
    return found


EXAMPLES = documented_examples()
SUCCESS_EXAMPLES = documented_examples(range(200, 300))


@pytest.mark.server_errors_expected
@pytest.mark.parametrize(("operation_id", "method", "template", "status", "name", "body"), EXAMPLES,
                         ids=[f"{e[0]}-{e[3]}-{e[4]}" for e in EXAMPLES])
def test_prefer_code_and_example_answer_the_documented_example(client, seed, operation_id, method, template, status,
                                                               name, body):
    path = template.replace("{uuid}", seed["services"][0]["uuid"])
    answer = client.request(method, path, headers={**STAFF, "Prefer": f"code={status}, example={name}"},
                            json={"statistics": {"a": 1}} if method == "POST" else None)
    assert answer.status_code == status
    assert answer.json() == body
    assert state_of(client) == seed


def test_the_documented_examples_cover_every_error_class():
    assert {status for *_, status, _, _ in EXAMPLES} >= {400, 401, 403, 404, 413, 415, 503}


def test_prefer_code_alone_answers_the_first_documented_example(client):
    answer = client.get(CONNECTION_STATS, headers={**STAFF, "Prefer": "code=403"})
    assert answer.status_code == 403
    assert answer.json() == {"detail": "You do not have permission to perform this action."}


def test_prefer_code_on_a_head_answers_no_body(client):
    answer = client.head(SERVICES, headers={**STAFF, "Prefer": "code=404"})
    assert answer.status_code == 404 and answer.content == b""


@pytest.mark.parametrize("code", [400, 401, 409, 422, 429, 500])
@pytest.mark.server_errors_expected
def test_prefer_code_on_prefactor_answers_the_error_envelope(client, code):
    answer = client.post(AGENTS, headers={**PREFACTOR, "Prefer": f"code={code}"}, json={"details": {"name": "X"}})
    assert answer.status_code == code
    body = answer.json()
    assert body["status"] == "error" and isinstance(body["code"], str) and isinstance(body["message"], str)
    assert state_of(client)["agents"] == []


@pytest.mark.parametrize(("operation_id", "method", "template", "status", "name", "body"), SUCCESS_EXAMPLES,
                         ids=[f"{e[0]}-{e[3]}-{e[4]}" for e in SUCCESS_EXAMPLES])
def test_prefer_serves_every_documented_success_example_as_prism_does(client, seed, operation_id, method, template,
                                                                      status, name, body):
    path = template.replace("{uuid}", seed["services"][0]["uuid"])
    headers = {**(PREFACTOR if path.startswith("/api/v1/") else STAFF), "Prefer": f"code={status}, example={name}"}
    answer = client.request(method, path, headers=headers,
                            json={"statistics": {"a": 1}} if method == "POST" else None)
    assert (answer.status_code, answer.json()) == (status, body)
    assert state_of(client) == seed


def test_prefer_code_200_with_an_example_answers_that_example_not_live_data(client):
    answer = client.get("/api/marketplace-site-agent-task-stats/",
                        headers={**STAFF, "Prefer": "code=200, example=inspection_failed"})
    assert answer.status_code == 200
    assert answer.json() == first_example_named("marketplace_site_agent_task_stats_retrieve", 200, "inspection_failed")
    assert "error" in answer.json()


@pytest.mark.server_errors_expected
def test_prefer_example_alone_finds_the_status_that_documents_it(client):
    answer = client.get(CONNECTION_STATS, headers={**STAFF, "Prefer": "example=broker_down"})
    assert answer.status_code == 503
    assert answer.json() == first_example("marketplace_site_agent_connection_stats_retrieve", 503)


def test_prefer_a_documented_success_code_alone_answers_live_data(client, seed):
    answer = client.get(SERVICES, headers={**STAFF, "Prefer": "code=200"})
    assert answer.status_code == 200
    assert answer.headers["X-Result-Count"] == str(len(seed["services"]))


@pytest.mark.parametrize(("path", "prefer", "detail"), [
    (CONNECTION_STATS, "code=418", "Prefer: code=418 is not documented for marketplace_site_agent_connection_stats_retrieve; "
                                   "its documented statuses: 200, 401, 403, 503"),
    (CONNECTION_STATS, "code=abc", "Prefer: code=abc is not documented for marketplace_site_agent_connection_stats_retrieve; "
                                   "its documented statuses: 200, 401, 403, 503"),
    (SERVICES, "code=503", "Prefer: code=503 is not documented for marketplace_site_agent_services_list; "
                           "its documented statuses: 200, 400, 401, 404"),
    (SERVICES, "code=404, example=nope", "Prefer: example=nope is not documented for code=404 of "
                                         "marketplace_site_agent_services_list; its examples: invalid_page"),
    (CONNECTION_STATS, "example=nope", "Prefer: example=nope is not documented for "
                                       "marketplace_site_agent_connection_stats_retrieve; its examples: one_agent (200), "
                                       "no_credentials (401), invalid_token (401), permission_denied (403), broker_down (503)"),
])
def test_a_prefer_the_operation_does_not_document_is_refused_listing_what_it_does(client, path, prefer, detail):
    answer = client.get(path, headers={**STAFF, "Prefer": prefer})
    assert answer.status_code == 400
    assert answer.json() == {"detail": detail}


def test_a_prefer_refusal_on_prefactor_is_its_error_envelope(client):
    answer = client.post(AGENTS, headers={**PREFACTOR, "Prefer": "code=302"}, json={"details": {"name": "X"}})
    assert answer.status_code == 400 and prefactor_error(answer.json(), "bad_request")
    assert "documented statuses: 200, 201, any error status (default)" in answer.json()["message"]


@pytest.mark.parametrize("prefer", ["respond-async", "return=minimal", "wait=5", "handling=lenient"])
def test_preferences_other_than_code_and_example_are_ignored_as_rfc_7240_asks(client, prefer):
    answer = client.get(CONNECTION_STATS, headers={**STAFF, "Prefer": prefer})
    assert answer.status_code == 200
    assert set(answer.json()) == {"agents", "summary"}


# --- without the admin surface -------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [("POST", "/__admin/reset"), ("GET", "/__admin/state"),
                                              ("GET", "/__admin/requests"), ("GET", "/__admin/faults")])
def test_an_app_without_the_admin_surface_has_no_admin_routes(method, path):
    with TestClient(create_app(admin_surface=False, validate_responses=True)) as client:
        answer = client.request(method, path)
        assert answer.status_code == 404
        assert answer.json() == NOT_FOUND
        assert client.get(SERVICES, headers=STAFF).status_code == 200


def test_a_dump_with_values_only_python_keeps_exact_loads_back_unchanged(client, seed):
    """Integers beyond 64 bits and lone surrogates are valid JSON: a dump must load back as it was."""
    path = service_path(seed["services"][0]["uuid"], "set_statistics")
    body = b'{"statistics": {"big": 123456789012345678901234567890, "odd": "\\ud800"}}'
    assert client.post(path, headers={**STAFF, "Content-Type": "application/json"}, content=body).status_code == 200
    dumped = client.get("/__admin/state").content
    assert client.put("/__admin/state", content=dumped, headers={"Content-Type": "application/json"}).status_code == 200
    assert client.get("/__admin/state").content == dumped
    client.post("/__admin/reset")
    assert state_of(client) == seed


# --- the index -----------------------------------------------------------------------------

def test_the_admin_index_lists_every_admin_endpoint_with_its_methods(client):
    answer = client.get("/__admin/")
    assert answer.status_code == 200
    endpoints = {entry["path"]: entry for entry in answer.json()["endpoints"]}
    assert {"/__admin/", "/__admin/reset", "/__admin/state", "/__admin/requests", "/__admin/faults"} <= set(endpoints)
    assert endpoints["/__admin/state"]["methods"] == ["GET", "PUT"]
    assert endpoints["/__admin/faults"]["methods"] == ["DELETE", "GET", "POST"]
    assert all(entry["description"] for entry in endpoints.values())
    for entry in endpoints.values():
        if "GET" in entry["methods"]:
            assert client.get(entry["path"]).status_code == 200, entry["path"]


# --- what the journal records, and its filters ----------------------------------------------

def test_the_journal_records_headers_with_credentials_masked(client):
    client.get(SERVICES, headers={**STAFF, "X-Request-Id": "abc-1", "Cookie": "sessionid=s3cr3t"})
    client.post(AGENTS, headers=PREFACTOR, json={"details": {"name": "Journaled"}})
    waldur, prefactor = journal(client)
    assert waldur["headers"]["authorization"] == "Token wal***"
    assert waldur["headers"]["cookie"] == "ses***"
    assert waldur["headers"]["x-request-id"] == "abc-1"
    assert prefactor["headers"]["authorization"] == "Bearer pre***"
    assert prefactor["headers"]["content-type"] == "application/json"
    assert "waldur-staff" not in json.dumps(waldur) and "prefactor-dev" not in json.dumps(prefactor)


def test_the_journal_records_each_answers_status_and_how_long_it_took(client):
    add_fault(client, operation_id=SERVICES_LIST, latency_ms=120)
    client.get(SERVICES, headers=STAFF)
    client.get(STATUSES)
    slow, refused = journal(client)
    assert (slow["status"], refused["status"]) == (200, 401)
    assert slow["duration_ms"] >= 120
    assert 0 < refused["duration_ms"] < slow["duration_ms"]


@pytest.mark.parametrize(("query", "detail"), [
    ({"status": "abc"}, "status must be an HTTP status code from 100 to 599, not 'abc'"),
    ({"status": "99"}, "status must be an HTTP status code from 100 to 599, not '99'"),
    ({"method": "G E T"}, "method must be an HTTP method such as GET, not 'G E T'"),
    ({"operation_id": "no_such_operation"}, "operation_id 'no_such_operation' is no operation of the spec"),
    ({"path": "api/nowhere/"}, "path must start with '/', not 'api/nowhere/'"),
    ({"stauts": "200"}, "unknown filter 'stauts'; the filters are: method, path, operation_id, status, query"),
    ("status=200&status=404", "filter 'status' is given twice"),
])
def test_a_bad_journal_filter_is_a_400_saying_what_is_wrong(client, query, detail):
    client.get(SERVICES, headers=STAFF)
    answer = client.get("/__admin/requests" + (f"?{query}" if isinstance(query, str) else ""),
                        params=query if isinstance(query, dict) else None)
    assert answer.status_code == 400
    assert answer.json() == {"detail": detail}


def test_a_journal_method_filter_ignores_case(client):
    client.get(SERVICES, headers=STAFF)
    assert [entry["method"] for entry in journal(client, method="get")] == ["GET"]
