"""Costs Connexion 3.3 pays on every request that the mock need not.

- It inspects the handler's and the auth function's signatures on each call
  (`inspect_function_arguments`, ~3 `inspect.signature` per request): the answer depends only
  on the function, so it is cached.
- It wraps each handler in its decorators anew on every request (`AsyncOperation.fn`, then
  `ASGIDecorator.decorate` inside it: five `functools.wraps` a request), and builds a new URI
  parser for it each time. Both depend only on the operation (the request is read from context
  variables when the handler runs; the parser keeps nothing of a request), so each is built
  once per operation.
- It turns each parameter name into a Python name with three regular expressions, on every
  request (`sanitized`): cached per name.
- Its default middleware stack includes Swagger UI (docs.py serves ours), lifespan handling
  (the outer Starlette app has it) and response validation (only wanted with
  --validate-responses): `middlewares()` leaves out what is not used.
"""
from __future__ import annotations

import functools

import connexion.decorators.parameter
from connexion.apps.asynchronous import AsyncOperation
from connexion.context import receive, scope
from connexion.decorators.main import ASGIDecorator
import connexion.security
import connexion.utils
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware

_inspect = functools.lru_cache(maxsize=256)(connexion.utils.inspect_function_arguments)
connexion.decorators.parameter.inspect_function_arguments = _inspect
connexion.security.inspect_function_arguments = _inspect

connexion.decorators.parameter.sanitized = functools.lru_cache(maxsize=1024)(connexion.decorators.parameter.sanitized)

AsyncOperation.fn = functools.cached_property(AsyncOperation.fn.fget)
AsyncOperation.fn.__set_name__(AsyncOperation, "fn")


def _decorate_once(decorator: ASGIDecorator, function):
    decorated = uri_parser = None

    @functools.wraps(function)
    async def wrapper(*args, **kwargs):
        nonlocal decorated, uri_parser
        if decorated is None:  # the first request: the operation's context is set only now
            decorated, uri_parser = decorator.decorate(function), decorator.uri_parser
        # The scope and receive themselves, not Connexion's proxies of them: the request reads
        # its scope a few dozen times, each a proxy lookup.
        request = decorator.framework.get_request(uri_parser=uri_parser, scope=scope._get_current_object(),
                                                  receive=receive._get_current_object())
        return await decorated(request)

    return wrapper


ASGIDecorator.__call__ = _decorate_once


def middlewares(validate_responses: bool) -> list:
    unused = {SwaggerUIMiddleware, LifespanMiddleware}
    if not validate_responses:
        unused.add(ResponseValidationMiddleware)
    return [layer for layer in ConnexionMiddleware.default_middlewares if layer not in unused]
