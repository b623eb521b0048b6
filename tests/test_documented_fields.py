"""Every parameter and field the published pages document is in our spec, where the pages
put it, and the request fields the pages mark required are required.

The pages' tables are transcribed in documented_fields.yaml; an edit of spec/ that drops
or moves one of them fails here."""

from pathlib import Path

import pytest
import yaml

from openapi_documents import field_is_required, field_schemas, load, operation, operations, resolve

DOCUMENTED = yaml.safe_load((Path(__file__).with_name("documented_fields.yaml")).read_text())
JSON = "application/json"


def _entries(kind):
    for name, documented_operations in DOCUMENTED.items():
        for operation_id, documented in documented_operations.items():
            yield from ((name, operation_id, each) for each in _items(documented.get(kind)))


def _items(documented):
    if isinstance(documented, dict):
        return documented.items()
    return documented or []


def _response_fields():
    for name, documented_operations in DOCUMENTED.items():
        for operation_id, documented in documented_operations.items():
            for status, fields in documented["responses"].items():
                yield (name, operation_id, status, None)
                yield from ((name, operation_id, status, field) for field in fields)


def _id(entry):
    return " ".join(str(part) for part in entry[1:] if part is not None)


PARAMETERS = [(name, operation_id, location, parameter)
              for location in ("query", "path")
              for name, operation_id, parameter in _entries(location)]


@pytest.mark.parametrize("entry", PARAMETERS, ids=_id)
def test_documented_parameters_are_in_the_spec(entry):
    name, operation_id, location, parameter = entry
    found = operation(load(name), operation_id).parameter(parameter, location)
    assert found is not None, f"{operation_id} has no {location} parameter {parameter}"
    if location == "path":
        assert found.get("required") is True


def _request_schema(name, operation_id):
    body = resolve(load(name), operation(load(name), operation_id).spec.get("requestBody", {}))
    return body, body.get("content", {}).get(JSON, {}).get("schema")


@pytest.mark.parametrize("entry", list(_entries("request_body")), ids=_id)
def test_documented_request_fields_are_in_the_spec_and_required_as_documented(entry):
    name, operation_id, (field, required) = entry
    body, schema = _request_schema(name, operation_id)
    assert schema is not None, f"{operation_id} has no {JSON} request body"
    assert field_schemas(load(name), schema, field), f"{operation_id}: the request has no {field}"
    if required:
        assert body.get("required") is True, f"{operation_id}: the request body is optional"
        assert field_is_required(load(name), schema, field), f"{operation_id}: {field} is optional"


@pytest.mark.parametrize("entry", list(_response_fields()), ids=_id)
def test_documented_responses_and_their_fields_are_in_the_spec(entry):
    name, operation_id, status, field = entry
    responses = operation(load(name), operation_id).spec["responses"]
    assert status in responses, f"{operation_id} has no {status} response"
    if field is None:
        return
    schema = resolve(load(name), responses[status]).get("content", {}).get(JSON, {}).get("schema")
    assert schema is not None, f"{operation_id} {status} has no {JSON} body"
    assert field_schemas(load(name), schema, field), f"{operation_id} {status}: the body has no {field}"


def _all_operations():
    for name in DOCUMENTED:
        for op in operations(load(name)):
            yield pytest.param(name, op, id=f"{name} {op.operation_id}")


@pytest.mark.parametrize(("name", "op"), list(_all_operations()))
def test_operations_beyond_the_published_pages_are_marked_and_name_their_sources(name, op):
    """shared-decisions 1: what the pages do not document carries `x-beyond-published-pages`
    and a description saying where its behaviour comes from; what they document does not."""
    on_a_page = op.operation_id in DOCUMENTED[name]
    marked = op.spec.get("x-beyond-published-pages")
    if on_a_page:
        assert marked is None, f"{op.operation_id} is on a published page but marked as beyond them"
    else:
        assert marked is True, f"{op.operation_id} is on no published page (documented_fields.yaml) and unmarked"
        assert "Sources:" in op.spec.get("description", ""), f"{op.operation_id} does not say where it comes from"
