"""The spec's schemas as JSON Schema: the contract suites' helper (agent_api_contracts.schemas)."""
from agent_api_contracts.schemas import FORMAT_CHECKER, FORMATS_THE_DOCUMENTS_USE, to_json_schema, validator_for  # noqa: F401
