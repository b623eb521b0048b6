"""Fields Waldur added after the oldest server version the spec accepts.

The spec marks such a property `x-added-in: <version>` (the version whose schema first has it,
from Waldur's change logs: spec/reference/reference-changes-8.0.6-8.0.9.md) and keeps it
optional, so a server of an older version passes. An answer without such a field is no failure:
the run reports it under `field_added_after_server_version`, so that a Waldur 8.0.5 server shows
which later fields it lacks.
"""
from __future__ import annotations

import functools

from agent_api_contracts.documents import _load
from agent_api_contracts.schemas import response_schema

RULE = "field_added_after_server_version"


def _resolved(api: str, node: object) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        node = _load(api)["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node if isinstance(node, dict) else {}


@functools.cache
def later_fields(api: str, operation_id: str, status: str) -> tuple[bool, dict[str, str]]:
    """(whether the answer is a list of the objects, {field: the version that added it})."""
    schema = _resolved(api, response_schema(api, operation_id, status))
    many = schema.get("type") == "array"
    if many:
        schema = _resolved(api, schema.get("items"))
    fields = {}
    for part in [schema, *schema.get("allOf", [])]:
        for name, field in _resolved(api, part).get("properties", {}).items():
            if isinstance(field, dict) and "x-added-in" in field:
                fields[name] = str(field["x-added-in"])
    return many, fields


def missing_later_fields(api: str, operation_id: str, status: int, body: object) -> dict[str, str]:
    """{field: version} of the later fields some object of this answer lacks."""
    if not 200 <= status < 300:
        return {}
    many, fields = later_fields(api, operation_id, str(status))
    if not fields:
        return {}
    objects = body if many and isinstance(body, list) else [body]
    return {name: version for name, version in fields.items()
            if any(isinstance(each, dict) and name not in each for each in objects)}
