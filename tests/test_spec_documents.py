"""The OpenAPI documents in spec/: valid, consistent with their own examples, and
consistent with what the official clients (waldur-api-client, prefactor-http) read."""

import functools
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from client_differences import (
    CLIENT_CANNOT_READ,
    CLIENT_REQUIRED_BUT_OPTIONAL_IN_SPEC,
    SPEC_REQUIRED_BUT_OPTIONAL_IN_CLIENT,
    STATUSES_THE_CLIENT_DOES_NOT_EXPECT,
)
from json_paths import key_paths, replaced, without
from official_clients import (
    CLIENT_MODELS,
    CLIENT_PARSE_ERRORS,
    ClientReading,
    client_reading,
    required_by_code,
    waldur_client_reading_of,
)
from openapi_documents import DOCUMENTS, WALDUR, Example, examples, load, operations, resolve
from openapi_schemas import validator_for

ALL_OPERATIONS = [(name, op) for name in DOCUMENTS for op in operations(load(name))]
ALL_EXAMPLES = [(name, example) for name in DOCUMENTS for example in examples(load(name))]


def params(pairs):
    return [pytest.param(name, each, id=f"{name} {getattr(each, 'where', each)}") for name, each in pairs]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_is_valid_openapi_3_0_3(name):
    document = load(name)
    assert document["openapi"] == "3.0.3"
    errors = OpenAPIV30SpecValidator(document).iter_errors()
    assert [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors] == []


def test_operation_ids_are_unique_across_both_documents():
    counts = Counter(op.operation_id for _, op in ALL_OPERATIONS)
    assert [operation_id for operation_id, count in counts.items() if count > 1] == []


@pytest.mark.parametrize(("name", "op"), params(ALL_OPERATIONS))
def test_every_operation_has_an_operation_id_a_summary_and_security(name, op):
    assert op.operation_id, f"{op} has no operationId"
    assert op.spec.get("summary"), f"{op} has no summary"
    security = op.spec.get("security", load(name).get("security"))
    assert security, f"{op} declares no security, and neither does {name}"


@pytest.mark.parametrize(("name", "example"), params(ALL_EXAMPLES))
def test_every_example_satisfies_its_schema(name, example):
    problems = [error.message for error in validator_for(example.schema, load(name)).iter_errors(example.value)]
    assert problems == [], f"{name}: {example.where}"


# --- what the official clients read ---------------------------------------------------


@dataclass(frozen=True)
class ClientCase:
    """A documented answer and how the official client reads it."""

    document: str
    example: Example
    reading: ClientReading

    @property
    def model_name(self) -> str:
        return self.reading.model.__name__

    @property
    def unreadable(self):
        return CLIENT_CANNOT_READ.get(self.example.operation.operation_id)

    def readable_body(self):
        """The example, with what the client is known not to read replaced by what it reads."""
        if self.unreadable is None:
            return self.example.value
        return replaced(self.example.value, self.unreadable.path, self.unreadable.readable_stand_in)

    def __str__(self) -> str:
        return self.example.where


def _client_cases() -> list[ClientCase]:
    cases = []
    for name, example in ALL_EXAMPLES:
        if example.status is None:
            continue
        reading = client_reading(name, example.operation, example.status, example.value)
        if reading is not None:
            cases.append(ClientCase(name, example, reading))
    return cases


CLIENT_CASES = _client_cases()
CLIENT_MODEL_NAMES = sorted({case.model_name for case in CLIENT_CASES})


WALDUR_SUCCESSES = [
    pytest.param(op, status, id=f"{op.operation_id} {status}")
    for op in operations(load(WALDUR)) for status in op.spec["responses"] if status.startswith("2")
]


@pytest.mark.parametrize(("op", "status"), WALDUR_SUCCESSES)
def test_every_success_is_one_the_official_client_expects_and_every_body_it_reads_is_checked(op, status):
    """Each Waldur operation is the client's operation of that name (module per operationId and
    tag), answers only statuses its parser accepts, and each answer it reads a body from is
    in CLIENT_MODELS, so its examples are parsed above."""
    reads = waldur_client_reading_of(op)
    if (op.operation_id, status) in STATUSES_THE_CLIENT_DOES_NOT_EXPECT:
        assert status not in reads, f"{op.operation_id} {status}: the client does expect it now"
        return
    assert status in reads, f"{op.operation_id} answers {status}; the client accepts only {sorted(reads)}"
    has_body = "content" in resolve(load(WALDUR), op.spec["responses"][status])
    assert ((op.operation_id, status) in CLIENT_MODELS) == (reads[status] and has_body)


def test_every_answer_the_clients_read_has_an_example():
    documented = {(case.example.operation.operation_id, case.example.status) for case in CLIENT_CASES}
    assert set(CLIENT_MODELS) - documented == set()


@pytest.mark.parametrize("case", CLIENT_CASES, ids=str)
def test_every_response_example_parses_with_the_official_client(case):
    if case.unreadable is not None:
        with pytest.raises(CLIENT_PARSE_ERRORS):  # see client_differences.CLIENT_CANNOT_READ
            case.reading.read(case.example.value)
    parsed = case.reading.read(case.readable_body())
    is_list = isinstance(case.example.value, list)
    assert isinstance(parsed, list) == is_list
    for each in parsed if is_list else [parsed]:
        assert isinstance(each, case.reading.model)


class DeletionEffect(NamedTuple):
    client_fails: bool
    spec_rejects: bool


@functools.cache
def deletion_effects(model_name: str) -> dict[str, DeletionEffect]:
    """What deleting each field of the examples a client model reads does: does the client
    then fail to parse the example, does our spec then reject it?"""
    effects: dict[str, DeletionEffect] = {}
    for case in CLIENT_CASES:
        if case.model_name != model_name:
            continue
        body = case.readable_body()
        validator = validator_for(case.example.schema, load(case.document))
        assert validator.is_valid(body) and _client_reads(case, body), f"{case} is no valid starting point"
        for path in key_paths(body):
            mutilated = without(body, path)
            before = effects.get(path, DeletionEffect(False, False))
            effects[path] = DeletionEffect(
                before.client_fails or not _client_reads(case, mutilated),
                before.spec_rejects or not validator.is_valid(mutilated),
            )
    return effects


def _client_reads(case: ClientCase, body) -> bool:
    try:
        case.reading.read(body)
    except CLIENT_PARSE_ERRORS:
        return False
    return True


@pytest.mark.parametrize("model_name", CLIENT_MODEL_NAMES)
def test_deleting_a_field_the_client_requires_makes_the_example_invalid(model_name):
    effects = deletion_effects(model_name)
    if required_by_client_code(model_name):
        assert any(effect.client_fails for effect in effects.values()), f"{model_name} examples: nothing to check"
    only_client_requires = {path for path, effect in effects.items() if effect.client_fails and not effect.spec_rejects}
    assert only_client_requires == set(CLIENT_REQUIRED_BUT_OPTIONAL_IN_SPEC.get(model_name, {}))


@pytest.mark.parametrize("model_name", CLIENT_MODEL_NAMES)
def test_fields_only_the_spec_requires_are_listed_with_a_reason(model_name):
    effects = deletion_effects(model_name)
    only_spec_requires = {path for path, effect in effects.items() if effect.spec_rejects and not effect.client_fails}
    explained = SPEC_REQUIRED_BUT_OPTIONAL_IN_CLIENT.get(model_name, {})
    for path in sorted(only_spec_requires & set(explained)):
        print(f"{model_name}: the spec requires {path} and the client does not: {explained[path]}")
    assert only_spec_requires == set(explained)


@pytest.mark.parametrize("model_name", CLIENT_MODEL_NAMES)
def test_the_fields_found_by_deletion_are_the_ones_the_client_code_requires(model_name):
    """The examples exercise every field the client's code requires, and nothing else breaks it."""
    from_deletion = {path for path, effect in deletion_effects(model_name).items() if effect.client_fails}
    assert from_deletion == required_by_client_code(model_name)


@functools.cache
def required_by_client_code(model_name: str) -> frozenset[str]:
    """The fields of the examples that the client's code cannot do without (none, for the
    models of the answers Waldur filters with `field=`)."""
    found = set()
    for case in CLIENT_CASES:
        if case.model_name == model_name:
            found |= set(required_by_code(case.reading.read(case.readable_body())))
    return frozenset(found)
