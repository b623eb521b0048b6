"""GET / : where things are on a running mock (the two APIs, their docs and documents, the
/__admin/ surface when it is served), as JSON, or as an HTML page for a browser (Accept:
text/html). It needs no credentials: it shows nothing of the state. Under a session's prefix
(GET /sessions/<name>/), the links carry the prefix and `session` names it."""
from __future__ import annotations

import functools
import html
from importlib import metadata

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from agent_api_mock.sessions import PREFIX, session_of
from agent_api_spec.operations import DOCUMENTS, document, documented

DESCRIPTION = "Stateful mock of the Waldur site-agent and Prefactor agent APIs."


@functools.cache
def version() -> str:
    """The installed distribution's version (the `mockserver --version` line says the same)."""
    try:
        return metadata.version("agent-api-contracts")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def apis(prefix: str = "") -> list[dict]:
    index = documented()
    return [{"api": api, "title": document(api)["info"]["title"], "version": document(api)["info"]["version"],
             "paths": index.prefixes[api], "operations": sum(1 for op in index.all if op.api == api),
             "docs": f"{prefix}/docs/{api}/", "openapi": f"{prefix}/docs/{api}/openapi.json"} for api in DOCUMENTS]


def contents(admin_surface: bool, session: str | None = None) -> dict:
    """`session`: the named session the index is asked under (its links carry its prefix)."""
    prefix = f"{PREFIX}{session}" if session else ""
    found = {"name": "mockserver", "version": version(), "description": DESCRIPTION, "apis": apis(prefix),
             "docs": f"{prefix}/docs/"}
    if session:
        found["session"] = session
    if admin_surface:
        found["admin"] = f"{prefix}/__admin/"
    return found


def page(found: dict) -> str:
    def link(path: str) -> str:
        return f'<a href="{html.escape(path)}">{html.escape(path)}</a>'

    rows = "".join(f"<li><b>{html.escape(api['title'])}</b> {html.escape(api['version'])}: paths under "
                   f"<code>{html.escape(api['paths'])}</code>, {api['operations']} operations; "
                   f"docs {link(api['docs'])}, document {link(api['openapi'])}</li>" for api in found["apis"])
    admin = (f"<p>Test control (reset, state, recorded requests, faults): {link(found['admin'])}</p>"
             if "admin" in found else "")
    session = (f"<p>Session <b>{html.escape(found['session'])}</b>: a copy of the mock of its own "
               f"(its state, recorded requests and faults)</p>" if "session" in found else "")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>mockserver</title></head>'
            f'<body style="font-family: sans-serif; margin: 1em 2em"><h1>mockserver {html.escape(found["version"])}</h1>'
            f"<p>{html.escape(found['description'])}</p>{session}<ul>{rows}</ul><p>All docs: {link(found['docs'])}</p>"
            f"{admin}</body></html>\n")


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def routes(admin_surface: bool) -> list[Route]:
    @functools.lru_cache(maxsize=256)
    def answers(session: str | None) -> tuple[bytes, str]:
        found = contents(admin_surface, session)
        return orjson.dumps(found), page(found)

    async def index(request: Request) -> Response:
        as_json, as_html = answers(session_of(request.scope))
        if wants_html(request):
            return HTMLResponse(as_html, headers={"Vary": "Accept"})
        return Response(as_json, media_type="application/json", headers={"Vary": "Accept"})

    return [Route("/", index, methods=["GET"])]
