"""Every class of error, in each API's own format (Waldur: DRF's `{"detail": ...}` or a field
map; Prefactor: the `{"status": "error", "code", "message"}` envelope). No error leaks as a
500, none is answered in another format, and no refused request changes the state."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_api import (
    AGENTS, CONNECTION_STATS, JSON_VALUES, NOT_FOUND, PREFACTOR, PROPERTIES, ROLES, SERVICES, STAFF, STATUSES, TASK_STATS,
    prefactor_error, service_path, state_of,
)
from agent_api_mock.middleware import MAX_BODY_BYTES
from agent_api_mock.wire import MAX_JSON_DEPTH
from agent_api_spec.operations import DOCUMENTS, METHODS, document

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def write_path(seed) -> str:
    return service_path(seed["services"][0]["uuid"], "set_statistics")


def documented_methods() -> dict[str, set[str]]:
    """Each path of spec/ and the methods its document gives it (GET implies HEAD)."""
    found = {}
    for api in DOCUMENTS:
        for path, item in document(api)["paths"].items():
            methods = {method.upper() for method in item if method in METHODS}
            found[path] = methods | ({"HEAD"} if "GET" in methods else set())
    return found


def concrete(path: str) -> str:
    return path.replace("{uuid}", "0b8c4d2e1f3a4b5c9d7e6f8a1b2c3d4e")


UNDOCUMENTED = [(path, method) for path, methods in documented_methods().items()
                for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS") if method not in methods]


# --- 405 -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "method"), UNDOCUMENTED, ids=[f"{m} {p}" for p, m in UNDOCUMENTED])
def test_an_undocumented_method_is_405_with_the_documented_methods_allowed(client, path, method):
    headers = PREFACTOR if path.startswith("/api/v1/") else STAFF
    before = state_of(client)
    answer = client.request(method, concrete(path), headers={**headers, **JSON}, content=b"{}")
    assert answer.status_code == 405
    allowed = {m.strip() for m in answer.headers["Allow"].split(",")}
    assert allowed == documented_methods()[path]
    if path.startswith("/api/v1/"):
        assert prefactor_error(answer.json(), "method_not_allowed")
    else:
        assert answer.json() == {"detail": f'Method "{method}" not allowed.'}
    assert state_of(client) == before


# --- 404 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/", "/api/marketplace-offerings/", f"{SERVICES}{'0' * 32}/unknown_action/",
                                  "/api/marketplace-site-agent-identity/"])
def test_an_unknown_waldur_path_is_404_not_found(client, path):
    answer = client.get(path, headers=STAFF)
    assert answer.status_code == 404
    assert answer.json() == NOT_FOUND


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/agents", "/api/v1/agent/013xrzp12g3nqk8nx0y2vfkg4s3jp2qr"])
def test_an_unknown_prefactor_path_is_404_in_the_envelope(client, path):
    answer = client.get(path, headers=PREFACTOR)
    assert answer.status_code == 404
    assert prefactor_error(answer.json(), "not_found")


@pytest.mark.parametrize(("path", "headers", "body"), [
    (SERVICES.rstrip("/"), STAFF, {"detail": "Not found."}),
    ("/api/v1/agent/", PREFACTOR, None),
])
def test_a_path_with_the_wrong_trailing_slash_is_404_not_a_redirect(client, path, headers, body):
    answer = client.get(path, headers=headers, follow_redirects=False)
    assert answer.status_code == 404
    assert answer.json() == body if body else prefactor_error(answer.json(), "not_found")


# --- 400 on parameters ---------------------------------------------------------------------

@pytest.mark.parametrize(("path", "params", "errors"), [
    (SERVICES, {"state": "9"}, {"state": ["Select a valid choice. 9 is not one of the available choices."]}),
    (SERVICES, {"identity_uuid": "x", "modified_after": "y"},
     {"identity_uuid": ["Enter a valid UUID."], "modified_after": ["Enter a valid date/time."]}),
    (STATUSES, {"agent_type": "9", "customer_uuid": "x"}, {"customer_uuid": ["Enter a valid UUID."]}),
    (STATUSES, {"parent_offering_uuid": "x"}, {"parent_offering_uuid": ["Enter a valid UUID."]}),
])
def test_invalid_filters_are_400_with_every_invalid_filter_named(client, path, params, errors):
    for method in ("GET", "HEAD"):
        answer = client.request(method, path, headers=STAFF, params=params)
        assert answer.status_code == 400
        if method == "GET":
            assert answer.json() == errors
        else:
            assert answer.content == b""


def test_unknown_query_parameters_are_ignored(client):
    plain = client.get(SERVICES, headers=STAFF)
    extra = client.get(SERVICES, headers=STAFF, params={"format": "json", "whatever": "1"})
    assert extra.status_code == 200 and extra.json() == plain.json()


# --- bodies --------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [b"{", b'{"statistics": {"a": 1}', b"nope", b'{"statistics": tru}'], ids=repr)
def test_malformed_json_to_waldur_is_a_parse_error(client, write_path, raw):
    before = state_of(client)
    answer = client.post(write_path, headers={**STAFF, **JSON}, content=raw)
    assert answer.status_code == 400
    assert set(answer.json()) == {"detail"}
    assert answer.json()["detail"].startswith("JSON parse error - ")
    assert state_of(client) == before


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain", b'{"statistics": 1}'),
    ("application/xml", b"<statistics>1</statistics>"),
    ("application/x-www-form-urlencoded", b"statistics=1"),
])
def test_waldur_refuses_bodies_it_does_not_accept_with_415(client, write_path, content_type, body):
    before = state_of(client)
    answer = client.post(write_path, headers={**STAFF, "Content-Type": content_type}, content=body)
    assert answer.status_code == 415
    assert answer.json() == {"detail": f'Unsupported media type "{content_type}" in request.'}
    assert state_of(client) == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_prefactor_refuses_bodies_that_are_not_json_with_415_in_the_envelope(client, content_type):
    before = state_of(client)
    answer = client.post(AGENTS, headers={**PREFACTOR, "Content-Type": content_type}, content=b"name=x")
    assert answer.status_code == 415
    assert prefactor_error(answer.json(), "unsupported_media_type")
    assert state_of(client) == before


def test_a_json_content_type_with_a_charset_is_json(client, write_path):
    answer = client.post(write_path, headers={**STAFF, "Content-Type": "application/json; charset=utf-8"},
                         content=b'{"statistics": {"charset": true}}')
    assert answer.status_code == 200


@pytest.mark.parametrize("charset", ["no-such-charset", "utf-8x"])
def test_a_charset_python_does_not_know_is_ignored_and_the_body_read_as_utf8_as_django_does(client, write_path, charset):
    content_type = f"application/json;charset={charset}"
    answer = client.post(write_path, headers={**STAFF, "Content-Type": content_type},
                         content='{"statistics": {"name": "é"}}'.encode())
    assert answer.status_code == 200 and answer.json()["statistics"] == {"name": "é"}
    created = client.post(AGENTS, headers={**PREFACTOR, "Content-Type": content_type},
                          content=b'{"details": {"name": "charset"}}')
    assert created.status_code == 201 and created.json()["details"]["name"] == "charset"


def body_of_exactly(size: int) -> bytes:
    prefix, suffix = b'{"statistics": "', b'"}'
    return prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix


def test_a_body_of_exactly_one_mebibyte_is_accepted(client, write_path):
    body = body_of_exactly(MAX_BODY_BYTES)
    assert len(body) == MAX_BODY_BYTES == 1024 * 1024
    assert client.post(write_path, headers={**STAFF, **JSON}, content=body).status_code == 200


def chunks(total: int, size: int = 64 * 1024):
    """A body sent without Content-Length (chunked), so only its bytes can tell its size."""
    while total > 0:
        yield b" " * min(size, total)
        total -= size


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_one_mebibyte_is_413_in_waldurs_format(client, write_path, declared):
    before = state_of(client)
    body = body_of_exactly(MAX_BODY_BYTES + 1) if declared else chunks(MAX_BODY_BYTES + 1)
    answer = client.post(write_path, headers={**STAFF, **JSON}, content=body)
    assert answer.status_code == 413
    assert answer.json() == {"detail": "Request body is too large."}
    assert state_of(client) == before


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_one_mebibyte_is_413_in_prefactors_envelope(client, declared):
    before = state_of(client)
    too_big = json.dumps({"details": {"name": "x" * MAX_BODY_BYTES}}).encode()
    answer = client.post(AGENTS, headers={**PREFACTOR, **JSON}, content=too_big if declared else chunks(len(too_big)))
    assert answer.status_code == 413
    assert prefactor_error(answer.json(), "request_too_large")
    assert state_of(client) == before


def test_a_lying_content_length_is_not_trusted(client, write_path):
    """A body is measured as it arrives; a small declared length does not let more through."""
    answer = client.post(write_path, headers={**STAFF, **JSON}, content=chunks(2 * MAX_BODY_BYTES))
    assert answer.status_code == 413


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_no_json(client, write_path, constant):
    """Python's json reads them, Django REST Framework's parser refuses them."""
    before = state_of(client)
    waldur = client.post(write_path, headers={**STAFF, **JSON}, content=f'{{"statistics": [{constant}]}}'.encode())
    assert waldur.status_code == 400
    assert waldur.json() == {"detail": f"JSON parse error - Out of range float values are not JSON compliant: '{constant}'"}
    prefactor = client.post(AGENTS, headers={**PREFACTOR, **JSON},
                            content=f'{{"details": {{"name": "n", "description": {constant}}}}}'.encode())
    assert prefactor.status_code == 400
    assert prefactor_error(prefactor.json(), "bad_request")
    assert state_of(client) == before


def nested_lists(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_body_nested_as_deep_as_the_limit_is_stored_and_read_back(client, write_path, seed):
    statistics = json.loads(nested_lists(MAX_JSON_DEPTH - 1))  # inside {"statistics": ...}: the limit
    answer = client.post(write_path, headers={**STAFF, **JSON}, json={"statistics": statistics})
    assert answer.status_code == 200
    assert client.get(service_path(seed["services"][0]["uuid"]), headers=STAFF).json()["statistics"] == statistics
    assert client.get("/__admin/state").status_code == 200
    assert client.get("/__admin/requests").status_code == 200


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, 900, 100_000],
                         ids=["one level over", "parseable by Python, too deep to copy", "beyond any parser"])
def test_a_body_nested_deeper_than_the_limit_is_a_parse_error(client, write_path, depth):
    before = state_of(client)
    waldur = client.post(write_path, headers={**STAFF, **JSON}, content=f'{{"statistics": {nested_lists(depth)}}}'.encode())
    assert waldur.status_code == 400
    assert waldur.json() == {"detail": f"JSON parse error - JSON nested deeper than {MAX_JSON_DEPTH} levels."}
    prefactor = client.post(AGENTS, headers={**PREFACTOR, **JSON},
                            content=f'{{"details": {{"name": "n", "x": {nested_lists(depth)}}}}}'.encode())
    assert prefactor.status_code == 400
    assert prefactor_error(prefactor.json(), "bad_request")
    assert state_of(client) == before
    assert client.get("/__admin/requests").status_code == 200


def test_a_number_beyond_floats_never_breaks_later_answers(client, write_path, seed):
    client.post(write_path, headers={**STAFF, **JSON}, content=b'{"statistics": {"x": 1e400}}')
    assert client.get(SERVICES, headers=STAFF).status_code == 200
    assert client.get(service_path(seed["services"][0]["uuid"]), headers=STAFF).status_code == 200


@pytest.mark.parametrize("value", ["\\ud800", "\\udfff x"], ids=["lone high surrogate", "lone low surrogate"])
def test_lone_surrogates_never_break_later_answers(client, write_path, seed, value):
    client.post(write_path, headers={**STAFF, **JSON}, content=f'{{"statistics": "{value}"}}'.encode())
    assert client.get(SERVICES, headers=STAFF).status_code == 200
    assert client.get("/__admin/state").status_code == 200


def test_huge_integers_round_trip(client, write_path):
    answer = client.post(write_path, headers={**STAFF, **JSON}, content=b'{"statistics": 123456789012345678901234567890}')
    assert answer.status_code == 200
    assert answer.json()["statistics"] == 123456789012345678901234567890
    assert client.get(SERVICES, headers=STAFF, params={"page_size": 300}).status_code == 200


# --- whatever arrives ----------------------------------------------------------------------

SEGMENT = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12)
PATH_SHAPES = st.sampled_from([SERVICES, STATUSES, CONNECTION_STATS, TASK_STATS, AGENTS, "/api/v1/", "/api/",
                               "/unknown/"])
BODIES = st.one_of(
    st.none(),
    st.binary(max_size=40),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.builds(lambda name: json.dumps({"details": {"name": name}}).encode(), st.text(max_size=5)),
    st.builds(lambda name: json.dumps({"name": name, "backend_type": "SLURM"}).encode(), st.text(max_size=5)),
)
CONTENT_TYPES = st.sampled_from([None, "application/json", "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=xyz", "application/json; charset=latin-1"])
QUERIES = st.dictionaries(st.sampled_from(["page", "page_size", "state", "mode", "identity_uuid", "stale", "o",
                                           "agent_type", "status", "offering", "offering_uuid", "modified_after"]),
                          st.text(max_size=6), max_size=3)
HEADERS = st.sampled_from([*ROLES.values(), PREFACTOR, {"Authorization": "Bearer"}, {"Authorization": "Token  "}])


@PROPERTIES
@given(data=st.data(), method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
       shape=PATH_SHAPES, tail=st.lists(SEGMENT, max_size=2), query=QUERIES, body=BODIES,
       content_type=CONTENT_TYPES, headers=HEADERS)
def test_whatever_arrives_the_answer_is_never_a_server_error_and_in_the_right_format(
        client, seed, data, method, shape, tail, query, body, content_type, headers):
    if tail and shape == SERVICES and data.draw(st.booleans(), label="a real service"):
        tail = [seed["services"][0]["uuid"], *tail[1:]]
    path = shape + "".join(f"{segment}/" for segment in tail)
    before = state_of(client)
    sent_headers = {**headers, **({"Content-Type": content_type} if content_type else {})}
    answer = client.request(method, path, params=query, headers=sent_headers, content=body, follow_redirects=False)
    assert answer.status_code < 500
    if answer.status_code >= 400:
        assert state_of(client) == before, "a refused request changed the state"
        if method != "HEAD":
            assert answer.headers["Content-Type"] == "application/json"
            error = answer.json()
            assert isinstance(error, dict) and error
            if path.startswith("/api/v1/") or path == AGENTS:
                assert error["status"] == "error" and isinstance(error["code"], str), error
            else:
                assert "status" not in error or error.get("code") is None, error
                assert all(isinstance(value, (str, list)) for value in error.values()), error
