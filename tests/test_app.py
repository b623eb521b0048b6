"""The app factory's options: response validation, CORS, and where the state comes from."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from mock_api import SERVICES, STAFF, load_state, service_path
from agent_api_mock.app import create_app
from agent_api_mock.store import Store


def with_a_mode_that_is_no_string(seed: dict) -> dict:
    """A state the store accepts but whose service breaks the documented `mode: string`."""
    return {**seed, "services": [{**seed["services"][0], "mode": 7}, *seed["services"][1:]]}


@pytest.mark.server_errors_expected
def test_with_response_validation_an_answer_that_breaks_the_spec_is_a_500(client, seed):
    load_state(client, with_a_mode_that_is_no_string(seed))
    answer = client.get(service_path(seed["services"][0]["uuid"]), headers=STAFF)
    assert answer.status_code == 500
    assert answer.json()["detail"].startswith("Response does not conform to the spec")


def test_without_response_validation_the_answer_goes_out_as_it_is(seed):
    with TestClient(create_app(with_a_mode_that_is_no_string(seed))) as client:
        answer = client.get(service_path(seed["services"][0]["uuid"]), headers=STAFF)
        assert answer.status_code == 200
        assert answer.json()["mode"] == 7


def test_an_app_can_share_a_store_the_caller_holds(seed):
    store = Store(seed)
    with TestClient(create_app(store=store, validate_responses=True)) as client:
        client.post(service_path(seed["services"][0]["uuid"], "set_statistics"), headers=STAFF,
                    json={"statistics": {"outside": True}})
    assert store.dump()["services"][0]["statistics"] == {"outside": True}


def test_apps_do_not_share_state(seed):
    first, second = create_app(seed), create_app(seed)
    with TestClient(first) as one, TestClient(second) as other:
        one.post(service_path(seed["services"][0]["uuid"], "set_statistics"), headers=STAFF, json={"statistics": 1})
        assert other.get(service_path(seed["services"][0]["uuid"]), headers=STAFF).json()["statistics"] != 1


def test_browsers_may_call_and_read_the_pagination_headers(client):
    preflight = client.options(SERVICES, headers={"Origin": "http://localhost:3000",
                                                  "Access-Control-Request-Method": "GET",
                                                  "Access-Control-Request-Headers": "Authorization"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    answer = client.get(SERVICES, headers={**STAFF, "Origin": "http://localhost:3000"})
    exposed = {header.strip().lower() for header in answer.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"link", "x-result-count"} <= exposed
    assert answer.headers.get_list("vary") == ["Origin"]


def test_a_client_without_an_origin_gets_no_cors_headers_as_from_waldur_itself(client):
    answer = client.get(SERVICES, headers=STAFF)
    assert answer.status_code == 200
    assert not [name for name in answer.headers if name.lower().startswith("access-control-") or name.lower() == "vary"]


# --- GET / -------------------------------------------------------------------------------------

def test_the_root_answers_an_index_of_the_apis_docs_and_admin_in_json_without_credentials(client):
    answer = client.get("/", headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    index = answer.json()
    assert index["docs"] == "/docs/" and index["admin"] == "/__admin/"
    assert [(api["api"], api["paths"], api["docs"], api["openapi"]) for api in index["apis"]] == [
        ("waldur", "/api/", "/docs/waldur/", "/docs/waldur/openapi.json"),
        ("prefactor", "/api/v1/", "/docs/prefactor/", "/docs/prefactor/openapi.json")]
    for pointer in (index["docs"], index["admin"], *(api[key] for api in index["apis"] for key in ("docs", "openapi"))):
        assert client.get(pointer).status_code == 200, pointer
    assert client.get("/").json() == index  # curl's */* gets JSON too


def test_a_browser_gets_the_index_as_a_page_of_links(client):
    answer = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    links = set(re.findall(r'href="([^"]+)"', answer.text))
    assert links == {"/docs/", "/__admin/", "/docs/waldur/", "/docs/waldur/openapi.json", "/docs/prefactor/",
                     "/docs/prefactor/openapi.json"}
    assert "Waldur marketplace site-agent API" in answer.text


def test_without_the_admin_surface_the_index_does_not_point_to_it(seed):
    with TestClient(create_app(seed, admin_surface=False)) as client:
        assert "admin" not in client.get("/").json()
        assert "/__admin/" not in client.get("/", headers={"Accept": "text/html"}).text
        assert client.get("/__admin/").status_code == 404
