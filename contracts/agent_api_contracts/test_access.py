"""Who may call what (notes/waldur.md "Authentication and roles"; notes/prefactor.md)."""
from __future__ import annotations

import uuid

import pytest

from agent_api_contracts.clients import client
from agent_api_contracts.documents import _load
from agent_api_contracts.evidence import Rule

ANONYMOUS = Rule("anonymous_requests_are_401", "No credentials: 401", "notes/waldur.md, notes/prefactor.md")
UNKNOWN_TOKEN = Rule("unknown_tokens_are_401", "Unknown token: 401", "notes/waldur.md, notes/prefactor.md")
SUPPORT_ONLY = Rule("support_only_endpoints_refuse_other_accounts_with_403",
                    "staff and support only ... everyone else: 403 on support-only endpoints", "notes/waldur.md; seeds 001, 003")
SUPPORT_ALLOWED = Rule("support_accounts_read_support_only_endpoints", "Requires support user permissions", "seeds 001, 003")
UNKNOWN_OBJECT = Rule("unknown_uuids_are_404", "An object the user cannot see: 404", "notes/waldur.md")


def operations(api: str):
    for path, item in _load(api)["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "head"):
                yield method.upper(), path, operation


def example_body(operation: dict):
    media = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not media:
        return None
    return next(iter(media["examples"].values()))["value"]


def call(http, method, path, operation):
    return http.request(method, path.replace("{uuid}", uuid.uuid4().hex), json=example_body(operation))


def operation_ids(api):
    return [f"{method} {path}" for method, path, _ in operations(api)]


@pytest.mark.waldur
@pytest.mark.parametrize("method,path,operation", list(operations("waldur")), ids=operation_ids("waldur"))
def test_waldur_refuses_anonymous_and_unknown_tokens(fresh_target, method, path, operation):
    if not fresh_target.waldur_url:
        pytest.skip("no Waldur URL")
    with client(fresh_target.waldur_url, None) as anonymous:
        response = call(anonymous, method, path, operation)
        ANONYMOUS.check(response.status_code == 401, f"status {response.status_code}", response)
    with client(fresh_target.waldur_url, f"Token {uuid.uuid4().hex}") as stranger:
        response = call(stranger, method, path, operation)
        UNKNOWN_TOKEN.check(response.status_code == 401, f"status {response.status_code}", response)
        if method != "HEAD":
            UNKNOWN_TOKEN.check(isinstance(response.json().get("detail"), str), f"body {response.text[:200]}", response)


@pytest.mark.prefactor
@pytest.mark.parametrize("method,path,operation", list(operations("prefactor")), ids=operation_ids("prefactor"))
def test_prefactor_refuses_anonymous_and_unknown_tokens(fresh_target, method, path, operation):
    if not fresh_target.prefactor_url:
        pytest.skip("no Prefactor URL")
    for authorization, rule in ((None, ANONYMOUS), (f"Bearer {uuid.uuid4().hex}", UNKNOWN_TOKEN)):
        with client(fresh_target.prefactor_url, authorization) as http:
            response = call(http, method, path, operation)
            rule.check(response.status_code == 401, f"status {response.status_code}", response)
            body = response.json()
            rule.check(body.get("status") == "error" and isinstance(body.get("code"), str), f"body {response.text[:200]}", response)


SUPPORT_ONLY_PATHS = [path for method, path, operation in operations("waldur") if operation.get("x-required-role") == "support"]


@pytest.mark.waldur
@pytest.mark.parametrize("path", SUPPORT_ONLY_PATHS)
def test_support_only_endpoints_answer_403_to_other_accounts(waldur_manager, path):
    response = waldur_manager.get(path)
    SUPPORT_ONLY.check(response.status_code == 403,
                       f"status {response.status_code} for WALDUR_TOKEN's account (it must be neither staff nor support)", response)


@pytest.mark.waldur
@pytest.mark.parametrize("path", SUPPORT_ONLY_PATHS)
def test_support_only_endpoints_answer_support(waldur_support, path):
    response = waldur_support.get(path)
    SUPPORT_ALLOWED.check(response.status_code == 200, f"status {response.status_code}", response)


READ_OBJECT_PATHS = [path for method, path, _ in operations("waldur") if "{uuid}" in path and method == "GET"]
WRITE_OBJECT_PATHS = [path for method, path, _ in operations("waldur") if "{uuid}" in path and method == "POST"]


@pytest.mark.waldur
@pytest.mark.parametrize("path", READ_OBJECT_PATHS)
def test_reading_an_unknown_uuid_is_404(waldur_support, path):
    response = waldur_support.get(path.replace("{uuid}", uuid.uuid4().hex))
    UNKNOWN_OBJECT.check(response.status_code == 404, f"status {response.status_code}", response)


@pytest.mark.waldur
@pytest.mark.writes
@pytest.mark.parametrize("path", WRITE_OBJECT_PATHS)
def test_writing_to_an_unknown_uuid_is_404(waldur_manager, path):
    response = call(waldur_manager, "POST", path, _load("waldur")["paths"][path]["post"])
    UNKNOWN_OBJECT.check(response.status_code == 404, f"status {response.status_code}", response)
