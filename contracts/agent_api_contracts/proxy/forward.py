"""The proxy as an ASGI app: each request goes to its API's upstream, the upstream's answer
comes back unchanged (status, headers, body bytes), and the exchange goes to the judges.

Judging happens after the answer is sent, while the proxy has nothing else to do: the next
request's wait for its upstream, or a moment without traffic. It adds nothing to the client's
wait, except with `fail_on_violation`, where a violating answer is replaced by a 502 that
describes it. Exchanges are judged in the order they crossed, and at most JUDGED_LATER of them
wait (beyond, a request waits for them: memory stays bounded under any load). Whatever reads
the verdicts (the admin routes, the report at exit) calls `judge_waiting()` first."""
from __future__ import annotations

import asyncio
import collections
import logging
import ssl
import time
from dataclasses import dataclass

import aiohttp
import httpx
from yarl import URL

from agent_api_contracts.proxy.upstreams import Upstreams, error_body
from agent_api_spec.operations import OperationIndex

log = logging.getLogger("mockserver.proxy")

# Hop-by-hop headers (RFC 9110, 7.6.1) belong to one connection; the rest travels unchanged.
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
                        b"trailer", b"transfer-encoding", b"upgrade", b"host"})
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=5.0, sock_read=60.0)
# aiohttp would otherwise add its own to requests that had none.
NOT_ADDED = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
UNANSWERED = (aiohttp.ClientError, asyncio.TimeoutError, ValueError, ssl.SSLError)
JUDGED_LATER = 256     # exchanges waiting for their judges, at most
IDLE_SECONDS = 0.002  # without traffic, the waiting exchanges are judged after this
# A request's waiting exchanges are judged this long after it arrives: by then it is on its way
# upstream (aiohttp writes a body in a task of its own, after the step that sends the headers).
SENT_SECONDS = 0.0002


@dataclass(slots=True)
class Exchange:
    """One request and the upstream's answer as they crossed the proxy."""

    path: str  # as the client sent it (the judges find its operation by it)
    method: str
    url: str   # where it went upstream
    request_headers: list
    request_body: bytes
    status: int
    headers: list
    body: bytes
    started: float
    seconds: float
    overlapped: bool = False  # another request to the same path was under way meanwhile

    def response(self) -> httpx.Response:
        """The exchange as the judges read it: an httpx.Response carrying its request."""
        request = httpx.Request(self.method, self.url, headers=self.request_headers, content=self.request_body)
        response = httpx.Response(self.status, headers=self.headers, request=request,
                                  stream=httpx.ByteStream(self.body))
        try:
            response.read()  # decodes Content-Encoding the way a client would
        except httpx.DecodingError:
            response._content = self.body
        return response


class Proxy:
    def __init__(self, upstreams: Upstreams, observe, fail_on_violation: bool = False, verify: bool | str = True,
                 index: OperationIndex | None = None, on_shutdown=None):
        self.upstreams = upstreams
        self.observe = observe  # (Exchange) -> the server's violations (all journaled, reported); .unanswered(Exchange, error)
        self.fail_on_violation = fail_on_violation
        self.index = index or OperationIndex()
        self.on_shutdown = on_shutdown
        self.verify = verify
        self.session: aiohttp.ClientSession | None = None  # made in the server's event loop, on first use
        self.under_way: dict[str, list[list[bool]]] = {}  # path -> a flag per request under way
        self.waiting: collections.deque[Exchange] = collections.deque()  # answered, not judged yet
        self.idle_timer: asyncio.TimerHandle | None = None

    def client(self) -> aiohttp.ClientSession:
        """aiohttp, not httpx, upstream: its connection pool keeps up under concurrency (httpx's
        forwarded ~10x fewer requests a second here). Bodies stay as sent (no decompression)."""
        if self.session is None:
            context = ssl.create_default_context(cafile=self.verify if isinstance(self.verify, str) else None)
            self.session = aiohttp.ClientSession(
                timeout=UPSTREAM_TIMEOUT, auto_decompress=False, skip_auto_headers=NOT_ADDED,
                connector=aiohttp.TCPConnector(limit=200, ssl=context), cookie_jar=aiohttp.DummyCookieJar())
        return self.session

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.lifespan(receive, send)
        if scope["type"] != "http":
            return
        started = time.monotonic()
        overlapped = self.begin(scope["path"])
        try:
            await self.forward(scope, receive, send, started, overlapped)
        finally:
            self.end(scope["path"], overlapped)

    def begin(self, path: str) -> list[bool]:
        """A flag that turns True when requests to `path` overlap: the sequence judges cannot
        tell the order of concurrent writes to one object."""
        others = self.under_way.setdefault(path, [])
        flag = [bool(others)]
        for other in others:
            other[0] = True
        others.append(flag)
        return flag

    def end(self, path: str, flag: list[bool]) -> None:
        others = self.under_way[path]
        others[:] = [other for other in others if other is not flag]
        if not others:
            del self.under_way[path]

    def judge_waiting(self) -> None:
        """Hands every answered exchange to the judges, in the order they crossed."""
        if self.idle_timer is not None:
            self.idle_timer.cancel()
            self.idle_timer = None
        while self.waiting:
            exchange = self.waiting.popleft()
            try:
                self.observe(exchange)
            except Exception:  # the journal or the report failed: the traffic goes on
                log.exception("judging %s %s failed", exchange.method, exchange.path)

    def judge_later(self, exchange: Exchange) -> None:
        self.waiting.append(exchange)
        if len(self.waiting) >= JUDGED_LATER:
            self.judge_waiting()
        elif self.idle_timer is None:
            self.idle_timer = asyncio.get_running_loop().call_later(IDLE_SECONDS, self.judge_waiting)

    async def forward(self, scope, receive, send, started: float, overlapped: list[bool]):
        if self.waiting:  # judged while this request waits for its upstream
            asyncio.get_running_loop().call_later(SENT_SECONDS, self.judge_waiting)
        body = await read_body(receive)
        if body is None:
            return  # the client went away
        api = self.index.api_of(scope["path"]) or next(iter(self.upstreams.urls))
        target = self.upstreams.urls[api] + (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = [(name, value) for name, value in scope["headers"] if name not in HOP_BY_HOP]
        try:  # a malformed URL is a ValueError; an unreachable upstream a ClientError
            sent = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers + forwarded(scope)]
            async with self.client().request(scope["method"], URL(target, encoded=True), headers=sent,
                                             data=body or None, allow_redirects=False) as upstream:
                answer = await upstream.read()
                status = upstream.status
                answer_headers = [(name, value) for name, value in upstream.raw_headers if name.lower() not in HOP_BY_HOP]
        except UNANSWERED as error:
            self.judge_waiting()
            self.observe.unanswered(Exchange(scope["path"], scope["method"], target, headers, body, 502, [], b"",
                                             started, time.monotonic() - started), error)
            return await self.unreachable(api, target, error, scope, send)
        exchange = Exchange(scope["path"], scope["method"], target, headers, body, status, answer_headers, answer,
                            started, time.monotonic() - started, overlapped[0])
        if self.fail_on_violation:
            self.judge_waiting()
            violations = self.observe(exchange)
            if violations:
                return await self.refuse(api, violations, scope, send)
        await send({"type": "http.response.start", "status": status, "headers": answer_headers})
        await send({"type": "http.response.body", "body": answer})
        if not self.fail_on_violation:
            self.judge_later(exchange)

    async def unreachable(self, api, target, error, scope, send):
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        message = f"The proxy could not reach the upstream for {scope['method']} {target} ({reason})."
        log.warning("%s", message)
        await answer(send, 502, error_body(api, "bad_gateway", message), scope["method"])

    async def refuse(self, api, violations, scope, send):
        names = sorted({violation.rule.name for violation in violations})
        message = f"The upstream's answer violates the contract: {', '.join(names)}."
        body = error_body(api, "contract_violation", message, violations=[v.as_dict() for v in violations])
        await answer(send, 502, body, scope["method"])

    async def lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.judge_waiting()
                if self.session is not None:
                    await self.session.close()
                if self.on_shutdown:
                    self.on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


def forwarded(scope) -> list[tuple[bytes, bytes]]:
    """The de-facto X-Forwarded-* headers: the upstream gets its own Host (virtual hosting and
    Django's ALLOWED_HOSTS need it), and a server that trusts these builds its links to the proxy."""
    host = dict(scope["headers"]).get(b"host")
    client = scope.get("client")
    headers = [(b"x-forwarded-proto", scope.get("scheme", "http").encode())]
    if host:
        headers.append((b"x-forwarded-host", host))
    if client:
        headers.append((b"x-forwarded-for", client[0].encode()))
    return headers


async def read_body(receive) -> bytes | None:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def answer(send, status: int, body: bytes, method: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
