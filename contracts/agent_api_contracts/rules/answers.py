"""Reading answers without tripping on them: a body that is not JSON, an HTML page, an empty body
or a missing key becomes a rule's violation with the request, never a Python exception."""
from __future__ import annotations

import json
from typing import Any

import httpx

from agent_api_contracts.rules import Rule, RuleFailure, Violation

SOURCE = "docs/sources.md#what-the-suites-judge"
ANSWERED = Rule("every_request_gets_an_http_answer",
                "every request gets an HTTP answer (no reset connection, no timeout)", SOURCE)
JSON_ANSWER = Rule("answers_are_json_in_the_documented_shape",
                   "answers are application/json bodies of the shape the operation documents", SOURCE)
MISSING = object()


def parsed(response: httpx.Response) -> Any:
    """The JSON body, or MISSING when the answer has none (empty, HTML, text, invalid JSON)."""
    try:
        content = response.content
    except (httpx.ResponseNotRead, httpx.StreamError):
        return MISSING
    if not content.strip():
        return MISSING
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return MISSING


def shown(response: httpx.Response, limit: int = 300) -> str:
    """What came back, in one line: status, content type and the start of the body."""
    try:
        text = response.text
    except (httpx.ResponseNotRead, httpx.StreamError, UnicodeDecodeError):
        text = ""
    body = " ".join(text.split())[:limit] or "an empty body"
    return f"{response.status_code} {response.headers.get('content-type', 'without Content-Type')}: {body}"


def is_json(response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def json_answer(response: httpx.Response, rule: Rule = JSON_ANSWER, expected: str = "a JSON body") -> list[Violation]:
    """The judge: an application/json answer whose body parses."""
    return rule.judge(is_json(response) and parsed(response) is not MISSING, expected, shown(response), response)


def body(response: httpx.Response, rule: Rule = JSON_ANSWER, expected: str = "a JSON body") -> Any:
    """The parsed body; a test's failure under `rule` when there is none."""
    value = parsed(response)
    if value is MISSING:
        raise RuleFailure([rule.violation(expected, shown(response), response)])
    return value


def dig(response: httpx.Response, *path: str | int, rule: Rule = JSON_ANSWER, value: Any = MISSING) -> Any:
    """body["a"][0]["b"] for path ("a", 0, "b"), or a failure under `rule` naming what is missing.
    Give `value` to dig into an already read part of the body."""
    current = body(response, rule) if value is MISSING else value
    walked = []
    for step in path:
        walked.append(str(step))
        if isinstance(step, int) and isinstance(current, list) and -len(current) <= step < len(current):
            current = current[step]
        elif isinstance(step, str) and isinstance(current, dict) and step in current:
            current = current[step]
        else:
            raise RuleFailure([rule.violation(f"the body to hold {'.'.join(walked)}", shown(response), response)])
    return current


def objects(response: httpx.Response, rule: Rule = JSON_ANSWER) -> list[dict]:
    """A list answer's objects; a failure under `rule` unless the body is a JSON array of objects."""
    value = body(response, rule, "a JSON array of objects")
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RuleFailure([rule.violation("a JSON array of objects", shown(response), response)])
    return value


def unanswered(error: httpx.TransportError, request: httpx.Request | None = None) -> RuleFailure:
    """A request that got no HTTP answer (reset, refused, timed out, or a body cut off), as a failure
    of ANSWERED; `request` is the one sent, for errors that carry none (a body cut off while read)."""
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "got no answer"
    found = f"the request {kind}: {type(error).__name__}: {error}"
    try:
        request = error.request
    except RuntimeError:
        if request is None:
            return RuleFailure([ANSWERED.violation("an HTTP answer", found)])
    return RuleFailure([ANSWERED.violation("an HTTP answer", found, request)])
