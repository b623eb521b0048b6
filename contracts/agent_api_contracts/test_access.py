"""Who may call what (docs/sources.md, "Authentication and roles"): refusals are judged as the
API's own errors, with their JSON body, not merely by status (an HTML 404 page is no 404 of the API)."""
from __future__ import annotations

import uuid

import pytest

from agent_api_contracts.clients import client
from agent_api_contracts.documents import _load
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.access import ANONYMOUS, SUPPORT_ALLOWED, SUPPORT_ONLY, UNKNOWN_OBJECT, UNKNOWN_TOKEN
from agent_api_contracts.rules.errors import prefactor_error, waldur_error


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


def waldur_401(response, rule):
    """HEAD answers carry no body: its status is all there is to judge."""
    if response.request.method == "HEAD":
        return rule.judge(response.status_code == 401, "401", f"{response.status_code}", response)
    return waldur_error(response, 401, rule)


@pytest.mark.waldur
@pytest.mark.parametrize("method,path,operation", list(operations("waldur")), ids=operation_ids("waldur"))
def test_waldur_refuses_anonymous_and_unknown_tokens(fresh_target, method, path, operation):
    with client(fresh_target.url("waldur"), None) as anonymous:
        refused_anonymous = call(anonymous, method, path, operation)
    with client(fresh_target.url("waldur"), f"Token {uuid.uuid4().hex}") as stranger:
        refused_stranger = call(stranger, method, path, operation)
    enforce(waldur_401(refused_anonymous, ANONYMOUS), waldur_401(refused_stranger, UNKNOWN_TOKEN))


@pytest.mark.prefactor
@pytest.mark.parametrize("method,path,operation", list(operations("prefactor")), ids=operation_ids("prefactor"))
def test_prefactor_refuses_anonymous_and_unknown_tokens(fresh_target, method, path, operation):
    verdicts = []
    for authorization, rule in ((None, ANONYMOUS), (f"Bearer {uuid.uuid4().hex}", UNKNOWN_TOKEN)):
        with client(fresh_target.url("prefactor"), authorization) as http:
            verdicts.append(prefactor_error(call(http, method, path, operation), (401,), rule))
    enforce(*verdicts)


SUPPORT_ONLY_PATHS = [path for method, path, operation in operations("waldur") if operation.get("x-required-role") == "support"]


@pytest.mark.waldur
@pytest.mark.parametrize("path", SUPPORT_ONLY_PATHS)
def test_support_only_endpoints_answer_403_to_other_accounts(waldur_manager, path):
    enforce(waldur_error(waldur_manager.get(path), 403, SUPPORT_ONLY))


@pytest.mark.waldur
@pytest.mark.parametrize("path", SUPPORT_ONLY_PATHS)
def test_support_only_endpoints_answer_support(waldur_support, path):
    response = waldur_support.get(path)
    enforce(SUPPORT_ALLOWED.judge(response.status_code == 200, "200", f"{response.status_code}", response))


READ_OBJECT_PATHS = [path for method, path, _ in operations("waldur") if "{uuid}" in path and method == "GET"]
WRITE_OBJECT_PATHS = [path for method, path, _ in operations("waldur") if "{uuid}" in path and method == "POST"]


@pytest.mark.waldur
@pytest.mark.parametrize("path", READ_OBJECT_PATHS)
def test_reading_an_unknown_uuid_is_404(waldur_support, path):
    enforce(waldur_error(waldur_support.get(path.replace("{uuid}", uuid.uuid4().hex)), 404, UNKNOWN_OBJECT))


@pytest.mark.waldur
@pytest.mark.writes
@pytest.mark.parametrize("path", WRITE_OBJECT_PATHS)
def test_writing_to_an_unknown_uuid_is_404(waldur_manager, path):
    enforce(waldur_error(call(waldur_manager, "POST", path, _load("waldur")["paths"][path]["post"]), 404, UNKNOWN_OBJECT))
