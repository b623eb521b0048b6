"""Sessions: `/sessions/<name>/` before any path selects an isolated copy of the mock (its own
state from the seed, journal, faults and reset), so that parallel test workers sharing one mock
never see each other's writes. Without the prefix, everything is the default session.
`GET /__admin/sessions` lists them, `DELETE /__admin/sessions/<name>` drops one; names and the
number and memory of sessions are checked (sessions.py)."""
from __future__ import annotations

import io
import re

import pytest
from starlette.testclient import TestClient

from mock_api import (
    AGENTS, BASE_URL, OWNER, PREFACTOR, SERVICES, STAFF, load_state, prefactor_error, service_path, state_of,
)
from agent_api_mock.app import create_app
from agent_api_mock.cli import parse_args
from agent_api_mock.sessions import MB, NAME_PATTERN

SERVICES_LIST = "marketplace_site_agent_services_list"
RESOURCES = "/api/marketplace-provider-resources/"


class Session:
    """A client whose paths go under one session's prefix, as a test worker's would."""

    def __init__(self, client: TestClient, name: str):
        self.client, self.prefix = client, f"/sessions/{name}"

    def __getattr__(self, method: str):
        call = getattr(self.client, method)
        return lambda path, **options: call(self.prefix + path, **options)


@pytest.fixture
def w1(client):
    return Session(client, "w1")


@pytest.fixture
def w2(client):
    return Session(client, "w2")


def set_statistics(client, service: str, statistics: dict):
    answer = client.post(service_path(service, "set_statistics"), headers=STAFF, json={"statistics": statistics})
    assert answer.status_code == 200, answer.text


def statistics_of(client, service: str) -> dict:
    return client.get(service_path(service, None), headers=STAFF).json()["statistics"]


# --- isolation -----------------------------------------------------------------------------

def test_a_new_session_starts_from_the_seed(client, w1, seed):
    set_statistics(client, seed["services"][0]["uuid"], {"default": 1})
    assert state_of(w1) == seed


def test_a_write_in_one_session_is_seen_there_only(client, w1, w2, seed):
    service = seed["services"][0]["uuid"]
    set_statistics(w1, service, {"worker": 1})
    assert statistics_of(w1, service) == {"worker": 1}
    assert statistics_of(w2, service) == statistics_of(client, service) == seed["services"][0]["statistics"]


def test_a_write_in_the_default_session_is_not_seen_in_a_named_one(client, w1, seed):
    w1.get(SERVICES, headers=STAFF)  # w1 exists before the write
    set_statistics(client, seed["services"][0]["uuid"], {"default": 1})
    assert state_of(w1) == seed


def test_a_prefactor_agent_created_in_a_session_stays_there(client, w1):
    created = w1.post(AGENTS, headers=PREFACTOR, json={"details": {"name": "Worker's agent"}})
    assert created.status_code == 201
    assert [agent["id"] for agent in state_of(w1)["agents"]] == [created.json()["details"]["id"]]
    assert state_of(client)["agents"] == []


def test_reset_in_a_session_resets_that_session_only(client, w1, w2, seed):
    service = seed["services"][0]["uuid"]
    for each in (client, w1, w2):
        set_statistics(each, service, {"written": 1})
    assert w1.post("/__admin/reset").status_code == 200
    assert state_of(w1) == seed
    assert statistics_of(w2, service) == statistics_of(client, service) == {"written": 1}
    assert client.post("/__admin/reset").status_code == 200
    assert state_of(client) == seed
    assert statistics_of(w2, service) == {"written": 1}, "the default session's reset is its own too"


def test_a_state_loaded_in_a_session_is_that_sessions_only(client, w1, seed):
    load_state(w1, {**seed, "services": seed["services"][:1]})
    assert len(w1.get(SERVICES, headers=STAFF, params={"page_size": 100}).json()) == 1
    assert state_of(client) == seed


def test_each_session_journals_its_own_requests_with_the_paths_the_spec_names(client, w1, w2):
    w1.get(SERVICES, headers=STAFF)
    entries = w1.get("/__admin/requests").json()
    assert [(entry["path"], entry["operation_id"]) for entry in entries] == [(SERVICES, SERVICES_LIST)]
    assert w2.get("/__admin/requests").json() == []
    assert client.get("/__admin/requests").json() == []


def test_a_fault_in_a_session_troubles_that_session_only(client, w1, w2):
    assert w1.post("/__admin/faults", json={"operation_id": SERVICES_LIST, "status": 401}).status_code == 201
    assert client.get(SERVICES, headers=STAFF).status_code == 200
    assert w2.get(SERVICES, headers=STAFF).status_code == 200
    assert w1.get(SERVICES, headers=STAFF).status_code == 401
    assert client.get("/__admin/faults").json() == []


def test_an_order_added_through_a_sessions_admin_surface_is_that_sessions(client, w1, seed):
    resource = seed["resources"][0]["uuid"]
    added = w1.post("/__admin/orders", json={"resource": resource, "type": "Terminate"})
    assert added.status_code == 201
    assert w1.get(f"/api/marketplace-orders/{added.json()['uuid']}/", headers=STAFF).status_code == 200
    assert client.get(f"/api/marketplace-orders/{added.json()['uuid']}/", headers=STAFF).status_code == 404


def test_a_named_session_starts_from_the_data_the_mock_was_started_with(seed):
    small = {**seed, "services": seed["services"][:1], "integration_statuses": []}
    with TestClient(create_app(small)) as client:
        assert state_of(Session(client, "w1")) == state_of(client) == small


def test_parallel_workers_on_one_running_mock_each_see_their_own_writes_only(seed):
    """What sessions are for: workers writing at the same time to one mock process, each in its
    session, each reading back exactly what it wrote."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from real_agent import start_mock
    service = seed["services"][0]["uuid"]

    def worker(number: int) -> list[dict]:
        with httpx.Client(base_url=f"{base_url}/sessions/gw{number}") as session:
            seen = []
            for step in range(10):
                set_statistics(session, service, {"worker": number, "step": step})
                seen.append(statistics_of(session, service))
            return seen

    with start_mock() as base_url:
        with ThreadPoolExecutor(4) as pool:
            seen = list(pool.map(worker, range(4)))
        default = httpx.get(f"{base_url}{service_path(service, None)}", headers=STAFF).json()["statistics"]
        names = sorted(session["name"] for session in httpx.get(f"{base_url}/__admin/sessions").json())
    assert seen == [[{"worker": number, "step": step} for step in range(10)] for number in range(4)]
    assert default == seed["services"][0]["statistics"]
    assert names == ["gw0", "gw1", "gw2", "gw3"]


# --- URLs in answers carry the prefix -------------------------------------------------------

def test_url_fields_carry_the_sessions_prefix(w1):
    resource = w1.get(RESOURCES, headers=OWNER).json()[0]
    assert resource["url"] == f"{BASE_URL}/sessions/w1{RESOURCES}{resource['uuid']}/"
    assert resource["offering"].startswith(f"{BASE_URL}/sessions/w1/api/")
    assert w1.get(resource["url"].removeprefix(f"{BASE_URL}/sessions/w1"), headers=OWNER).json() == resource


def test_following_link_next_stays_in_the_session(client, w1, seed):
    load_state(w1, {**seed, "services": seed["services"][:3]})
    seen, url = [], f"{BASE_URL}/sessions/w1{SERVICES}?page_size=1"
    while url:
        answer = client.get(url, headers=STAFF)
        assert all(link.startswith(f"<{BASE_URL}/sessions/w1{SERVICES}")
                   for link in answer.headers["Link"].split(", "))
        seen += [service["uuid"] for service in answer.json()]
        found = re.search(r'<([^>]+)>; rel="next"', answer.headers["Link"])
        url = found.group(1) if found else None
    assert seen == [service["uuid"] for service in seed["services"][:3]]


def test_the_index_links_into_the_session(w1):
    index = w1.get("/").json()
    assert index["session"] == "w1"
    assert index["admin"] == "/sessions/w1/__admin/" and index["docs"] == "/sessions/w1/docs/"
    assert {api["openapi"] for api in index["apis"]} == {"/sessions/w1/docs/waldur/openapi.json",
                                                        "/sessions/w1/docs/prefactor/openapi.json"}
    page = w1.get("/", headers={"Accept": "text/html"}).text
    assert 'href="/sessions/w1/docs/"' in page and "Session <b>w1</b>" in page


def test_the_docs_pages_and_documents_point_into_the_session(client, w1):
    page = w1.get("/docs/waldur/").text
    assert 'url: "/sessions/w1/docs/waldur/swagger-ui.json"' in page
    assert '<script src="/docs/static/swagger-ui-bundle.js">' in page, "the assets, the same for all, at one place"
    assert 'href="/sessions/w1/docs/waldur/"' in w1.get("/docs/").text
    for document in ("openapi.json", "swagger-ui.json"):
        assert [server["url"] for server in w1.get(f"/docs/waldur/{document}").json()["servers"]] == ["/sessions/w1"]
        assert [server["url"] for server in client.get(f"/docs/waldur/{document}").json()["servers"]] == ["/"]


def test_the_access_log_shows_the_path_as_requested_with_its_operation():
    log = io.StringIO()
    with TestClient(create_app(access_log=log)) as client:
        client.get(f"/sessions/w1{SERVICES}", headers=STAFF)
    assert f"GET /sessions/w1{SERVICES} 200 " in log.getvalue() and log.getvalue().rstrip().endswith(SERVICES_LIST)


# --- listing and dropping ------------------------------------------------------------------

def test_sessions_are_listed_with_their_creation_size_and_requests(client, w1, w2):
    assert client.get("/__admin/sessions").json() == []
    w1.get(SERVICES, headers=STAFF)
    w2.get(SERVICES, headers=STAFF)
    w2.get(SERVICES, headers=STAFF)
    listed = {session["name"]: session for session in client.get("/__admin/sessions").json()}
    assert set(listed) == {"w1", "w2"}
    assert listed["w1"]["url"] == "/sessions/w1"
    assert (listed["w1"]["requests"], listed["w2"]["requests"]) == (1, 2)
    assert listed["w1"]["created"] <= listed["w2"]["created"]
    assert 0 < listed["w1"]["estimated_memory_bytes"] < listed["w2"]["estimated_memory_bytes"], \
        "w2's journal holds one entry more"


def test_a_sessions_estimated_memory_grows_with_what_it_stores(client, w1, seed):
    w1.get("/")
    before = client.get("/__admin/sessions").json()[0]["estimated_memory_bytes"]
    set_statistics(w1, seed["services"][0]["uuid"], {"log": "x" * 100_000})
    after = client.get("/__admin/sessions").json()[0]["estimated_memory_bytes"]
    assert after - before > 2 * 100_000, "the statistics are in the state and the body in the journal"


def test_a_dropped_session_is_gone_and_starts_afresh_on_its_next_use(client, w1, seed):
    set_statistics(w1, seed["services"][0]["uuid"], {"written": 1})
    assert client.delete("/__admin/sessions/w1").status_code == 204
    assert client.get("/__admin/sessions").json() == []
    assert state_of(w1) == seed


def test_dropping_an_unknown_session_is_404_in_the_admin_format(client):
    answer = client.delete("/__admin/sessions/nobody")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "No session 'nobody'."}


# --- names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["w0", "gw12", "worker_3", "A-Z", "x" * 64])
def test_a_name_of_letters_digits_underscores_and_hyphens_is_a_session(client, name):
    assert client.get(f"/sessions/{name}{SERVICES}", headers=STAFF).status_code == 200
    assert [session["name"] for session in client.get("/__admin/sessions").json()] == [name]


@pytest.mark.parametrize("name", ["a.b", "x" * 65, "w~1", "é"])
def test_a_bad_name_is_a_400_saying_the_pattern(client, name):
    answer = client.get(f"/sessions/{name}{SERVICES}", headers=STAFF)
    assert answer.status_code == 400
    assert answer.json() == {"detail": f"Invalid session name {name!r}: a session name matches {NAME_PATTERN}."}
    assert client.get("/__admin/sessions").json() == []


def test_a_bad_name_on_prefactors_api_is_answered_in_prefactors_format(client):
    answer = client.post("/sessions/a.b/api/v1/agent", headers=PREFACTOR, json={"details": {"name": "x"}})
    assert answer.status_code == 400 and prefactor_error(answer.json(), "bad_request")


def test_the_agents_url_handling_drops_a_trailing_a_p_or_i_from_a_session_name():
    """What README says about safe names, on the agent's own code (waldur_site_agent/common/utils.py,
    get_client: `api_url.rstrip("/api")`)."""
    utils = pytest.importorskip("waldur_site_agent.common.utils", reason="the test extra pins waldur-site-agent==1.0.7")
    base_of = {name: str(utils.get_client(f"http://mock/sessions/{name}/api/", "t")._base_url)
               for name in ("w3", "gw0", "worker_x", "beta", "sip", "wi")}
    assert base_of == {"w3": "http://mock/sessions/w3", "gw0": "http://mock/sessions/gw0",
                       "worker_x": "http://mock/sessions/worker_x", "beta": "http://mock/sessions/bet",
                       "sip": "http://mock/sessions/s", "wi": "http://mock/sessions/w"}


# --- bounds --------------------------------------------------------------------------------

def test_past_max_sessions_a_new_session_is_refused_and_the_others_kept():
    with TestClient(create_app(max_sessions=2)) as client:
        for name in ("w1", "w2"):
            assert client.get(f"/sessions/{name}{SERVICES}", headers=STAFF).status_code == 200
        refused = client.get(f"/sessions/w3{SERVICES}", headers=STAFF)
        assert refused.status_code == 503
        assert "--max-sessions 2" in refused.json()["detail"] and set(refused.json()) == {"detail"}
        assert [session["name"] for session in client.get("/__admin/sessions").json()] == ["w1", "w2"]
        assert client.get(f"/sessions/w1{SERVICES}", headers=STAFF).status_code == 200, "an existing one still works"
        assert client.get(SERVICES, headers=STAFF).status_code == 200, "the default session is not counted"
        prefactor = client.post("/sessions/w3/api/v1/agent", headers=PREFACTOR, json={"details": {"name": "x"}})
        assert prefactor.status_code == 503 and prefactor_error(prefactor.json(), "service_unavailable")
        client.delete("/__admin/sessions/w1")
        assert client.get(f"/sessions/w3{SERVICES}", headers=STAFF).status_code == 200


def one_sessions_estimate() -> int:
    with TestClient(create_app()) as client:
        client.get("/sessions/probe/__admin/state")
        return client.get("/__admin/sessions").json()[0]["estimated_memory_bytes"]


def test_past_max_sessions_memory_a_new_session_is_refused_and_the_others_kept():
    room_for_one = 1.5 * one_sessions_estimate() / MB
    with TestClient(create_app(max_sessions_memory_mb=room_for_one)) as client:
        assert client.get("/sessions/w1/__admin/state").status_code == 200
        refused = client.get(f"/sessions/w2{SERVICES}", headers=STAFF)
        assert refused.status_code == 503
        bound = int(room_for_one * MB) / MB  # the bound the mock keeps, in whole bytes
        assert f"--max-sessions-memory {bound:g}" in refused.json()["detail"]
        assert [session["name"] for session in client.get("/__admin/sessions").json()] == ["w1"]
        assert client.get(f"/sessions/w1{SERVICES}", headers=STAFF).status_code == 200


def test_the_bounds_are_options_of_the_command():
    arguments = parse_args(["--max-sessions", "8", "--max-sessions-memory", "64"])
    assert (arguments.max_sessions, arguments.max_sessions_memory) == (8, 64.0)
    for bad in (["--max-sessions", "0"], ["--max-sessions-memory", "-1"], ["--max-sessions-memory", "nan"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


# --- the official client against a session -------------------------------------------------

def test_waldur_api_client_works_in_a_session_by_its_base_url_alone(app, client, seed):
    services = pytest.importorskip("waldur_api_client.api.marketplace_site_agent_services")
    from waldur_api_client import AuthenticatedClient
    from waldur_api_client.api.marketplace_site_agent_services import (
        marketplace_site_agent_services_list, marketplace_site_agent_services_set_statistics,
    )
    from waldur_api_client.models import AgentServiceStatisticsRequest
    assert services
    load_state(Session(client, "w1"), {**seed, "services": seed["services"][:2]})
    waldur = AuthenticatedClient(base_url=f"{BASE_URL}/sessions/w1", token="waldur-staff")
    waldur.set_httpx_client(TestClient(app, base_url=f"{BASE_URL}/sessions/w1",
                                       headers={"Authorization": "Token waldur-staff"}))
    listed = marketplace_site_agent_services_list.sync_all(client=waldur)
    assert [service.uuid.hex for service in listed] == [service["uuid"] for service in seed["services"][:2]]
    body = AgentServiceStatisticsRequest.from_dict({"statistics": {"by": "client"}})
    marketplace_site_agent_services_set_statistics.sync(listed[0].uuid, client=waldur, body=body)
    assert statistics_of(Session(client, "w1"), listed[0].uuid.hex) == {"by": "client"}
    assert statistics_of(client, listed[0].uuid.hex) == seed["services"][0]["statistics"]


# --- a backend that keeps sessions (the interface sessions.py documents) ---------------------

class SqliteFilePerSession:
    """A --state backend that keeps each named session in an SQLite file of its own: what
    `for_session(name)` and `drop_session(name)` let a backend do."""

    def __init__(self, directory):
        self.directory = directory

    def for_session(self, name: str):
        from agent_api_mock.persistence import SqliteState
        return SqliteState(self.directory / f"{name}.db")

    def drop_session(self, name: str) -> None:
        (self.directory / f"{name}.db").unlink()


def test_a_backend_with_for_session_keeps_each_sessions_state_across_restarts(tmp_path, seed):
    backend = SqliteFilePerSession(tmp_path)
    service = seed["services"][0]["uuid"]
    with TestClient(create_app(seed, state_backend=backend)) as client:
        set_statistics(Session(client, "w1"), service, {"kept": 1})
        Session(client, "w2").get("/__admin/state")
    assert sorted(path.name for path in tmp_path.iterdir() if path.suffix == ".db") == ["w1.db", "w2.db"]
    with TestClient(create_app(seed, state_backend=backend)) as client:
        assert statistics_of(Session(client, "w1"), service) == {"kept": 1}
        assert statistics_of(Session(client, "w2"), service) == statistics_of(client, service) == seed["services"][0]["statistics"]
        assert client.delete("/__admin/sessions/w1").status_code == 204
    assert not (tmp_path / "w1.db").exists()


def test_a_session_the_backend_cannot_open_is_a_503_and_nothing_else_changes(tmp_path, seed):
    backend = SqliteFilePerSession(tmp_path / "no-such-directory")
    with TestClient(create_app(seed, state_backend=backend)) as client:
        answer = Session(client, "w1").get(SERVICES, headers=STAFF)
        assert answer.status_code == 503
        assert answer.json() == {"detail": "Session 'w1' could not be opened: unable to open database file"}
        assert client.get("/__admin/sessions").json() == []
        assert client.get(SERVICES, headers=STAFF).status_code == 200
