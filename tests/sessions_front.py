"""A stand-in for the mock's sessions (until branch `sessions` lands, which serves them in the mock
itself), under the same URL convention: `{url}/sessions/<name>/...` is a mock of its own, made on
first use, and `GET {url}/__admin/sessions` lists the sessions; anything else is the mock's."""
from __future__ import annotations

import json
import re
from typing import Callable

SESSION_PATH = re.compile(r"^/sessions/([A-Za-z0-9_.-]+)(/.*)$")


class SessionsFront:
    def __init__(self, build: Callable[[], object]):
        self.build, self.default, self.sessions = build, build(), {}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/__admin/sessions":
            body = json.dumps([{"name": name} for name in self.sessions]).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})
        match = SESSION_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            return await self.default(scope, receive, send)
        name, rest = match.groups()
        if name not in self.sessions:
            self.sessions[name] = self.build()
        prefix = f"/sessions/{name}"
        # The mock sees its own paths (as behind a proxy that strips the prefix); its `url` fields
        # follow root_path, its Link headers the request's path: they get the prefix here.
        inner = dict(scope, path=rest, raw_path=rest.encode(), root_path=scope.get("root_path", "") + prefix)
        host = next((value for key, value in scope["headers"] if key == b"host"), b"")

        async def prefixed_links(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=[(key, value.replace(b"://" + host + b"/", b"://" + host + prefix.encode() + b"/")
                                                  if key.lower() == b"link" else value)
                                                 for key, value in message.get("headers", [])])
            await send(message)

        await self.sessions[name](inner, receive, prefixed_links)

class WithoutSessions:
    """The mock as a deployment without sessions sees it: `/__admin/sessions` and `/sessions/...` are 404."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and (scope["path"] == "/__admin/sessions" or scope["path"].startswith("/sessions/")):
            body = b'{"detail": "Not found."}'
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})
        await self.app(scope, receive, send)
