"""The spec's schemas as JSON Schema: `validate(api, operationId, status, body)` lists what is wrong
with an answer's body. OpenAPI 3.0 schemas become JSON Schema, so that `jsonschema` can validate them.

An OpenAPI 3.0 Schema Object is a dialect of JSON Schema (draft 4/5 era). What differs,
and what `to_json_schema` does about it:

- `$ref: '#/components/schemas/X'` points into the OpenAPI document. The result carries
  the document's schemas under `$defs` and points there instead. As in OpenAPI 3.0, the
  siblings of a `$ref` are ignored.
- `nullable: true` "adds null to the allowed types specified by the `type` keyword, only if
  `type` is explicitly defined within the same Schema Object" (OpenAPI 3.0.3): with `type`
  it becomes `type: [<type>, "null"]`; without `type` nothing restricts null already. Other
  keywords keep their meaning, so a nullable `enum` must list null itself.
- boolean `exclusiveMinimum`/`exclusiveMaximum` become draft 2020-12's numeric ones.
- OpenAPI-only keywords (`nullable`, `example`, `discriminator`, `xml`, `externalDocs`,
  `deprecated`, `x-*`) are dropped.

Formats are checked with jsonschema's FormatChecker: `date-time` needs the
`rfc3339-validator` package and `uri` needs `rfc3986-validator`; without them jsonschema
silently accepts anything in that format, so a test should check that the formats in
`FORMATS_THE_DOCUMENTS_USE` really reject bad values.
"""

import functools
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from agent_api_contracts.documents import _load

COMPONENT_SCHEMAS = "#/components/schemas/"
OPENAPI_ONLY_KEYWORDS = frozenset(
    {"nullable", "example", "discriminator", "xml", "externalDocs", "deprecated"}
)
SUBSCHEMA_KEYWORDS = frozenset({"items", "additionalProperties", "not"})
SUBSCHEMA_MAP_KEYWORDS = frozenset({"properties"})
SUBSCHEMA_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf"})

FORMAT_CHECKER = FormatChecker()
FORMATS_THE_DOCUMENTS_USE = ("date-time", "uri")


def to_json_schema(schema: dict, document: dict) -> dict:
    """A self-contained draft 2020-12 JSON Schema for `schema`, a schema of `document`."""
    component_schemas = document.get("components", {}).get("schemas", {})
    return {
        "$schema": Draft202012Validator.META_SCHEMA["$id"],
        **_convert(schema),
        "$defs": {name: _convert(each) for name, each in component_schemas.items()},
    }


def validator_for(schema: dict, document: dict) -> Draft202012Validator:
    """A validator for `schema` (from `document`) that checks formats too."""
    return Draft202012Validator(to_json_schema(schema, document), format_checker=FORMAT_CHECKER)


def response_schema(api: str, operation_id: str, status: int | str) -> dict | None:
    """The documented JSON schema of that operation's answer with that status (or `default`),
    None when the document gives none."""
    operation = operations(api).get(operation_id)
    if operation is None:
        raise KeyError(f"{api} has no operation {operation_id!r}")
    responses = operation.get("responses", {})
    response = responses.get(str(status)) or responses.get("default") or {}
    return response.get("content", {}).get("application/json", {}).get("schema")


def validate(api: str, operation_id: str, status: int | str, body: Any) -> list[str]:
    """What is wrong with `body` as that operation's answer with that status: one line per
    error (`at /0/uuid: 'x' does not match ...`), [] when it conforms or nothing is documented."""
    validator = _validator(api, operation_id, str(status))
    if validator is None:
        return []
    return [f"at /{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
            for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))]


@functools.cache
def _validator(api: str, operation_id: str, status: str) -> Draft202012Validator | None:
    schema = response_schema(api, operation_id, status)
    return None if schema is None else validator_for(schema, _load(api))


@functools.cache
def operations(api: str) -> dict[str, dict]:
    """operationId -> operation object, with `method` and `path` added."""
    found = {}
    for path, item in _load(api)["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                found.setdefault(operation["operationId"], {**operation, "method": method.upper(), "path": path})
    return found


def _convert(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema  # `additionalProperties: false` and the like
    if "$ref" in schema:
        return {"$ref": _local_ref(schema["$ref"])}
    converted = {}
    for keyword, value in schema.items():
        if keyword in OPENAPI_ONLY_KEYWORDS or keyword.startswith("x-"):
            continue
        if keyword in SUBSCHEMA_KEYWORDS:
            converted[keyword] = _convert(value)
        elif keyword in SUBSCHEMA_MAP_KEYWORDS:
            converted[keyword] = {name: _convert(each) for name, each in value.items()}
        elif keyword in SUBSCHEMA_LIST_KEYWORDS:
            converted[keyword] = [_convert(each) for each in value]
        else:
            converted[keyword] = value
    _convert_exclusive_bounds(converted)
    if schema.get("nullable") is True and "type" in converted:
        converted["type"] = [converted["type"], "null"]
    return converted


def _local_ref(ref: str) -> str:
    if not ref.startswith(COMPONENT_SCHEMAS):
        raise ValueError(f"only references to {COMPONENT_SCHEMAS}* are supported, not {ref!r}")
    return "#/$defs/" + ref.removeprefix(COMPONENT_SCHEMAS)


def _convert_exclusive_bounds(schema: dict) -> None:
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if schema.get(exclusive) is True:
            schema[exclusive] = schema.pop(bound)
        elif schema.get(exclusive) is False:
            del schema[exclusive]
