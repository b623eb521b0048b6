"""The mock as a deployment without sessions sees it: `/__admin/sessions` and `/sessions/...`
answer 404 (served by `python tests/serve_mutant.py mock-without-sessions`)."""
from __future__ import annotations


class WithoutSessions:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and (scope["path"] == "/__admin/sessions" or scope["path"].startswith("/sessions/")):
            body = b'{"detail": "Not found."}'
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})
        await self.app(scope, receive, send)
