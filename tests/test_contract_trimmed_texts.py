"""A correct Waldur trims surrounding white space from texts before it checks them (Django REST
Framework's CharField), so the suite does not count it as accepting schema-violating data when
a body breaks the schema only by that white space; anything else it accepts still counts."""
from __future__ import annotations

import pytest

from agent_api_contracts.test_conformance import _valid_once_trimmed, conformance_schema
from agent_api_contracts.target import MOCK_TOKENS, Target

REGISTER_PROCESSOR = "/api/marketplace-site-agent-services/{uuid}/register_processor/"


@pytest.fixture(scope="module")
def operation():
    target = Target("http://127.0.0.1:9", "http://127.0.0.1:9", MOCK_TOKENS["waldur"], None, None)
    schema = conformance_schema("waldur", "http://127.0.0.1:9", f"Token {MOCK_TOKENS['waldur']}", target,
                                {"schemathesis_examples": 1})
    return schema[REGISTER_PROCESSOR]["POST"]


def case(operation, **body):
    return operation.Case(path_parameters={"uuid": "0" * 32}, body=body)


def test_a_text_too_long_only_by_its_surrounding_white_space_is_valid_once_trimmed(operation):
    assert _valid_once_trimmed(case(operation, name="main", backend_type="\x1f" + "S" * 100))
    assert _valid_once_trimmed(case(operation, name="  main  ", backend_type="SLURM"))


@pytest.mark.parametrize("body", [
    {"name": "main", "backend_type": "S" * 101},  # too long with no white space to trim
    {"name": "main", "backend_type": " " + "S" * 101},  # still too long once trimmed
    {"name": "   ", "backend_type": "SLURM"},  # blank once trimmed
    {"name": "main"},  # backend_type missing, nothing to trim
])
def test_a_body_that_stays_invalid_once_trimmed_still_counts(operation, body):
    assert not _valid_once_trimmed(case(operation, **body))
