"""Swagger UI for each document in spec/, and the documents themselves, served by the mock."""
from __future__ import annotations

import pytest

from mock_api import NOT_FOUND
from agent_api_mock.specs import DOCUMENTS, document


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
