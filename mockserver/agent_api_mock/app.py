"""The mock as an ASGI app: Connexion serving both documents in spec/, wrapped in the
layers of middleware.py, with the /__admin/ surface beside it, for the default session and
the named ones under /sessions/<name>/ (sessions.py)."""
from __future__ import annotations

import functools
import logging

from connexion import ConnexionMiddleware
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import (
    NonConformingResponse,
    OAuthProblem,
    ProblemException,
    UnsupportedMediaTypeProblem,
)
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound

from agent_api_mock import admin, docs, index
from agent_api_mock.answer_cache import Answers, ReuseAnswers
from agent_api_mock.dispatch import CallHandler
from agent_api_mock.request_validation import ValidateRequests
from agent_api_mock.events import Events
from agent_api_mock.auth import NOT_PROVIDED, PREFACTOR_SECURITY, WALDUR_SECURITY, WWW_AUTHENTICATE
from agent_api_mock.errors import ApiError, error_for_path, to_connexion_response
from agent_api_mock.resources import handler_for
from agent_api_mock.journal import Journal
from agent_api_mock.faults import Faults
from agent_api_mock.middleware import AccessLog, BufferBody, CorsForBrowsers, JsonErrorsOnly, RecordRequests, SelectSession, SimulateTrouble
from agent_api_mock.shared_state import SharedState
from agent_api_mock.sessions import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_SESSIONS, MB, SessionStates, Sessions
from agent_api_mock.store import StateNotSaved, Store
from agent_api_mock.validation import PrefactorBodyValidator, WaldurBodyValidator, WaldurParameterValidator
from agent_api_spec.operations import OperationIndex, document

log = logging.getLogger("mockserver")
# Both documents mount at "", where Connexion's per-API Swagger UI would shadow one another: docs.py serves it.
NO_CONNEXION_UI = SwaggerUIOptions(swagger_ui=False, serve_spec=False)


class Mock:
    """One session of the running mock (sessions.py): its state, the journal of what it received,
    pending faults, the answers it may reuse until its state changes (answer_cache.py), and the
    event consumers and events its writes published (to `broker` when given: the default session
    only). `operations` (from spec/, never changed) is shared by the
    sessions."""

    def __init__(self, store: Store, operations: OperationIndex | None = None, broker=None):
        self.store = store
        self.events = Events(broker)
        self.journal = Journal()
        self.faults = Faults()
        self.answers = Answers()
        self.operations = operations or OperationIndex()


def problem_answer(request: ConnexionRequest, error: Exception):
    """Every failure Connexion raises, in the format of the API the path belongs to."""
    path, method = request.url.path, request.method
    if isinstance(error, ApiError):
        answer = error
    elif isinstance(error, StateNotSaved):
        answer = error_for_path(path, 503, str(error))
    elif isinstance(error, OAuthProblem):
        answer = error_for_path(path, 401, NOT_PROVIDED, "The API token is missing or invalid.", WWW_AUTHENTICATE)
        if path.startswith("/api/v1/"):
            answer.headers = {}
    elif isinstance(error, UnsupportedMediaTypeProblem):
        media_type = request.headers.get("content-type", "")
        answer = error_for_path(path, 415, f'Unsupported media type "{media_type}" in request.')
    elif isinstance(error, NonConformingResponse):
        log.error("response does not conform to the spec: %s %s: %s", method, path, error.detail)
        answer = error_for_path(path, 500, f"Response does not conform to the spec: {error.detail}")
    elif isinstance(error, (HTTPException, ProblemException)) and getattr(error, "status_code", 500) == 405:
        allowed = request.scope["mock"].operations.allowed_methods(path)
        answer = error_for_path(path, 405, f'Method "{method}" not allowed.', headers={"Allow": ", ".join(allowed)})
    elif isinstance(error, (HTTPException, ProblemException)) and getattr(error, "status_code", 500) == 404:
        answer = error_for_path(path, 404, "Not found.")
    elif isinstance(error, (HTTPException, ProblemException)) and 400 <= getattr(error, "status_code", 500) < 500:
        status = error.status_code
        answer = error_for_path(path, status, str(getattr(error, "detail", "") or "Bad request."))
    else:
        log.exception("unexpected error on %s %s", method, path, exc_info=error)
        answer = error_for_path(path, 500, "A server error occurred.")
    return to_connexion_response(answer, with_body=method != "HEAD")


def connexion_layers(validate_responses: bool) -> list:
    """Connexion's default layers without those the mock does not use: Swagger UI (docs.py serves
    it), lifespan (the outer Starlette app has it) and, unless asked for, response validation;
    its request validation as request_validation.py builds it (once per operation)."""
    unused = {SwaggerUIMiddleware, LifespanMiddleware}
    if not validate_responses:
        unused.add(ResponseValidationMiddleware)
    replaced = {RequestValidationMiddleware: ValidateRequests}
    return [replaced.get(layer, layer) for layer in ConnexionMiddleware.default_middlewares if layer not in unused]


@functools.cache
def connexion_app(validate_responses: bool) -> ConnexionMiddleware:
    """The Connexion layer, one per option in a process: building it validates both documents
    (most of the cost of `create_app`), and it holds nothing of one mock's own, since the mock
    travels in each request's scope. Test suites build an app per test."""
    app = ConnexionMiddleware(CallHandler(OperationIndex()), import_name=__name__, resolver=Resolver(handler_for),
                              swagger_ui_options=NO_CONNEXION_UI, middlewares=connexion_layers(validate_responses))
    app.add_api(
        document("waldur"), name="waldur", base_path="",
        security_map=WALDUR_SECURITY,
        validator_map={"parameter": WaldurParameterValidator, "body": MediaTypeDict({"*/*json": WaldurBodyValidator})},
        validate_responses=validate_responses,
    )
    app.add_api(
        document("prefactor"), name="prefactor", base_path="",
        security_map=PREFACTOR_SECURITY,
        validator_map={"body": MediaTypeDict({"*/*json": PrefactorBodyValidator})},
        validate_responses=validate_responses,
    )
    for failure in (ApiError, ProblemException, HTTPException, Exception):
        app.add_error_handler(failure, problem_answer)
    return app


class ApiPaths(BaseRoute):
    """Connexion for the paths under /api/, tried first, as the Mount("/") after the other routes
    would (the scope unchanged): an API request does not try every route of the index, the admin
    surface and the docs."""

    def __init__(self, app):
        self.app = app

    def matches(self, scope):
        path, root_path = scope["path"], scope.get("root_path", "")
        if root_path and path.startswith(root_path + "/"):  # a server that keeps its root path in `path`
            path = path[len(root_path):]
        if scope["type"] == "http" and path.startswith("/api/"):
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope, receive, send):
        await self.app(scope, receive, send)

    def url_path_for(self, name, /, **path_params):
        raise NoMatchFound(name, path_params)


def create_app(data: dict | None = None, *, admin_surface: bool = True, validate_responses: bool = False,
               store: Store | None = None, access_log=None, state_backend=None, broker=None,
               max_sessions: int = DEFAULT_MAX_SESSIONS, max_sessions_memory_mb: float = DEFAULT_MAX_MEMORY_MB) -> Starlette:
    """`access_log`: a stream (sys.stdout) that gets a line per request; None adds no layer at all.
    Named sessions (sessions.py) start from the default store's seed, made by the same Store
    class, with `state_backend` (the --state backend) offered to keep them. `broker`: a
    broker.Broker to provision queues on and publish events to (--rabbitmq), for the default
    session; a named session keeps its events in its own log (its seed's identities and queue
    names are the default session's, so publishing them would reach the default session's agents)."""
    mock = Mock(store or Store(data), broker=broker)
    seed = mock.store._seed  # what the store was started from (a --state file's saved state may differ)
    sessions = Sessions(mock, lambda session_store: Mock(session_store, mock.operations),
                        SessionStates(seed, type(mock.store), state_backend),
                        max_sessions=max_sessions, max_memory_bytes=int(max_sessions_memory_mb * MB))
    api = connexion_app(validate_responses)
    routes = ([ApiPaths(api)] + index.routes(admin_surface) + (admin.ROUTES if admin_surface else [])
              + docs.ROUTES + [Mount("/", app=api)])
    logging_layer = [Middleware(AccessLog, operations=mock.operations, stream=access_log)] if access_log else []
    app = Starlette(routes=routes, middleware=[
        *logging_layer,
        Middleware(CorsForBrowsers, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                   expose_headers=["Link", "X-Result-Count"]),
        Middleware(SelectSession, sessions=sessions),
        Middleware(JsonErrorsOnly),
        Middleware(BufferBody),
        Middleware(RecordRequests),
        Middleware(SimulateTrouble),
        Middleware(SharedState),  # with --state postgresql://...: in step with the other processes
        Middleware(ReuseAnswers),  # inside SharedState: its catch-ups are writes that invalidate answers
    ])
    app.state.mock, app.state.sessions = mock, sessions
    return app
