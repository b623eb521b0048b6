"""Request bodies that fastjsonschema passes are passed by jsonschema too (validation.py's fast
path): for every request body schema of both documents, on bodies near the schema and far from it."""
from __future__ import annotations

import pytest
from connexion.spec import Specification
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_api_mock.validation import certainly_valid, compiled, drf_body_errors, prefactor_body_errors, read_alike
from agent_api_spec.operations import document

WRITES = ("post", "put", "patch")


def request_schemas() -> list[tuple[str, dict]]:
    found = []
    for api in ("waldur", "prefactor"):
        for item in Specification.load(document(api))["paths"].values():
            for method, operation in item.items():
                content = operation.get("requestBody", {}).get("content", {}) if method in WRITES else {}
                if "application/json" in content:
                    found.append((f"{api}:{operation['operationId']}", content["application/json"]["schema"]))
    return found


SCHEMAS = request_schemas()
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
ANY_JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                        max_leaves=8)
NEAR_MISSES = st.sampled_from(["", " ", "\n", "a\n", "\x00", "2025-01-06T09:00:00Z", "2025-01-06T09:00:00Z\n",
                               "2025-13-45T99:00:00Z", "https://example.com/x", "https://exa mple.com/", "not a uri",
                               "0" * 32, "0" * 32 + "\n", "013xrzp12g3nqk8nx0y2vfkg4s3jp2qr", "x" * 300, 1.0, True, 0])


def near(schema: dict, depth: int = 0) -> st.SearchStrategy:
    """Values shaped by `schema`, with a share of wrong types, near misses and anything at all."""
    wild = ANY_JSON | NEAR_MISSES
    if depth > 4:
        return wild
    options = [wild]
    for part in schema.get("allOf", []) + schema.get("anyOf", []) + schema.get("oneOf", []):
        options.append(near(part, depth + 1))
    kind = schema.get("type")
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    if kind == "object" or "properties" in schema:
        properties, required = schema.get("properties", {}), schema.get("required", [])
        options.append(st.fixed_dictionaries(
            {name: near(sub, depth + 1) for name, sub in properties.items() if name in required},
            optional={**{name: near(sub, depth + 1) for name, sub in properties.items() if name not in required},
                      "unexpected": wild}))
    if kind == "array":
        options.append(st.lists(near(schema.get("items", {}), depth + 1), max_size=3))
    if kind == "string":
        text = st.from_regex(schema["pattern"]) if "pattern" in schema else st.text(max_size=schema.get("maxLength", 40) + 2)
        options += [text, text.map(lambda value: value + "\n")]
    if kind in ("integer", "number"):
        options.append(st.integers(min_value=-5, max_value=10 ** 6) | st.floats(min_value=-5, max_value=1e6))
    return st.one_of(options)


@pytest.mark.parametrize("name, schema", SCHEMAS, ids=[name for name, _ in SCHEMAS])
def test_a_body_the_fast_path_passes_has_no_jsonschema_error(name, schema):
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(near(schema))
    def check(body):
        if certainly_valid(schema, body):
            assert list(compiled(schema).iter_errors(body)) == [], body

    check()


def test_every_request_body_schema_of_the_documents_takes_the_fast_path():
    assert SCHEMAS and [name for name, schema in SCHEMAS if not read_alike(schema)] == []


def test_a_valid_body_is_passed_without_jsonschema_and_an_invalid_one_keeps_its_messages():
    schema = dict(request_schemas())["prefactor:create_agent"]
    assert certainly_valid(schema, {"details": {"name": "Agent"}})
    with_components = {**schema, "components": {"schemas": {}}}  # as Connexion hands a body schema over
    assert certainly_valid(with_components, {"details": {"name": "Agent"}})
    assert not certainly_valid(schema, {"details": {"name": ""}})
    assert prefactor_body_errors(schema, {"details": {"name": ""}}) == {"details.name": ["can't be blank"]}
    processor = dict(request_schemas())["waldur:marketplace_site_agent_services_register_processor"]
    assert drf_body_errors(processor, {"backend_type": "SLURM"}) == {"name": ["This field is required."]}


def test_a_null_where_the_spec_allows_it_is_left_to_jsonschema():
    schema = {"type": "object", "properties": {"description": {"type": "string", "nullable": True}}}
    assert not certainly_valid(schema, {"description": None})
    assert list(compiled(schema).iter_errors({"description": None})) == []


@pytest.mark.parametrize("schema", [
    {"$ref": "#/components/schemas/Other"},
    {"type": "array", "uniqueItems": True},
    {"type": "number", "multipleOf": 0.1},
    {"enum": [1.5, "a"]},
    {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
    {"type": "object", "properties": {"nested": {"type": "string", "const": "a"}}},
])
def test_schemas_with_keywords_the_two_may_read_apart_go_to_jsonschema_alone(schema):
    assert not read_alike(schema)
    assert not certainly_valid(schema, "anything")
