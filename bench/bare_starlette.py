"""The ceiling for throughput.py: a bare Starlette app under the same uvicorn as the mock,
answering each captured request with the mock's own response bytes, verbatim.

    python bench/bare_starlette.py CAPTURED.json PORT

CAPTURED.json is a list of {"method", "path", "status", "body"} (body as text).
"""
from __future__ import annotations

import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def endpoint(status: int, body: bytes):
    async def answer(request: Request) -> Response:
        await request.body()  # read what the client sent, as any real handler would
        return Response(body, status, media_type="application/json")
    return answer


def app_for(captured: list[dict]) -> Starlette:
    return Starlette(routes=[Route(c["path"], endpoint(c["status"], c["body"].encode()), methods=[c["method"]])
                             for c in captured])


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as stream:
        app = app_for(json.load(stream))
    # The mock's own settings (mockserver.cli): one worker, uvicorn's defaults, no access log.
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
