"""Connexion's request-validation layer with what the spec fixes built once per operation.

Connexion's `RequestValidationMiddleware` builds, on every request, two URI parsers, the
parameter validator and the body validator, and looks the operation's body definition up
several times. All of them depend only on the operation (and, for the body, on the request's
Content-Type), so this layer, a drop-in for Connexion's in its middleware list, builds them once
and keeps them; an operation without parameters has no parameter validator to run. What is
validated, and how, is Connexion's and validation.py's as before.
"""
from __future__ import annotations

from connexion import utils
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)

from agent_api_mock.middleware import first_header

MEDIA_TYPES_KEPT = 32  # per operation: a client sending ever new Content-Type values grows nothing


class ValidateOperationRequests(RequestValidationOperation):
    def __init__(self, next_app, *, operation, strict_validation=False, validator_map=None):
        super().__init__(next_app, operation=operation, strict_validation=strict_validation,
                         validator_map=validator_map)
        self.uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self.parameter_validator = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=self.uri_parser,
            strict_validation=strict_validation,
            security_query_params=self.security_query_params) if operation.parameters or strict_validation else None
        self.body_validators: dict[bytes | None, object] = {}

    def body_validator(self, content_type: bytes | None):
        """The validator of a body sent as `content_type` (None when the spec gives no schema for
        it or no validator checks it); raises 415 for a media type the operation does not consume."""
        if content_type in self.body_validators:
            return self.body_validators[content_type]
        mime_type, encoding = self.extract_content_type([] if content_type is None else [(b"content-type", content_type)])
        self.validate_mime_type(mime_type)
        operation, validator = self._operation, None
        schema = operation.body_schema(mime_type)
        validator_class = self._validator_map["body"].get(mime_type) if schema else None
        if validator_class is not None:
            validator = validator_class(
                schema=schema,
                required=operation.request_body.get("required", False),
                nullable=utils.is_nullable(operation.body_definition(mime_type)),
                encoding=encoding,
                strict_validation=self.strict_validation,
                uri_parser=self.uri_parser)
        if len(self.body_validators) < MEDIA_TYPES_KEPT:
            self.body_validators[content_type] = validator
        return validator

    async def __call__(self, scope, receive, send):
        if self.parameter_validator is not None:
            self.parameter_validator.validate(scope)
        validator = self.body_validator(first_header(scope, b"content-type"))
        if validator is not None:
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


class ValidateRequestsAPI(RequestValidationAPI):
    def make_operation(self, operation):
        return ValidateOperationRequests(self.next_app, operation=operation, strict_validation=self.strict_validation,
                                         validator_map=self.validator_map)


class ValidateRequests(RequestValidationMiddleware):
    """Replaces Connexion's RequestValidationMiddleware in the mock's Connexion layers."""

    api_cls = ValidateRequestsAPI
