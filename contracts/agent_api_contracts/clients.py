"""HTTP clients for the rule checks, one per API and credential, that never follow redirects.
Every answer they get is observed (the coverage report), and a request that gets no answer
(reset, timeout) fails under its rule rather than as a Python exception."""
from __future__ import annotations

import httpx

from agent_api_contracts import observed
from agent_api_contracts.rules.answers import unanswered
from agent_api_contracts.target import Target

TIMEOUT = 30
_last: list[httpx.Response] = []


def last_response() -> httpx.Response | None:
    """The latest answer any client got (what a check was reading when it tripped)."""
    return _last[-1] if _last else None


class ObservedTransport(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = super().handle_request(request)
            body = json_body(response)  # a connection dropped in the body fails here, as no answer
        except httpx.TransportError as error:
            observed.current.answer(request.method, str(request.url), None, exchange=request)
            raise unanswered(error, request) from None
        observed.current.answer(request.method, str(request.url), response.status_code, body=body, exchange=response)
        _last[:] = [response]
        return response


def json_body(response: httpx.Response) -> object:
    """The answer's JSON (read here, so the caller still has it), None when it is none."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    response.read()
    try:
        return response.json()
    except ValueError:
        return None


class ObservedClient(httpx.Client):
    def send(self, request: httpx.Request, **kwargs) -> httpx.Response:
        try:
            return super().send(request, **kwargs)
        except httpx.TransportError as error:  # e.g. a connection dropped while the body was read
            raise unanswered(error) from None


def client(base_url: str, authorization: str | None) -> httpx.Client:
    headers = {"Accept": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    return ObservedClient(base_url=base_url, headers=headers, timeout=TIMEOUT, follow_redirects=False,
                        transport=ObservedTransport())


def waldur(target: Target, variable: str) -> httpx.Client:
    url = target.url("waldur")
    return client(url, f"Token {target.credential(variable)}")


def prefactor(target: Target) -> httpx.Client:
    url = target.url("prefactor")
    return client(url, f"Bearer {target.credential('PREFACTOR_TOKEN')}")
