"""Layer 1: every operation against its spec, with Schemathesis's generated valid and invalid
requests (examples, coverage and fuzzing phases) and all of its built-in checks."""
from __future__ import annotations

import re
import zlib

import jsonschema
import pytest
import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig

from agent_api_contracts import observed
from agent_api_contracts.documents import document, lenient_query_parameters
from agent_api_contracts.found import FOUND, FoundObjects
from agent_api_contracts.rules.conformance import as_httpx, call_and_validate
from agent_api_contracts.schemas import validator_for

# Checks that need a stateful run; Schemathesis runs them in test_stateful.py.
STATEFUL_ONLY = ["use_after_free", "ensure_resource_availability"]
# What the docs leave open and real servers differ in (docs/sources.md#what-the-suites-judge):
# Waldur's `Allow` lists methods that themselves answer 405.
NOT_JUDGED = {"waldur": ["allow_header_conformance"], "prefactor": []}
UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def conformance_schema(api: str, base_url: str, authorization: str, target, profile: dict,
                       support_authorization: str | None = None):
    schema = schemathesis.openapi.from_dict(document(api), config=SchemathesisConfig())
    schema.config.update(base_url=base_url)
    found = FoundObjects(api, base_url, authorization)

    @schema.hook("after_call")
    def observe(context, case, response):
        observed.current.answer(case.method, case.formatted_path, response.status_code,
                                (api, case.operation.definition.raw.get("operationId")),
                                body=None if (case.query or {}).get("field") else json_of(response),
                                exchange=lambda: as_httpx(response))

    # Generated cases (every phase) name the objects the suite found, not random uuids, so a
    # write body reaches a real object instead of stopping at 404. Unknown uuids are test_access.py's.
    FOUND[schema.raw_schema["info"]["title"]] = found

    @schema.auth()
    class Credentials:
        """The manager's credential, except on support-only operations (`x-required-role`)."""

        def get(self, case, context):
            return {None: authorization, "support": support_authorization or authorization}

        def set(self, case, credentials, context):
            role = case.operation.definition.raw.get("x-required-role")
            case.headers = {**(case.headers or {}), "Authorization": credentials.get(role, authorization)}

    # Deterministic, like the rule layer: a contract gate must give the same verdict twice.
    schema.config.generation.update(max_examples=profile["schemathesis_examples"], deterministic=True,
                                    database="none")
    excluded = list(STATEFUL_ONLY) + NOT_JUDGED[api]
    if target.read_only:
        schema = schema.include(method=["GET", "HEAD"])
        excluded.append("unsupported_method")  # it would send DELETE, PUT... to real objects
    schema.config.checks.update(excluded_check_names=excluded)
    lenient = lenient_query_parameters(api)

    # The service ignores invalid values of `x-lenient` parameters, so accepting them is no bug.
    @schema.hook("filter_query")
    def only_meaningful_values_of_lenient_parameters(context, query):
        return not any(name in lenient and not _conforms(value, lenient[name]) for name, value in (query or {}).items())

    @schema.hook("filter_failure")
    def accepted_invalid_lenient_parameters_are_no_failure(context, failure, case, response):
        if type(failure).__name__ == "RejectedPositiveData":
            return not _refused_for_an_object_it_names(case, response)
        if type(failure).__name__ != "AcceptedNegativeData":
            return True
        if api == "waldur" and _valid_once_trimmed(case):
            return False
        mutated = _mutated_parameters(case)
        harmless = lenient.keys() | _sent_as_empty_list(case)
        return not (mutated and mutated <= harmless)

    return schema




def json_of(response) -> object:
    """The answer's JSON, None when it is none (for the drift findings, never a failure)."""
    try:
        return response.json()
    except ValueError:
        return None


@schemathesis.hook("before_call")
def name_found_objects(context, case, kwargs):
    """A valid uuid in the path becomes one of a found object (chosen by the case's content, so a
    replay sends the same one); schemas the suite did not make are left alone."""
    title = getattr(case.operation.schema, "raw_schema", {}).get("info", {}).get("title")
    found = FOUND[title].get(case.operation.path) if title in FOUND else None
    uuid = (case.path_parameters or {}).get("uuid")
    if found and isinstance(uuid, str) and UUID.match(uuid):
        choice = zlib.crc32(repr((case.method, case.body, case.query)).encode()) % len(found)
        case.path_parameters = {**case.path_parameters, "uuid": found[choice]}


def _refused_for_an_object_it_names(case, response) -> bool:
    """A schema-valid body that names an object which does not exist (a random uuid, a component
    type the offering lacks), or repeats another object's unique values, is rightly a 400 for
    those fields (`x-refers-to-objects`, `x-unique-together` in spec/)."""
    operation = case.operation.definition.raw
    fields = {name.split(".")[0] for name in operation.get("x-refers-to-objects", [])}
    if operation.get("x-unique-together"):
        fields.add("non_field_errors")
    if not fields or response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body) and set(body) <= fields


def _valid_once_trimmed(case) -> bool:
    """A body that breaks the schema only by surrounding white space (a `backend_type` of 101
    characters, the first a space) is valid for Waldur: Django REST Framework's CharField trims
    the text before its validators (max_length, blank) run (rest_framework/fields.py:
    CharField.to_internal_value returns value.strip(); Field.run_validation runs the validators
    on that), so accepting it is no bug. Python's str.strip() is DRF's, white space included."""
    body = case.body
    if not isinstance(body, dict):
        return False
    trimmed = {name: value.strip() if isinstance(value, str) else value for name, value in body.items()}
    schema = (case.operation.definition.raw.get("requestBody", {}).get("content", {})
              .get("application/json", {}).get("schema"))
    return trimmed != body and schema is not None and validator_for(schema, case.operation.schema.raw_schema).is_valid(trimmed)


def _sent_as_empty_list(case) -> set[str]:
    """Comma-separated array parameters sent as `name=`: on the wire that is the empty list,
    which is valid, whatever invalid one-element list Schemathesis meant by it."""
    arrays = {p.name for p in case.operation.query
              if p.definition.get("schema", {}).get("type") == "array" and p.definition.get("explode") is False}
    return {name for name, value in (case.query or {}).items() if name in arrays and value in ("", [""], [])}


def _mutated_parameters(case) -> set[str]:
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    if getattr(data, "parameter", None):
        return {data.parameter}
    return {m.parameter for m in getattr(data, "mutations", ()) if getattr(m, "parameter", None)}


def _conforms(value, schema: dict) -> bool:
    if schema.get("type") == "integer" and isinstance(value, str):
        return value.lstrip("-").isdigit()
    if schema.get("type") == "boolean" and isinstance(value, str):
        return value in ("true", "false")
    return jsonschema.Draft4Validator(schema).is_valid(value)


@pytest.fixture(scope="session")
def waldur_openapi(target, contract_profile, waldur_credentials):
    url, manager, support = waldur_credentials
    return conformance_schema("waldur", url, manager, target, contract_profile, support)


@pytest.fixture(scope="session")
def prefactor_openapi(target, contract_profile, prefactor_credentials):
    url, token = prefactor_credentials
    return conformance_schema("prefactor", url, token, target, contract_profile)


waldur = schemathesis.pytest.from_fixture("waldur_openapi")
prefactor = schemathesis.pytest.from_fixture("prefactor_openapi")


# One failure per operation, the first found: several would come as a bare exception group.
@pytest.mark.waldur
@waldur.parametrize()
@settings(report_multiple_bugs=False)
def test_waldur_operation_conforms_to_spec(case):
    call_and_validate(case)


@pytest.mark.prefactor
@prefactor.parametrize()
@settings(report_multiple_bugs=False)
def test_prefactor_operation_conforms_to_spec(case):
    call_and_validate(case)
