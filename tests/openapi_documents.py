"""The OpenAPI documents in spec/, read as data: their operations and their examples."""

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
WALDUR = "waldur-marketplace-site-agent.yaml"
PREFACTOR = "prefactor-agents.yaml"
DOCUMENTS = (WALDUR, PREFACTOR)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@functools.cache
def load(name: str) -> dict:
    """The parsed document spec/<name>. Shared between tests: never mutate it."""
    return yaml.safe_load((SPEC_DIR / name).read_text())


def resolve(document: dict, node: Any) -> Any:
    """`node`, or what its (chain of) local `$ref` points at."""
    while isinstance(node, dict) and "$ref" in node:
        node = _pointer(document, node["$ref"])
    return node


def _pointer(document: dict, ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported, not {ref!r}")
    node = document
    for token in ref[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    spec: dict = field(repr=False)
    parameters: tuple[dict, ...] = field(repr=False)  # path-level and own, `$ref`s resolved

    @property
    def operation_id(self) -> str | None:
        return self.spec.get("operationId")

    def parameter(self, name: str, location: str) -> dict | None:
        return next((p for p in self.parameters if (p["name"], p["in"]) == (name, location)), None)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(document: dict) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        shared = [resolve(document, p) for p in item.get("parameters", [])]
        for method in HTTP_METHODS:
            if method not in item:
                continue
            own = [resolve(document, p) for p in item[method].get("parameters", [])]
            overridden = {(p["name"], p["in"]) for p in own}
            kept = [p for p in shared if (p["name"], p["in"]) not in overridden]
            found.append(Operation(path, method, item[method], tuple(kept + own)))
    return found


def operation(document: dict, operation_id: str) -> Operation:
    matches = [op for op in operations(document) if op.operation_id == operation_id]
    assert len(matches) == 1, f"{len(matches)} operations have operationId {operation_id!r}"
    return matches[0]


@dataclass(frozen=True)
class Example:
    where: str
    schema: dict = field(repr=False)  # the OpenAPI schema the value must satisfy
    value: Any = field(repr=False)
    name: str | None = None  # the key under `examples`, if it came from there
    operation: Operation | None = field(default=None, repr=False)
    status: str | None = None  # for a response example


def examples(document: dict) -> Iterator[Example]:
    """Every example of the document: of parameters, headers, request and response bodies
    (`example` and `examples`, `$ref`s resolved) and of schemas (`example`)."""
    for op in operations(document):
        for parameter in op.parameters:
            yield from _examples_of(document, parameter, f"{op} parameter {parameter['name']}", op)
        body = resolve(document, op.spec.get("requestBody", {}))
        for media_type, media in body.get("content", {}).items():
            yield from _examples_of(document, media, f"{op} request {media_type}", op)
        for status, response in op.spec["responses"].items():
            response = resolve(document, response)
            for header_name, header in response.get("headers", {}).items():
                header = resolve(document, header)
                yield from _examples_of(document, header, f"{op} {status} header {header_name}", op)
            for media_type, media in response.get("content", {}).items():
                yield from _examples_of(document, media, f"{op} {status} {media_type}", op, status)
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        yield from _schema_examples(schema, f"components/schemas/{name}")


def _examples_of(document, holder, where, op, status=None) -> Iterator[Example]:
    schema = holder.get("schema", {})
    if "example" in holder:
        yield Example(f"{where} example", schema, holder["example"], None, op, status)
    for name, example in holder.get("examples", {}).items():
        example = resolve(document, example)
        if "value" in example:
            yield Example(f"{where} examples/{name}", schema, example["value"], name, op, status)
    if "$ref" not in schema:
        yield from _schema_examples(schema, f"{where} schema")


def _schema_examples(schema: dict, where: str) -> Iterator[Example]:
    if "$ref" in schema:
        return
    if "example" in schema:
        yield Example(f"{where} example", schema, schema["example"])
    for name, each in schema.get("properties", {}).items():
        yield from _schema_examples(each, f"{where}/properties/{name}")
    for keyword in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(keyword), dict):
            yield from _schema_examples(schema[keyword], f"{where}/{keyword}")
    for keyword in ("allOf", "anyOf", "oneOf"):
        for index, each in enumerate(schema.get(keyword, [])):
            yield from _schema_examples(each, f"{where}/{keyword}/{index}")


def field_schemas(document: dict, schema: dict, path: str) -> list[dict]:
    """The schemas that define the field at dotted `path` of a `schema` value (through
    `$ref`, array items and allOf/anyOf/oneOf); none if no schema on the way has it."""
    current = [schema]
    for key in path.split("."):
        current = [
            each["properties"][key]
            for parent in current
            for each in _object_schemas(document, parent)
            if key in each.get("properties", {})
        ]
    return current


def field_is_required(document: dict, schema: dict, path: str) -> bool:
    """Whether every object that holds the field at dotted `path` must have it."""
    *parents, key = path.split(".")
    holders = field_schemas(document, schema, ".".join(parents)) if parents else [schema]
    return bool(holders) and all(_requires(document, holder, key) for holder in holders)


def _object_schemas(document: dict, schema: dict) -> Iterator[dict]:
    schema = resolve(document, schema)
    if "items" in schema:
        yield from _object_schemas(document, schema["items"])
    yield schema
    for keyword in ("allOf", "anyOf", "oneOf"):
        for each in schema.get(keyword, []):
            yield from _object_schemas(document, each)


def _requires(document: dict, schema: dict, key: str) -> bool:
    schema = resolve(document, schema)
    if "items" in schema:
        return _requires(document, schema["items"], key)
    if key in schema.get("required", []) or any(_requires(document, s, key) for s in schema.get("allOf", [])):
        return True
    branches = schema.get("anyOf", []) + schema.get("oneOf", [])
    return bool(branches) and all(_requires(document, s, key) for s in branches)
