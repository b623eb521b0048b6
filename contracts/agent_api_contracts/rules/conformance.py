"""The generated layers' checks (Schemathesis's), spoken as rules: each failure becomes a
violation under the check's name, with what the spec documents, what came back and a curl line."""
from __future__ import annotations

import httpx
import requests

from agent_api_contracts.rules import Rule, RuleFailure, Violation
from agent_api_contracts.rules.answers import ANSWERED, shown

SOURCE = "spec/ (the operation as the published pages document it); docs/sources.md#what-the-suites-judge"
CONFORMS = Rule("operation_conforms_to_spec", "the answer passes every Schemathesis check against the spec", SOURCE)


def as_httpx(response) -> httpx.Response:
    """A Schemathesis (requests) response as the httpx one the rules show."""
    sent = response.request
    request = httpx.Request(sent.method, sent.url, headers=dict(sent.headers), content=_bytes(sent.body))
    headers = [(name, value) for name, values in response.headers.items() for value in values]
    return httpx.Response(response.status_code, headers=headers, content=response.content, request=request)


def request_of(case) -> httpx.Request:
    """The request a case would send (for one that got no answer)."""
    kwargs = case.as_transport_kwargs()
    return httpx.Request(kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=kwargs.get("headers"),
                         json=kwargs.get("json"), content=_bytes(kwargs.get("data")))


def _bytes(body) -> bytes | None:
    return body.encode() if isinstance(body, str) else body


def violations(failures, response) -> list[Violation]:
    answer = as_httpx(response)
    found = []
    for failure in failures:
        name = failure.checks[0] if getattr(failure, "checks", ()) else type(failure).__name__
        rule = Rule(name, f"{failure.code} {failure.title}", SOURCE)
        found += rule.judge(False, "the answer the spec documents for this request",
                            f"{failure.message.strip()} | {shown(answer, 200)}".replace("\n", " "), answer)
    return found


def call_and_validate(case, **kwargs):
    """case.call_and_validate(), its failures raised as rule failures."""
    from schemathesis.core.failures import FailureGroup

    try:
        response = case.call(**kwargs)
    except requests.RequestException as error:
        raise RuleFailure([ANSWERED.violation("an HTTP answer", f"{type(error).__name__}: {error}", request_of(case))]) from None
    try:
        case.validate_response(response, transport_kwargs=kwargs or None)
    except FailureGroup as group:
        raise RuleFailure(violations(group.exceptions, response)) from None
    CONFORMS.judge(True, "", "", as_httpx(response))
    return response
