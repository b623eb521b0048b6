"""Swagger UI for each document in spec/, at /docs/<api>/ (the document at /docs/<api>/openapi.json)."""
from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from agent_api_mock.specs import DOCUMENTS, document

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: "/docs/{api}/openapi.json", dom_id: "#swagger-ui"}});</script>
</body></html>"""


async def index(request: Request) -> Response:
    return HTMLResponse("".join(f'<p><a href="/docs/{api}/">{document(api)["info"]["title"]}</a></p>' for api in DOCUMENTS))


async def swagger_ui(request: Request) -> Response:
    api = request.path_params["api"]
    if api not in DOCUMENTS:
        return Response(orjson.dumps({"detail": "Not found."}), 404, media_type="application/json")
    return HTMLResponse(PAGE.format(api=api, title=document(api)["info"]["title"]))


async def openapi_document(request: Request) -> Response:
    api = request.path_params["api"]
    if api not in DOCUMENTS:
        return Response(orjson.dumps({"detail": "Not found."}), 404, media_type="application/json")
    return Response(orjson.dumps(document(api)), media_type="application/json")


ROUTES = [
    Route("/docs", lambda request: RedirectResponse("/docs/")),
    Route("/docs/", index),
    Mount("/docs/static", app=StaticFiles(directory=swagger_ui_path)),
    Route("/docs/{api}/", swagger_ui),
    Route("/docs/{api}/openapi.json", openapi_document),
]
