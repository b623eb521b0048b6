"""The proxy app: the admin surface, CORS as the mock adds it, and the forwarding."""
from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware

from agent_api_contracts.proxy.admin import OWN_PATHS, admin_router
from agent_api_contracts.proxy.forward import Proxy
from agent_api_contracts.proxy.journal import Journal
from agent_api_contracts.proxy.judging import Judging
from agent_api_contracts.proxy.report import Report
from agent_api_contracts.proxy.upstreams import Upstreams
from agent_api_spec.operations import OperationIndex


class MockCors(CORSMiddleware):
    """The mock's CORS (agent_api_mock/app.py: any origin, Link and X-Result-Count exposed) on
    cross-origin requests only, and never over an upstream that answers CORS itself: the
    preflights answered, the upstream's answer otherwise untouched."""

    async def send(self, message, send, request_headers):
        if message["type"] == "http.response.start" and "origin" in request_headers:
            headers = MutableHeaders(scope=message)
            if "access-control-allow-origin" not in headers:
                headers.update(self.simple_headers)
                if "origin" not in ",".join(headers.getlist("vary")).lower():
                    headers.append("Vary", "Origin")
        await send(message)


def create_proxy(upstreams: Upstreams, report_file: str | None = None, fail_on_violation: bool = False,
                 verify: bool | str = True, on_shutdown=None):
    index = OperationIndex()
    judging = Judging(index, Journal(), lambda operations, judges: Report(operations, judges, upstreams.urls, report_file))
    proxy = Proxy(upstreams, judging, fail_on_violation=fail_on_violation, verify=verify, index=index,
                  on_shutdown=on_shutdown and (lambda: on_shutdown(judging.report)))
    admin = admin_router(judging, proxy.judge_waiting)

    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["path"].rstrip("/") in OWN_PATHS:
            return await admin(scope, receive, send)
        await proxy(scope, receive, send)

    wrapped = MockCors(app, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                             expose_headers=["Link", "X-Result-Count"])
    wrapped.judging, wrapped.proxy = judging, proxy
    return wrapped
