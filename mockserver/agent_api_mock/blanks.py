"""Every field the spec gives an object, for the fields the mock's data does not set.

Waldur's serializers answer every field they declare; the mock's entities carry the fields the
agent works with. `complete(schema, body)` adds the others, each with the value the spec gives it,
in this order: the schema's `default`, its `example`, null where it is nullable, else the type's
empty value ("" / 0 / false / [] / {} / the first enum member / a valid date-time, date, uuid or
uri / an object with every field of its own). Nested objects (an order's `issue`, an offering's
`components[]`) are completed the same way. What a value is is read from spec/ once per schema,
never per request, so list answers stay cheap; `field=` selection runs on the completed body.

Renderers declare the schema they render: `@renders("Order")`.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable

from agent_api_spec.operations import document, resolve

API = "waldur"
DEEPEST = 8  # nesting beyond this gets null or an empty container (no schema of ours nests deeper)
EPOCH = "1970-01-01T00:00:00Z"
# What a string of a format is when the data has none (format: value valid for it).
FORMAT_BLANKS = {"date-time": EPOCH, "date": "1970-01-01", "uri": "http://localhost/", "email": "user@example.com",
                 "decimal": "0", "ipv4": "0.0.0.0", "uuid": "00000000-0000-0000-0000-000000000000"}
# Strings tried, in order, for a `pattern` (the empty string first: Waldur's blank CharField).
PATTERN_CANDIDATES = ("", "0", "a", "0" * 32)


def schema(name: str) -> dict:
    return document(API)["components"]["schemas"][name]


def flattened(node: dict) -> dict:
    """A schema with its `$ref` followed and a lone-`$ref` or object `allOf` merged into it
    (siblings such as `nullable` and `default` win)."""
    node = resolve(API, node)
    if "allOf" not in node:
        return node
    merged: dict = {}
    properties: dict = {}
    required: list = []
    for part in node["allOf"]:
        part = flattened(part)
        merged.update({key: value for key, value in part.items() if key not in ("properties", "required")})
        properties.update(part.get("properties", {}))
        required += part.get("required", [])
    merged.update({key: value for key, value in node.items() if key != "allOf"})
    if properties:
        merged["properties"], merged["required"] = properties, required
    return merged


def blank(node: dict, depth: int = 0) -> object:
    """The value a field of this schema has when the data sets none."""
    node = flattened(node)
    for key in ("default", "example"):
        if key in node:
            return node[key]
    if node.get("nullable") or depth > DEEPEST:
        return None
    choices = node.get("oneOf") or node.get("anyOf")
    if choices:
        # A branch inherits what its parent says (`type: string` with `anyOf: [{format: email}, ...]`).
        shared = {key: value for key, value in node.items() if key not in ("oneOf", "anyOf")}
        branches = [{**shared, **flattened(choice)} for choice in choices]
        if any(branch.get("nullable") or branch.get("enum") == [None] for branch in branches):
            return None
        return blank(branches[0], depth + 1)
    if node.get("enum"):
        return next((value for value in node["enum"] if value is not None), None)
    kind = node.get("type")
    if kind == "string":
        return string_blank(node)
    if kind in ("integer", "number"):
        return max(0, node.get("minimum", 0))
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    return {name: blank(field, depth + 1) for name, field in node.get("properties", {}).items()}


def string_blank(node: dict) -> str:
    if node.get("format") in FORMAT_BLANKS:
        return FORMAT_BLANKS[node["format"]]
    pattern = node.get("pattern")
    if pattern is None:
        return "" if not node.get("minLength") else "a" * node["minLength"]
    return next(text for text in PATTERN_CANDIDATES if re.search(pattern, text))


Completer = Callable[[object], object]


def completer_of(node: dict, depth: int = 0) -> Completer | None:
    """What completes a value of this schema, None when nothing does (scalars, free objects)."""
    node = flattened(node)
    if depth > DEEPEST:
        return None
    if node.get("type") == "array" and "items" in node:
        each = completer_of(node["items"], depth + 1)
        if each is None:
            return None
        return lambda value: [each(item) for item in value] if isinstance(value, list) else value
    fields = node.get("properties")
    if not fields or node.get("additionalProperties") is True:
        return None  # a stored JSON object (`additionalProperties: true`) comes back as it was set
    template = {name: blank(field, depth + 1) for name, field in fields.items()}
    nested = {name: inner for name, field in fields.items() if (inner := completer_of(field, depth + 1))}

    def complete_object(value: object) -> object:
        if not isinstance(value, dict):
            return value
        completed = {**template, **value}
        for name, inner in nested.items():
            if name in value:
                completed[name] = inner(value[name])
        return completed
    return complete_object


@functools.cache
def completer(schema_name: str) -> Completer:
    return completer_of(schema(schema_name)) or (lambda value: value)


def complete(schema_name: str, body: dict) -> dict:
    return completer(schema_name)(body)


def renders(schema_name: str):
    """Decorates a renderer of `schema_name` objects: what it answers carries every field."""
    def decorate(render):
        @functools.wraps(render)
        def rendered(*args, **kwargs):
            return completer(schema_name)(render(*args, **kwargs))
        return rendered
    return decorate
