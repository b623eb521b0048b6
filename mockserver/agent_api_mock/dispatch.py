"""The ASGI app inside Connexion's middleware: calls the handler of the operation Connexion routed
the request to.

Connexion's documented way to serve a spec from another ASGI app: `ConnexionMiddleware`
routes, authenticates and validates, and puts the operation in its context; the app behind it
calls the operation's function. A handler that takes nothing but string path parameters (every
write, every handler of one object) gets them as Connexion routed them; any other is wrapped
once, per operation, in Connexion's public `StarletteDecorator` (its query parameters as
keyword arguments), where Connexion's own `AsyncApp` wraps every handler anew on each request.
Handlers answer Starlette responses (responses.py), which the decorator passes through.
"""
from __future__ import annotations

import inspect

from connexion.context import operation as routed_operation
from connexion.decorators import StarletteDecorator
from connexion.lifecycle import ConnexionRequest
from starlette.exceptions import HTTPException

from agent_api_spec.operations import OperationIndex


def path_arguments_only(operation) -> list[str] | None:
    """The names the handler takes, when each is a string path parameter of the operation."""
    path_strings = {parameter["name"] for parameter in operation.parameters
                    if parameter["in"] == "path" and parameter.get("schema", {}).get("type") == "string"}
    names = []
    for parameter in inspect.signature(operation.function).parameters.values():
        if parameter.kind is not parameter.POSITIONAL_OR_KEYWORD or parameter.name not in path_strings:
            return None
        names.append(parameter.name)
    return names


def caller(operation):
    """(scope, receive -> response) for the operation's handler; keeps nothing of `operation`
    (Connexion's context proxy) but what it reads now."""
    function, names = operation.function, path_arguments_only(operation)
    if names is not None:
        async def call(scope, receive):
            path_params = scope["path_params"]
            return await function(**{name: path_params[name] for name in names})
        return call
    decorated = StarletteDecorator().decorate(function)
    uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())

    async def call_decorated(scope, receive):
        return await decorated(ConnexionRequest(scope, receive, uri_parser=uri_parser))
    return call_decorated


class CallHandler:
    def __init__(self, operations: OperationIndex):
        self.operations = operations
        self.callers: dict[str, object] = {}  # operationId -> caller()

    async def __call__(self, scope, receive, send) -> None:
        operation_id = scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")
        if operation_id is None:  # no operation of either document serves this method and path
            raise HTTPException(405 if self.operations.allowed_methods(scope["path"]) else 404)
        call = self.callers.get(operation_id)
        if call is None:
            call = self.callers[operation_id] = caller(routed_operation)
        response = await call(scope, receive)
        await response(scope, receive, send)
