"""OpenAPI 3.0 schemas, validated by jsonschema the way OpenAPI 3.0.3 means them."""

import pytest

from openapi_schemas import FORMAT_CHECKER, FORMATS_THE_DOCUMENTS_USE, to_json_schema, validator_for

DOCUMENT = {
    "components": {
        "schemas": {
            "Uuid": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "Connection": {
                "type": "object",
                "nullable": True,
                "required": ["connected"],
                "properties": {"connected": {"type": "boolean"}},
            },
        }
    }
}


def valid(schema, value) -> bool:
    return validator_for(schema, DOCUMENT).is_valid(value)


BAD_AND_GOOD_VALUES = {
    "date-time": ("2024-13-01T12:00:00+00:00", "2024-01-01T12:00:00.123456+00:00"),
    "uri": ("no scheme, no uri", "https://waldur.example.com/api/"),
}


@pytest.mark.parametrize("format_name", FORMATS_THE_DOCUMENTS_USE)
def test_formats_the_documents_use_are_really_checked(format_name):
    assert format_name in FORMAT_CHECKER.checkers, (
        f"jsonschema cannot check {format_name!r}: install rfc3339-validator (date-time)"
        " and rfc3986-validator (uri)"
    )
    bad, good = BAD_AND_GOOD_VALUES[format_name]
    assert not valid({"type": "string", "format": format_name}, bad)
    assert valid({"type": "string", "format": format_name}, good)


def test_nullable_adds_null_to_the_type():
    assert valid({"type": "string", "nullable": True}, None)
    assert not valid({"type": "string"}, None)
    assert not valid({"type": "string", "nullable": True}, 1)


def test_nullable_does_not_widen_an_enum_without_null():
    """OpenAPI 3.0.3: other keywords "may disallow the use of null as a value"."""
    assert not valid({"type": "string", "nullable": True, "enum": ["a"]}, None)
    assert valid({"type": "string", "nullable": True, "enum": ["a", None]}, None)


def test_a_reference_reaches_the_documents_schemas_with_their_nullability():
    schema = {"$ref": "#/components/schemas/Connection"}
    assert valid(schema, {"connected": True})
    assert valid(schema, None)
    assert not valid(schema, {})


def test_combinators_are_kept():
    uuid = {"$ref": "#/components/schemas/Uuid"}
    all_of = {"allOf": [uuid, {"maxLength": 32}]}
    any_of = {"anyOf": [uuid, {"type": "integer"}]}
    one_of = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    assert valid(all_of, "0" * 32) and not valid(all_of, "x")
    assert valid(any_of, 7) and not valid(any_of, "x")
    assert valid(one_of, 1.5) and not valid(one_of, 1)


def test_boolean_exclusive_bounds_become_numeric():
    schema = {"type": "integer", "minimum": 0, "exclusiveMinimum": True}
    assert not valid(schema, 0) and valid(schema, 1)


def test_openapi_only_keywords_are_dropped():
    converted = to_json_schema({"type": "string", "example": "x", "x-lenient": True, "nullable": False}, DOCUMENT)
    assert {"example", "x-lenient", "nullable"}.isdisjoint(converted)


def test_references_outside_the_schemas_are_refused():
    with pytest.raises(ValueError):
        to_json_schema({"$ref": "#/components/parameters/Page"}, DOCUMENT)
