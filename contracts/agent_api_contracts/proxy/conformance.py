"""Judges of one exchange against spec/: the status is documented, the content type, body and
headers are the documented ones, errors come in the API's format, the request is valid."""
from __future__ import annotations

import jsonschema_rs

from agent_api_contracts.documents import _load
from agent_api_contracts.judges.exchanges import MISSING, Observed, watches
from agent_api_contracts.rules import Rule, Violation
from agent_api_contracts.rules.answers import shown
from agent_api_contracts.rules.errors import PREFACTOR_ERROR_BODY, WALDUR_ERROR_BODY, is_prefactor_error, is_waldur_error
from agent_api_contracts.schemas import to_json_schema
from agent_api_spec.operations import resolve

SPEC = "spec/ (the operation's documented responses)"
STATUS_DOCUMENTED = Rule("status_code_conformance", "every status the server answers is documented for the operation", SPEC)
NOT_A_SERVER_ERROR = Rule("not_a_server_error", "the server does not fail: no 5xx answer unless the spec names that "
                          "status for the operation (a `default` error envelope does not)", SPEC)
CONTENT_TYPE = Rule("content_type_conformance", "the answer's Content-Type is one the spec documents for its status", SPEC)
SCHEMA = Rule("response_schema_conformance", "the answer's body matches the schema documented for its status", SPEC)
HEADERS = Rule("response_headers_conformance", "the headers documented as required are present and match their schema",
               SPEC)
ERROR_FORMAT = Rule("errors_in_the_api_format", f"Waldur: {WALDUR_ERROR_BODY}; Prefactor: {PREFACTOR_ERROR_BODY}",
                    "spec/ (ErrorDetail; ErrorResponse)")
REQUEST_VALID = Rule("request_conforms_to_spec", "the request's body and required parameters match the spec",
                     "spec/ (the operation's requestBody and parameters)")
INVALID_ACCEPTED = Rule("invalid_requests_are_refused", "a request the spec does not allow is answered 4xx, not 2xx",
                        "spec/; notes/waldur.md, notes/prefactor.md")
# Whose fault a violation is. A request the spec does not allow is the client's, whatever the
# upstream answers; the server's part is answering it 2xx (INVALID_ACCEPTED): refused with a
# documented 4xx, it is no violation of the server's.
CLIENT_RULES = frozenset({REQUEST_VALID.name})
IS_API_ERROR = {"waldur": is_waldur_error, "prefactor": is_prefactor_error}
_validators: dict = {}


def party(rule: str) -> str:
    """"client" or "server": whose fault a violation of `rule` is."""
    return "client" if rule in CLIENT_RULES else "server"


def schema_errors(api: str, key: tuple, schema: dict, value: object) -> list[str]:
    """What is wrong with `value` under `schema` (of `api`'s document), in the JSON Schema that
    agent_api_contracts.schemas makes of it. Validated by jsonschema-rs (Rust, a few microseconds
    a body; the Python validator takes milliseconds, too slow to judge traffic in passing); `key`
    names the schema, whose validator is built once."""
    validator = _validators.get((api, key))
    if validator is None:
        validator = _validators[(api, key)] = jsonschema_rs.Draft202012Validator(
            to_json_schema(schema, _load(api)), validate_formats=True)
    if validator.is_valid(value):
        return []
    found = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.instance_path)))[:5]
    return [f"at /{'/'.join(map(str, e.instance_path))}: {e.message[:300]}" for e in found]


def media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def matches(documented: str, sent: str) -> bool:
    kind, _, sub = documented.lower().partition("/")
    sent_kind, _, sent_sub = sent.partition("/")
    return kind in ("*", sent_kind) and (sub in ("*", sent_sub) or (sub.startswith("*") and sent_sub.endswith(sub[1:])))


def carries_body(seen: Observed) -> bool:
    return seen.response.request.method != "HEAD" and bool(seen.response.content)


@watches(STATUS_DOCUMENTED)
def status_is_documented(seen: Observed) -> list[Violation]:
    if seen.operation.response(seen.status) is not None:
        return []
    documented = ", ".join(seen.operation.spec.get("responses", {}))
    return [Violation(STATUS_DOCUMENTED, f"one of {documented}", f"{seen.status}: {shown(seen.response)}",
                      (seen.response,))]


@watches(NOT_A_SERVER_ERROR)
def not_a_server_error(seen: Observed) -> list[Violation]:
    if seen.status < 500 or str(seen.status) in seen.operation.spec.get("responses", {}):
        return []
    return [Violation(NOT_A_SERVER_ERROR, "an answer that is not a server error", shown(seen.response), (seen.response,))]


@watches(CONTENT_TYPE, SCHEMA)
def body_is_documented(seen: Observed) -> list[Violation]:
    documented = seen.operation.response(seen.status)
    if documented is None or seen.response.request.method == "HEAD" or not documented[1].get("content"):
        return []
    key, response = documented
    content = response["content"]
    if not seen.response.content:
        return [Violation(SCHEMA, f"a {' or '.join(content)} body", shown(seen.response), (seen.response,))]
    sent = media_type(seen.response.headers.get("content-type", ""))
    chosen = next((name for name in content if matches(name, sent)), None)
    if chosen is None:
        return [Violation(CONTENT_TYPE, " or ".join(content), repr(seen.response.headers.get("content-type")),
                          (seen.response,))]
    schema = content[chosen].get("schema")
    if schema is None or "json" not in chosen:
        return []
    if seen.body is MISSING:
        return [Violation(SCHEMA, f"a JSON body ({chosen})", shown(seen.response), (seen.response,))]
    problems = schema_errors(seen.api, (seen.operation_id, key, chosen), schema, seen.body)
    if not problems:
        return []
    return [Violation(SCHEMA, f"the {key} schema of {seen.operation_id}", f"{'; '.join(problems)} in {shown(seen.response)}",
                      (seen.response,))]


@watches(HEADERS)
def headers_are_documented(seen: Observed) -> list[Violation]:
    documented = seen.operation.response(seen.status)
    if documented is None:
        return []
    key, response = documented
    found = []
    for name, header in response.get("headers", {}).items():
        header = resolve(seen.api, header)
        value = seen.response.headers.get(name)
        if value is None:
            if header.get("required"):
                found.append(f"{name} is missing")
            continue
        schema = header.get("schema", {})
        if schema.get("type") == "integer":
            if not value.strip().lstrip("-").isdigit():
                found.append(f"{name}: {value!r} is not an integer")
                continue
            value = int(value)
        problems = schema_errors(seen.api, (seen.operation_id, key, "header", name), schema, value)
        found += [f"{name}: {problem}" for problem in problems]
    if not found:
        return []
    return [Violation(HEADERS, f"the headers documented for {key}: {', '.join(response.get('headers', {}))}",
                      "; ".join(found), (seen.response,))]


def errors_of_undocumented_paths(seen: Observed) -> list[Violation]:
    """Paths the spec does not name: an error there still comes in the API's format."""
    if seen.api is None or seen.status < 400 or not carries_body(seen):
        return []
    return ERROR_FORMAT.judge(IS_API_ERROR[seen.api](seen.response), f"{seen.status} in the {seen.api} error format",
                              shown(seen.response), seen.response)


errors_of_undocumented_paths.rules, errors_of_undocumented_paths.operations = (ERROR_FORMAT,), None


@watches(REQUEST_VALID, INVALID_ACCEPTED)
def request_is_valid(seen: Observed) -> list[Violation]:
    problems = list(missing_parameters(seen))
    body = seen.operation.spec.get("requestBody")
    if body is not None:
        body = resolve(seen.api, body)
        content = body.get("content", {})
        sent_type = media_type(seen.response.request.headers.get("content-type", ""))
        if not seen.response.request.content:
            if body.get("required"):
                problems.append("the required body is missing")
        elif not any(matches(name, sent_type) for name in content):
            problems.append(f"Content-Type {sent_type!r} is not one of {', '.join(content)}")
        elif "json" in sent_type:
            schema = next(media for name, media in content.items() if matches(name, sent_type)).get("schema", {})
            if seen.sent is MISSING:
                problems.append("the body is not JSON")
            else:
                problems += schema_errors(seen.api, (seen.operation_id, "request"), schema, seen.sent)
    if not problems:
        return []
    found = "; ".join(problems) + f" in {seen.response.request.content[:300].decode('utf-8', 'replace')!r}"
    violations = [Violation(REQUEST_VALID, "a request the spec allows", found, (seen.response,))]
    if 200 <= seen.status < 300:
        violations.append(Violation(INVALID_ACCEPTED, "a 4xx answer", f"{seen.status} to an invalid request: {found}",
                                    (seen.response,)))
    return violations


def missing_parameters(seen: Observed):
    for parameter in seen.operation.parameters:
        if parameter.get("in") == "query" and parameter.get("required") and parameter["name"] not in seen.query:
            yield f"the required query parameter {parameter['name']} is missing"


SPEC_JUDGES = [status_is_documented, not_a_server_error, body_is_documented, headers_are_documented, request_is_valid]
