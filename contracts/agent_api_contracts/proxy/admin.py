"""The proxy's own test-control surface (WireMock's convention); other /__admin/ paths go to
the upstream, so a mock behind the proxy can still be reset through it.

    GET    /__admin/requests   the journal, filtered by ?method=&path=&operation_id=&status=&query=&rule=
                               (checked as the mock's are: an unknown or malformed filter is a 400)
    DELETE /__admin/requests   clear the journal
    GET    /__admin/report     the report so far (coverage, violation counts, examples); as HTML for a browser
    POST   /__admin/report     write the report files now (--report), and answer the summary
"""
from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, Router

from agent_api_contracts import html_report
from agent_api_spec.admin import journal_filters


def _json(data: object, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status, media_type="application/json")


def admin_router(judging, judge_waiting) -> Router:
    """`judge_waiting()` first: the verdicts include every exchange answered before."""
    async def requests(request: Request) -> Response:
        judge_waiting()
        if request.method == "DELETE":
            judging.journal.clear()
            return Response(status_code=204)
        try:
            criteria = journal_filters(request.query_params.multi_items(), judging.index.operation_ids,
                                       rules=set(judging.report.rules))
        except ValueError as error:
            return _json({"detail": str(error)}, 400)
        return _json(judging.journal.entries(**criteria))

    async def report(request: Request) -> Response:
        judge_waiting()
        written = judging.report.write() if request.method == "POST" else []
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):  # a browser
            return HTMLResponse(html_report.render(html_report.of_proxy(judging.report)))
        return _json({"files": written, **judging.report.summary()})

    return Router([Route("/__admin/requests", requests, methods=["GET", "DELETE"]),
                   Route("/__admin/report", report, methods=["GET", "POST"])])


OWN_PATHS = ("/__admin/requests", "/__admin/report")
