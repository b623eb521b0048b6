"""Swagger UI for each document in spec/, at /docs/<api>/ (the document at /docs/<api>/openapi.json).
Under a session's prefix (/sessions/<name>/docs/...), links and the documents' server carry the prefix;
the static assets, the same for every session, are served at /docs/static/ only.

The page works offline (its assets come from the swagger-ui-bundle package), lists the running
mock's tokens as the `Authorization` header takes them, and keeps what was entered under
"Authorize" across reloads (`persistAuthorization`). It reads a copy of the document whose
parameters carry their examples in the description instead of as `example`: Swagger UI's
"Try it out" fills every field with its example, and the spec's examples (a uuid of nothing
in the built-in data, a mode and two states at once) would make the first Execute answer `[]`.
"""
from __future__ import annotations

import copy
import functools
import html
import json

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from agent_api_mock.permissions import describe
from agent_api_mock.sessions import prefix_of
from agent_api_spec.operations import DOCUMENTS, document, resolve

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><section id="mock-tokens" style="font-family: sans-serif; margin: 1em 2em">{tokens}
<p>The OpenAPI document as it is: <a href="{prefix}/docs/{api}/openapi.json">{prefix}/docs/{api}/openapi.json</a></p></section>
<div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: "{prefix}/docs/{api}/swagger-ui.json", dom_id: "#swagger-ui", persistAuthorization: true}});</script>
</body></html>"""


def tokens_html(api: str, store) -> str:
    """The running mock's credentials, as the Authorization header takes them."""
    if api == "prefactor":
        rows = [f"<li><code>Authorization: Bearer {html.escape(token)}</code></li>" for token in sorted(store.prefactor_tokens)]
        how = ("Under <b>Authorize</b>, enter the token alone: Swagger UI adds <code>Bearer </code>. "
               "The mock's tokens:")
    else:
        rows = [f"<li><code>Authorization: Token {html.escape(user.token)}</code> ({html.escape(describe(user))})</li>"
                for user in store.users.values()]
        how = ("Under <b>Authorize</b>, enter the whole header value, <code>Token </code> included. "
               "The mock's tokens:")
    return f"<p>{how}</p><ul>{''.join(rows)}</ul>"


def _example_text(value: object) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def _without_example(api: str, parameter: dict) -> dict:
    """The parameter with its examples moved from `example`/`examples` (its own, its schema's
    and its items') into its description, so that nothing is filled in for the user."""
    parameter = copy.deepcopy(parameter)
    shown = []
    if "example" in parameter:
        shown.append(parameter.pop("example"))
    for example in parameter.pop("examples", {}).values():
        shown.append(resolve(api, example).get("value"))
    schema = parameter.get("schema")
    if isinstance(schema, dict):
        schema = copy.deepcopy(resolve(api, schema))
        if "example" in schema:
            shown.append(schema.pop("example"))
        items = schema.get("items")
        if isinstance(items, dict):
            items = copy.deepcopy(resolve(api, items))
            if "example" in items:
                shown.append([items.pop("example")])
            schema["items"] = items
        parameter["schema"] = schema
    if shown:
        text = ", ".join(f"`{_example_text(value)}`" for value in shown)
        parameter["description"] = (parameter.get("description", "").rstrip() + f"\n\nExample: {text}").strip()
    return parameter


@functools.cache
def swagger_ui_document(api: str) -> bytes:
    source = document(api)
    shown = copy.deepcopy(source)
    components = shown.get("components", {}).get("parameters", {})
    for name, parameter in components.items():
        components[name] = _without_example(api, parameter)
    for item in shown["paths"].values():
        for holder in [item, *(value for value in item.values() if isinstance(value, dict))]:
            if isinstance(holder.get("parameters"), list):
                holder["parameters"] = [p if "$ref" in p else _without_example(api, p) for p in holder["parameters"]]
    return orjson.dumps(shown)


def in_session(body: bytes, prefix: str) -> bytes:
    """A document served under a session's prefix: its server is the session's root, so that
    "Try it out" (and any tool reading the document) stays in the session."""
    if not prefix:
        return body
    shown = orjson.loads(body)
    shown["servers"] = [{**server, "url": (prefix + "/" + server["url"].strip("/")).rstrip("/")}
                         for server in shown.get("servers", [{"url": "/"}])]
    return orjson.dumps(shown)


def _unknown(api: str) -> Response | None:
    if api in DOCUMENTS:
        return None
    return Response(orjson.dumps({"detail": "Not found."}), 404, media_type="application/json")


async def index(request: Request) -> Response:
    prefix = prefix_of(request.scope)
    return HTMLResponse("".join(f'<p><a href="{prefix}/docs/{api}/">{document(api)["info"]["title"]}</a></p>'
                                for api in DOCUMENTS))


async def swagger_ui(request: Request) -> Response:
    api = request.path_params["api"]
    return _unknown(api) or HTMLResponse(PAGE.format(api=api, title=html.escape(document(api)["info"]["title"]),
                                                     prefix=prefix_of(request.scope),
                                                     tokens=tokens_html(api, request.scope["mock"].store)))


async def swagger_ui_json(request: Request) -> Response:
    api = request.path_params["api"]
    return _unknown(api) or Response(in_session(swagger_ui_document(api), prefix_of(request.scope)),
                                     media_type="application/json")


async def openapi_document(request: Request) -> Response:
    """The document exactly as spec/ has it (under a session's prefix, with that session as its server)."""
    api = request.path_params["api"]
    return _unknown(api) or Response(in_session(orjson.dumps(document(api)), prefix_of(request.scope)),
                                     media_type="application/json")


ROUTES = [
    Route("/docs", lambda request: RedirectResponse(f"{prefix_of(request.scope)}/docs/")),
    Route("/docs/", index),
    Mount("/docs/static", app=StaticFiles(directory=swagger_ui_path)),
    Route("/docs/{api}/", swagger_ui),
    Route("/docs/{api}/openapi.json", openapi_document),
    Route("/docs/{api}/swagger-ui.json", swagger_ui_json),
]
