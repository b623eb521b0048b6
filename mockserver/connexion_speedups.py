"""Two costs Connexion 3.3 pays on every request that the mock need not.

- It inspects the handler's and the auth function's signatures on each call
  (`inspect_function_arguments`, ~3 `inspect.signature` per request): the answer depends only
  on the function, so it is cached.
- Its default middleware stack includes Swagger UI (docs.py serves ours), lifespan handling
  (the outer Starlette app has it) and response validation (only wanted with
  --validate-responses): `middlewares()` leaves out what is not used.
"""
from __future__ import annotations

import functools

import connexion.decorators.parameter
import connexion.security
import connexion.utils
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware

_inspect = functools.lru_cache(maxsize=256)(connexion.utils.inspect_function_arguments)
connexion.decorators.parameter.inspect_function_arguments = _inspect
connexion.security.inspect_function_arguments = _inspect


def middlewares(validate_responses: bool) -> list:
    unused = {SwaggerUIMiddleware, LifespanMiddleware}
    if not validate_responses:
        unused.add(ResponseValidationMiddleware)
    return [layer for layer in ConnexionMiddleware.default_middlewares if layer not in unused]
