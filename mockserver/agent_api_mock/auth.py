"""Credentials to callers: Waldur's `Token <key>` and Prefactor's `Bearer <token>`."""
from __future__ import annotations

from connexion.exceptions import OAuthProblem
from connexion.security import NO_VALUE, ApiKeySecurityHandler, BearerSecurityHandler

from agent_api_mock.errors import prefactor_error, waldur_detail
from agent_api_mock.middleware import first_header
from agent_api_mock.store import User

WWW_AUTHENTICATE = {"WWW-Authenticate": "Token"}
NOT_PROVIDED = "Authentication credentials were not provided."


def waldur_user(header_value: str, request) -> dict:
    """DRF TokenAuthentication: another keyword than `Token` counts as no credentials."""
    keyword, _, rest = header_value.strip().partition(" ")
    if keyword.lower() != "token":
        raise waldur_detail(401, NOT_PROVIDED, WWW_AUTHENTICATE)
    parts = rest.split()
    if not parts:
        raise waldur_detail(401, "Invalid token header. No credentials provided.", WWW_AUTHENTICATE)
    if len(parts) > 1:
        raise waldur_detail(401, "Invalid token header. Token string should not contain spaces.", WWW_AUTHENTICATE)
    user = request.scope["mock"].store.users.get(parts[0])
    if user is None:
        raise waldur_detail(401, "Invalid token.", WWW_AUTHENTICATE)
    return {"sub": user.username, "mock_user": user}


def prefactor_caller(token: str, request) -> dict:
    if token not in request.scope["mock"].store.prefactor_tokens:
        raise prefactor_error(401, "The API token is missing or invalid.", "bad_authtoken")
    return {"sub": token}


def current_user(request) -> User:
    return request.context["token_info"]["mock_user"]


def header_text(request, name: bytes) -> str | None:
    value = first_header(request.scope, name)
    return None if value is None else value.decode("latin-1")


class WaldurTokenAuth(ApiKeySecurityHandler):
    """The `Authorization` header (the spec's apiKey scheme) to the caller's user."""

    def get_fn(self, security_scheme, required_scopes):
        header = security_scheme["name"].lower().encode("latin-1")

        def verify(request):
            value = header_text(request, header)
            return NO_VALUE if value is None else waldur_user(value, request)
        return verify


class PrefactorBearerAuth(BearerSecurityHandler):
    """`Authorization: Bearer <token>` to the caller's token."""

    def get_fn(self, security_scheme, required_scopes):
        def verify(request):
            value = header_text(request, b"authorization")
            if not value:
                return NO_VALUE
            try:  # as Connexion's get_auth_header_value reads it
                kind, token = value.split(maxsplit=1)
            except ValueError:
                raise OAuthProblem(detail="Invalid authorization header") from None
            return NO_VALUE if kind.lower() != "bearer" else prefactor_caller(token, request)
        return verify


WALDUR_SECURITY = {"apiKey": WaldurTokenAuth}
PREFACTOR_SECURITY = {"bearer": PrefactorBearerAuth}
