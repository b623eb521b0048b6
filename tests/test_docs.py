"""Swagger UI for each document in spec/, and the documents themselves, served by the mock."""
from __future__ import annotations

import re

import pytest

from mock_api import NOT_FOUND, STAFF, load_state
from agent_api_spec.operations import DOCUMENTS, document


def test_the_docs_index_links_every_document(client):
    answer = client.get("/docs/")
    assert answer.status_code == 200
    for api in DOCUMENTS:
        assert f'href="/docs/{api}/"' in answer.text
        assert document(api)["info"]["title"] in answer.text


@pytest.mark.parametrize("api", DOCUMENTS)
def test_each_document_is_served_as_json_exactly(client, api):
    answer = client.get(f"/docs/{api}/openapi.json")
    assert answer.status_code == 200
    assert answer.json() == document(api)


@pytest.mark.parametrize("api", DOCUMENTS)
def test_each_document_has_a_swagger_ui_page_with_its_assets(client, api):
    page = client.get(f"/docs/{api}/")
    assert page.status_code == 200
    assert f"/docs/{api}/openapi.json" in page.text
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize("path", ["/docs/nothing/", "/docs/nothing/openapi.json"])
def test_an_unknown_document_is_404(client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.json() == NOT_FOUND


# --- what Swagger UI's "Try it out" starts from -------------------------------------------------

def swagger_ui_document(client, api: str) -> dict:
    answer = client.get(f"/docs/{api}/swagger-ui.json")
    assert answer.status_code == 200
    return answer.json()


def parameters_of(doc: dict):
    """Every parameter object of the document (components and inline), with where it is."""
    for name, parameter in doc.get("components", {}).get("parameters", {}).items():
        yield f"components.parameters.{name}", parameter
    for template, item in doc["paths"].items():
        for holder in [item, *(v for v in item.values() if isinstance(v, dict))]:
            for parameter in holder.get("parameters", []) if isinstance(holder.get("parameters"), list) else []:
                if "$ref" not in parameter:
                    yield f"{template} {parameter['name']}", parameter


def resolved(doc: dict, node: object) -> object:
    while isinstance(node, dict) and "$ref" in node:
        target: object = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


@pytest.mark.parametrize("api", DOCUMENTS)
def test_swagger_ui_pre_fills_no_parameter_and_shows_the_examples_in_the_description(client, api):
    doc = swagger_ui_document(client, api)
    filled = []
    described = 0
    for where, parameter in parameters_of(doc):
        schema = resolved(doc, parameter.get("schema", {}))
        items = resolved(doc, schema.get("items", {})) if isinstance(schema, dict) else {}
        if "example" in parameter or "examples" in parameter or "example" in schema or "example" in (items or {}):
            filled.append(where)
        described += "Example: `" in parameter.get("description", "")
    assert filled == []
    if api == "waldur":
        assert described >= 10, "the examples are still shown, as text"
    assert doc["paths"].keys() == document(api)["paths"].keys()


def test_the_first_execute_on_the_services_list_shows_the_built_in_services(client, seed):
    """What "Try it out" sends before the user types anything: each query parameter's default."""
    doc = swagger_ui_document(client, "waldur")
    operation = doc["paths"]["/api/marketplace-site-agent-services/"]["get"]
    params = {}
    for parameter in operation.get("parameters", []) + doc["paths"]["/api/marketplace-site-agent-services/"].get("parameters", []):
        parameter = resolved(doc, parameter)
        schema = resolved(doc, parameter.get("schema", {}))
        if parameter["in"] == "query" and "default" in schema:
            params[parameter["name"]] = schema["default"]
    answer = client.get("/api/marketplace-site-agent-services/", params=params, headers=STAFF)
    assert answer.status_code == 200
    assert len(answer.json()) == min(10, len(seed["services"])) > 0


@pytest.mark.parametrize("api", DOCUMENTS)
def test_the_swagger_ui_page_keeps_the_authorization_and_needs_no_network(client, api):
    page = client.get(f"/docs/{api}/").text
    assert "persistAuthorization: true" in page
    assert f'url: "/docs/{api}/swagger-ui.json"' in page
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert assets and all(asset.startswith("/docs/static/") for asset in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_the_waldur_page_lists_every_token_with_its_prefix(client, seed):
    page = client.get("/docs/waldur/").text
    for user in seed["users"]:
        assert f"<code>Authorization: Token {user['token']}</code> (" in page
    assert "<code>Authorization: Token waldur-offering-manager</code> (OFFERING.MANAGER of 1 offering)" in page
    load_state(client, {**seed, "users": [{"token": "loaded-later", "role": "staff"}]})
    assert "<code>Authorization: Token loaded-later</code> (staff)" in client.get("/docs/waldur/").text


def test_the_prefactor_page_lists_its_tokens_with_the_bearer_prefix(client, seed):
    page = client.get("/docs/prefactor/").text
    for token in seed["prefactor"]["tokens"]:
        assert f"<code>Authorization: Bearer {token}</code>" in page
    assert "Swagger UI adds <code>Bearer </code>" in page
