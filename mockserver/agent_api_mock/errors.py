"""Each API's own error format, and the exception that carries an answer in it."""
from __future__ import annotations

from connexion.lifecycle import ConnexionResponse

from agent_api_mock.wire import json_bytes

PREFACTOR_PREFIX = "/api/v1/"

# What Prefactor calls the failures that Waldur answers with a bare `detail`.
PREFACTOR_CODES = {
    400: "bad_request", 401: "bad_authtoken", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "invalid_action", 413: "request_too_large", 415: "unsupported_media_type", 422: "validation_errors",
    429: "rate_limited", 500: "internal_error", 502: "bad_gateway", 503: "service_unavailable", 504: "gateway_timeout",
}


class ApiError(Exception):
    """An answer in the API's own error format, raised from anywhere in a request."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def is_prefactor_path(path: str) -> bool:
    return path.startswith(PREFACTOR_PREFIX) or path.rstrip("/") == PREFACTOR_PREFIX.rstrip("/")


def waldur_detail(status: int, detail: str, headers: dict | None = None) -> ApiError:
    return ApiError(status, {"detail": detail}, headers)


def waldur_field_errors(errors: dict[str, list[str]]) -> ApiError:
    return ApiError(400, errors)


def prefactor_error(status: int, message: str, code: str | None = None, errors: dict | None = None) -> ApiError:
    body = {"status": "error", "code": code or PREFACTOR_CODES.get(status, "error"), "message": message}
    if errors is not None:
        body["errors"] = errors
    return ApiError(status, body)


def error_for_path(path: str, status: int, waldur_message: str, prefactor_message: str | None = None,
                   headers: dict | None = None) -> ApiError:
    """The same failure in whichever format the API that owns `path` uses."""
    if is_prefactor_path(path):
        error = prefactor_error(status, prefactor_message or waldur_message)
        error.headers = headers or {}
        return error
    return waldur_detail(status, waldur_message, headers)


def to_connexion_response(error: ApiError, with_body: bool = True) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=error.status,
        body=json_bytes(error.body) if with_body else b"",
        content_type="application/json",
        headers=dict(error.headers),
    )
