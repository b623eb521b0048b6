"""Building answers: JSON bodies encoded once, and the request facts handlers need."""
from __future__ import annotations

from connexion import request
from connexion.lifecycle import ConnexionResponse

from mockserver.wire import json_bytes


def json_response(data: object, status: int = 200, headers: dict | None = None) -> ConnexionResponse:
    return ConnexionResponse(status_code=status, body=json_bytes(data), content_type="application/json",
                             headers=headers or {})


def headers_only(headers: dict, status: int = 200) -> ConnexionResponse:
    return ConnexionResponse(status_code=status, body=b"", content_type="application/json", headers=headers)


def mock():
    """The running mock (its store, journal and faults) serving this request."""
    return request.scope["mock"]


def absolute_url(path: str) -> str:
    """An absolute URL on the host the client called, as Waldur builds `url` fields."""
    return f"{str(request.base_url).rstrip('/')}{path}"
