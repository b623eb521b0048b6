"""How the official clients read our documented answers, and which fields their code needs.

Waldur's `waldur-api-client` has one module per operation, named after its operationId in
a package named after its tag; its `_parse_response` is what `sync()` runs on an answer.
Prefactor's `prefactor-http` reads a success with `ApiResponse[Agent](**body)` and keeps
the error envelope's `code`, `message` and `errors` (the shapes of `ApiError` and
`DetailedApiError`).
"""

import ast
import functools
import importlib
import inspect
import re
import textwrap
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import attrs
import httpx
import pydantic
import waldur_api_client.models
from prefactor_http.models.agent import Agent
from prefactor_http.models.base import ApiError, ApiResponse, DetailedApiError
from waldur_api_client import Client
from waldur_api_client.models import (
    AgentConnectionStatsResponse,
    AgentIdentity,
    AgentProcessor,
    AgentQueueRegistrationResponse,
    AgentService,
    AgentTaskStatsResponse,
    ComponentUsage,
    ComponentUserUsage,
    ComponentUserUsageLimit,
    CourseAccount,
    IntegrationStatusDetails,
    OfferingUser,
    OfferingUserAttributeConfig,
    OrderDetails,
    OrderInfoResponse,
    ProjectServiceAccount,
    ProjectUser,
    ProviderOfferingDetails,
    ProviderPlanDetails,
    Resource,
    ServiceProvider,
    SshKey,
    Status,
    UserMe,
    Version,
)

from openapi_documents import WALDUR, Operation


class KeptRawJson(ValueError):
    """The client did not raise, but handed back raw JSON where its types promise a value it
    parsed (its generated code falls back to the raw value when parsing a union fails)."""


CLIENT_PARSE_ERRORS = (KeyError, TypeError, ValueError)  # pydantic's ValidationError and KeptRawJson are ValueErrors


def _prefactor_error_model(body: Any) -> type:
    """The SDK keeps `errors` when the envelope has it (PrefactorValidationError)."""
    return DetailedApiError if isinstance(body, dict) and "errors" in body else ApiError


# (operationId, status) -> the client model its body (each item of a list body) becomes.
CLIENT_MODELS: dict[tuple[str, str], type | Callable[[Any], type]] = {
    ("marketplace_site_agent_services_list", "200"): AgentService,
    ("marketplace_site_agent_services_retrieve", "200"): AgentService,
    ("marketplace_site_agent_services_set_statistics", "200"): AgentService,
    ("marketplace_site_agent_services_register_processor", "200"): AgentProcessor,
    ("marketplace_site_agent_services_register_processor", "201"): AgentProcessor,
    ("marketplace_site_agent_processors_retrieve", "200"): AgentProcessor,
    ("marketplace_site_agent_connection_stats_retrieve", "200"): AgentConnectionStatsResponse,
    ("marketplace_site_agent_task_stats_retrieve", "200"): AgentTaskStatsResponse,
    ("marketplace_integration_statuses_list", "200"): IntegrationStatusDetails,
    ("marketplace_integration_statuses_retrieve", "200"): IntegrationStatusDetails,
    # beyond the published pages: what waldur-site-agent 1.0.7 reads (shared/notes/waldur-site-agent.md)
    ("marketplace_site_agent_identities_list", "200"): AgentIdentity,
    ("marketplace_site_agent_identities_retrieve", "200"): AgentIdentity,
    ("marketplace_site_agent_identities_create", "201"): AgentIdentity,
    ("marketplace_site_agent_identities_update", "200"): AgentIdentity,
    ("marketplace_site_agent_identities_register_service", "200"): AgentService,
    ("marketplace_site_agent_identities_register_service", "201"): AgentService,
    ("marketplace_site_agent_identities_register_queue", "200"): AgentQueueRegistrationResponse,
    ("marketplace_site_agent_identities_register_queue", "201"): AgentQueueRegistrationResponse,
    ("users_me_retrieve", "200"): UserMe,
    ("version_retrieve", "200"): Version,
    ("marketplace_provider_offerings_retrieve", "200"): ProviderOfferingDetails,
    ("marketplace_provider_offerings_user_attribute_config_retrieve", "200"): OfferingUserAttributeConfig,
    ("marketplace_provider_offerings_list_project_service_accounts_list", "200"): ProjectServiceAccount,
    ("marketplace_provider_offerings_list_course_accounts_list", "200"): CourseAccount,
    ("marketplace_service_providers_list", "200"): ServiceProvider,
    ("marketplace_service_providers_keys_list", "200"): SshKey,
    ("marketplace_orders_list", "200"): OrderDetails,
    ("marketplace_orders_retrieve", "200"): OrderDetails,
    ("marketplace_orders_approve_by_provider", "200"): OrderInfoResponse,
    ("marketplace_provider_resources_list", "200"): Resource,
    ("marketplace_provider_resources_retrieve", "200"): Resource,
    ("marketplace_provider_resources_team_list", "200"): ProjectUser,
    ("marketplace_provider_resources_set_backend_id", "200"): Status,
    ("marketplace_provider_resources_set_limits", "200"): Status,
    ("marketplace_provider_resources_set_backend_metadata", "200"): Status,
    ("marketplace_component_usages_list", "200"): ComponentUsage,
    ("marketplace_component_user_usages_list", "200"): ComponentUserUsage,
    ("marketplace_offering_users_list", "200"): OfferingUser,
    ("component_user_usage_limits_list", "200"): ComponentUserUsageLimit,
    ("marketplace_plans_retrieve", "200"): ProviderPlanDetails,
    ("create_agent", "201"): ApiResponse[Agent],
    ("create_agent", "200"): ApiResponse[Agent],
    ("create_agent", "default"): _prefactor_error_model,
}


@dataclass(frozen=True)
class ClientReading:
    """How an official client reads one kind of answer."""

    model: type
    read: Callable[[Any], Any]  # raises one of CLIENT_PARSE_ERRORS when it cannot


def client_reading(document_name: str, op: Operation, status: str, body: Any) -> ClientReading | None:
    """How the official client reads `body` as `op`'s `status` answer, if it reads it at all."""
    model = CLIENT_MODELS.get((op.operation_id, status))
    if model is None:
        return None
    if not isinstance(model, type):
        model = model(body)
    if document_name == WALDUR:
        return ClientReading(model, functools.partial(_read_like_waldur_client, op, status))
    return ClientReading(model, lambda body: model(**body))


def waldur_client_module(op: Operation):
    """The client's module for `op`: named after its operationId, in a package named after its tag."""
    package = op.spec["tags"][0].replace("-", "_")
    return importlib.import_module(f"waldur_api_client.api.{package}.{op.operation_id}")


def waldur_client_reading_of(op: Operation) -> dict[str, bool]:
    """status -> whether the client's `_parse_response` reads a body for it, for every status it
    accepts (any other status raises `UnexpectedStatus`, and so does 404)."""
    source = inspect.getsource(waldur_client_module(op)._parse_response)
    source = source.replace("HTTPStatus.OK", "200")  # the HEAD counts' parsers
    branches = re.split(r"if response\.status_code == (\d+):", source)
    return {status: "response.json()" in branch
            for status, branch in zip(branches[1::2], branches[2::2]) if not branch.strip().startswith("raise")}


def _read_like_waldur_client(op: Operation, status: str, body: Any) -> Any:
    module = waldur_client_module(op)
    url = "https://waldur.example.com" + op.path
    answer = httpx.Response(int(status), json=body, request=httpx.Request(op.method.upper(), url))
    parsed = module._parse_response(client=Client(base_url="https://waldur.example.com"), response=answer)
    if raw := list(_values_not_of_their_declared_type(parsed)):
        raise KeptRawJson(f"the client kept raw JSON at {raw}")
    return parsed


def _values_not_of_their_declared_type(parsed: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(parsed, list):
        for item in parsed:
            yield from _values_not_of_their_declared_type(item, prefix)
    elif attrs.has(type(parsed)):
        hints = typing.get_type_hints(type(parsed), localns=vars(waldur_api_client.models))
        for attribute in attrs.fields(type(parsed)):
            value = getattr(parsed, attribute.name)
            if not _is_of_type(value, hints[attribute.name]):
                yield f"{prefix}{attribute.name}"
            yield from _values_not_of_their_declared_type(value, f"{prefix}{attribute.name}.")


def _is_of_type(value: Any, declared: Any) -> bool:
    origin, arguments = typing.get_origin(declared), typing.get_args(declared)
    if declared is Any:
        return True
    if origin is typing.Union:
        return any(_is_of_type(value, each) for each in arguments)
    if origin is list:
        return isinstance(value, list) and all(_is_of_type(item, arguments[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict)
    if declared is type(None):
        return value is None
    if declared is float:
        return isinstance(value, (int, float))
    return isinstance(value, declared) if isinstance(declared, type) else True


def required_by_code(parsed: Any, prefix: str = "") -> Iterator[str]:
    """Paths of the fields the client's code cannot do without, for the objects in `parsed`:
    a `d.pop(key)` without a default in a waldur-api-client model's `from_dict`, a required
    field of a pydantic model."""
    if isinstance(parsed, list):
        for item in parsed:
            yield from required_by_code(item, prefix)
    elif isinstance(parsed, pydantic.BaseModel):
        for name, model_field in type(parsed).model_fields.items():
            if model_field.is_required():
                yield prefix + name
            yield from required_by_code(getattr(parsed, name), f"{prefix}{name}.")
    elif attrs.has(type(parsed)) and hasattr(parsed, "from_dict"):
        for key in _popped_without_default(type(parsed)):
            yield prefix + key
        for attribute in attrs.fields(type(parsed)):
            if attribute.name != "additional_properties":
                yield from required_by_code(getattr(parsed, attribute.name), f"{prefix}{attribute.name}.")


@functools.cache
def _popped_without_default(model: type) -> frozenset[str]:
    source = textwrap.dedent(inspect.getsource(model.from_dict))
    return frozenset(
        call.args[0].value
        for call in ast.walk(ast.parse(source))
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "pop"
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Constant)
    )
