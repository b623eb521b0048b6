"""Building answers: JSON bodies encoded once, and the request facts handlers need."""
from __future__ import annotations

from connexion.context import scope as request_scope
from starlette.responses import Response

from agent_api_mock.wire import json_bytes


def json_response(data: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json_bytes(data), status, headers, media_type="application/json")


def encoded(item: dict, site: str, render) -> bytes:
    """`item` rendered on `site` as JSON, kept in the store's `answers` while `item` is the entity
    the store holds (a write replaces the entity, so its old answer no longer counts): a list
    answer is mostly joining bytes."""
    answers = mock().store.answers
    key = (render, item["uuid"])
    kept = answers.get(key)
    if kept is None or kept[0] is not item or kept[1] != site:
        kept = answers[key] = (item, site, json_bytes(render(item, site)))
    return kept[2]


def json_list_response(parts: list[bytes], headers: dict) -> Response:
    return Response(b"[" + b",".join(parts) + b"]", 200, headers, media_type="application/json")


def encoded_response(body: bytes) -> Response:
    return Response(body, 200, media_type="application/json")


def headers_only(headers: dict, status: int = 200) -> Response:
    return Response(b"", status, headers, media_type="application/json")


def mock():
    """The running mock (its store, journal and faults) serving this request."""
    return request_scope["mock"]  # the scope itself: `connexion.request` builds a request per read


def site() -> str:
    """The scheme and host the client called (no trailing slash): Waldur builds absolute `url`
    fields on it. Computed once per request, as handlers pass it to the renderers."""
    scope = request_scope
    host = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"host"), None)
    if host is None:
        server_host, port = scope.get("server") or ("localhost", 80)
        host = f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}".rstrip("/")
