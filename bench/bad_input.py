"""Bad input against the real server over HTTP: each class must be refused with a 4xx in the
API's own format and leave the state as it was.

    .venv/bin/python bench/bad_input.py

Starts `mockserver` on a free port and sends every request over a raw socket, byte for byte,
so that nothing a client library would refuse to send is left out. The state is primed with
one processor and one idempotency key first (so that even a stray reset would show), and
GET /__admin/state is compared before and after each request.

Two layers answer bad input. What uvicorn's HTTP parser refuses (a made-up method, a NUL in
the request line, CR/LF inside a header, Content-Length with Transfer-Encoding, a request
line over 64 KiB) never reaches the app: uvicorn answers a text/plain 400 itself, which no app
can put in an API's format, so for those rows ("http") any 4xx, or a closed connection,
passes. Every other row ("app") needs the exact status in the API's own format:
Waldur `{"detail": "..."}` or a `{field: [messages]}` map, Prefactor
`{"status": "error", "code": ..., "message": ...}`.

A second table holds edge inputs the spec allows (unicode and control characters in names,
lenient page sizes, a query reflected in the Link header, statistics as deep as the 400 levels
a body may nest): they
must be accepted and read back exactly as sent. Exits 1 if any row fails.
"""
from __future__ import annotations

import json
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AGENTS, PREFACTOR, SERVICE_UUID, SERVICES, STAFF, STATUSES, start_mock, table  # noqa: E402

SERVICE = f"{SERVICES}{SERVICE_UUID}/"
REGISTER = f"{SERVICE}register_processor/"
STATISTICS = f"{SERVICE}set_statistics/"
IDENTITY = "72d9345228f55dbb8e314282c4e31525"  # hpc-site-agent, in the built-in data
# Header lines as sent on the wire.
STAFF_LINE, OWNER_LINE = "Authorization: Token waldur-staff", "Authorization: Token waldur-owner"
SUPPORT_LINE, BEARER_LINE = "Authorization: Token waldur-support", "Authorization: Bearer prefactor-dev"
JSON = "Content-Type: application/json"
IDEMPOTENCY_KEY = "bad-input-key"
PRIMING_AGENT = {"details": {"name": "bad-input-agent"}, "idempotency_key": IDEMPOTENCY_KEY}
TEN_MB = b'{"name": "' + b"x" * 10_000_000 + b'", "backend_type": "SLURM"}'
DEEP = b"[" * 100_000 + b"]" * 100_000
PARSEABLE_BUT_TOO_DEEP = b"[" * 900 + b"]" * 900  # Python's parser follows it; copying it would not


def http(method: str, path: str, headers: list = (), body: bytes = b"", *, length: bool = True) -> bytes:
    """An HTTP/1.1 request as bytes; Content-Length is added unless given or `length` is False."""
    target = path if isinstance(path, bytes) else path.encode("latin-1")
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    lines += [h.encode("latin-1") if isinstance(h, str) else h for h in headers]
    framed = any(h.lower().startswith((b"content-length:", b"transfer-encoding:")) for h in lines)
    if body and length and not framed:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(body: bytes, size: int = 65536) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)) + b"0\r\n\r\n"


@dataclass
class Case:
    name: str
    api: str          # whose error format: waldur | prefactor
    request: bytes
    status: int | None  # the exact status expected from the app; None: any 4xx from the HTTP layer
    half_close: bool = False

    @property
    def layer(self) -> str:
        return "app" if self.status else "http"


W, P = "waldur", "prefactor"
CASES = [
    Case("malformed JSON", W, http("POST", REGISTER, [STAFF_LINE, JSON], b'{"name": "x", "backend_type": '), 400),
    Case("malformed JSON", P, http("POST", AGENTS, [BEARER_LINE, JSON], b'{"details": {"name": '), 400),
    Case("body shorter than Content-Length, then EOF", W,
         http("POST", REGISTER, [STAFF_LINE, JSON, "Content-Length: 60"], b'{"name": "trunc'), None, half_close=True),
    Case("body longer than Content-Length", W,
         http("POST", REGISTER, [STAFF_LINE, JSON, "Content-Length: 12"], b'{"name": "abc", "backend_type": "x"}'), 400),
    Case("wrong Content-Type (text/plain)", W, http("POST", REGISTER, [STAFF_LINE, "Content-Type: text/plain"],
                                                     b'{"name": "p", "backend_type": "SLURM"}'), 415),
    Case("wrong Content-Type (application/xml)", P, http("POST", AGENTS, [BEARER_LINE, "Content-Type: application/xml"],
                                                         b'<details><name>x</name></details>'), 415),
    Case("multipart/form-data body", W, http("POST", REGISTER, [STAFF_LINE, "Content-Type: multipart/form-data; boundary=b"],
                                             b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\np\r\n--b--\r\n'), 415),
    Case("no Content-Type, not JSON", W, http("POST", REGISTER, [STAFF_LINE], b"name=p&backend_type=SLURM"), 400),
    Case("10 MB body", W, http("POST", REGISTER, [STAFF_LINE, JSON], TEN_MB), 413),
    Case("10 MB body", P, http("POST", AGENTS, [BEARER_LINE, JSON], TEN_MB), 413),
    Case("10 MB chunked body, no Content-Length", W,
         http("POST", REGISTER, [STAFF_LINE, JSON, "Transfer-Encoding: chunked"], chunked(TEN_MB)), 413),
    Case("JSON nested 100,000 deep in statistics", W,
         http("POST", STATISTICS, [STAFF_LINE, JSON], b'{"statistics": ' + DEEP + b"}"), 400),
    Case("JSON nested 900 deep in statistics (parseable, over the limit)", W,
         http("POST", STATISTICS, [STAFF_LINE, JSON], b'{"statistics": ' + PARSEABLE_BUT_TOO_DEEP + b"}"), 400),
    Case("JSON nested 900 deep in details (parseable, over the limit)", P,
         http("POST", AGENTS, [BEARER_LINE, JSON], b'{"details": {"name": "deep", "x": ' + PARSEABLE_BUT_TOO_DEEP + b"}}"), 400),
    Case("JSON nested 100,000 deep in details", P, http("POST", AGENTS, [BEARER_LINE, JSON], b'{"details": ' + DEEP + b"}"), 400),
    Case("NaN in JSON", W, http("POST", STATISTICS, [STAFF_LINE, JSON], b'{"statistics": NaN}'), 400),
    Case("integer of 5,000 digits", W, http("POST", STATISTICS, [STAFF_LINE, JSON], b'{"statistics": ' + b"9" * 5000 + b"}"), 400),
    Case("statistics: null", W, http("POST", STATISTICS, [STAFF_LINE, JSON], b'{"statistics": null}'), 400),
    Case("JSON array instead of an object", W, http("POST", REGISTER, [STAFF_LINE, JSON], b'[{"name": "p"}]'), 400),
    Case("JSON array instead of an object", P, http("POST", AGENTS, [BEARER_LINE, JSON], b'[{"details": {}}]'), 400),
    Case("wrong JSON types", W, http("POST", REGISTER, [STAFF_LINE, JSON], b'{"name": 5, "backend_type": ["SLURM"]}'), 400),
    Case("wrong JSON types", P, http("POST", AGENTS, [BEARER_LINE, JSON], b'{"details": "agent"}'), 422),
    Case("empty body", W, http("POST", REGISTER, [STAFF_LINE, JSON, "Content-Length: 0"]), 400),
    Case("NUL character in a name", W, http("POST", REGISTER, [STAFF_LINE, JSON], b'{"name": "a\\u0000b", "backend_type": "x"}'), 400),
    Case("invalid UTF-8 in the body", W, http("POST", REGISTER, [STAFF_LINE, JSON], b'{"name": "\xff\xfe", "backend_type": "x"}'), 400),
    Case("invalid UTF-8 in the body", P, http("POST", AGENTS, [BEARER_LINE, JSON], b'{"details": {"name": "\xc3\x28"}}'), 400),
    Case("idempotency key reused with another body", P, http("POST", AGENTS, [BEARER_LINE, JSON], json.dumps(
        {"details": {"name": "someone else"}, "idempotency_key": IDEMPOTENCY_KEY}).encode()), 409),
    Case("huge page number", W, http("GET", f"{SERVICES}?page=1{'0' * 30}", [STAFF_LINE]), 404),
    Case("negative page number", W, http("GET", f"{SERVICES}?page=-1", [STAFF_LINE]), 404),
    Case("invalid UUID in the path", W, http("POST", f"{SERVICES}not-a-uuid/register_processor/", [STAFF_LINE, JSON],
                                             b'{"name": "p", "backend_type": "SLURM"}'), 404),
    Case("%2F-encoded slashes in the path", W, http("GET", f"{SERVICES}7d494fe8%2F..%2F..%2F__admin%2Freset/", [STAFF_LINE]), 404),
    Case("unknown service (well-formed UUID)", W, http("POST", f"{SERVICES}{'0' * 32}/register_processor/", [STAFF_LINE, JSON],
                                                       b'{"name": "p", "backend_type": "SLURM"}'), 404),
    Case("invalid UUID in a filter", W, http("GET", f"{SERVICES}?identity_uuid=zzz", [STAFF_LINE]), 400),
    Case("invalid choice in a filter", W, http("GET", f"{SERVICES}?state=9", [STAFF_LINE]), 400),
    Case("invalid ordering", W, http("GET", f"{STATUSES}?o=name", [STAFF_LINE]), 400),
    Case("duplicate single-valued parameter, last invalid", W,
         http("GET", f"{SERVICES}?identity_uuid={IDENTITY}&identity_uuid=zzz", [STAFF_LINE]), 400),
    Case("duplicate ordering parameter, one invalid", W,
         http("GET", f"{STATUSES}?o=-last_request_timestamp&o=nonsense", [STAFF_LINE]), 400),
    Case("unknown method (PROPFIND)", W, http("PROPFIND", SERVICE, [STAFF_LINE]), 405),
    Case("method not allowed (DELETE)", W, http("DELETE", SERVICE, [STAFF_LINE]), 405),
    Case("method not allowed (GET on a POST-only path)", P, http("GET", AGENTS, [BEARER_LINE]), 405),
    Case("made-up method (BREW)", W, http("BREW", SERVICE, [STAFF_LINE]), None),
    Case("path traversal to /__admin/reset", W, http("POST", f"{SERVICES}../../__admin/reset", [STAFF_LINE]), 404),
    Case("unknown path under the API", P, http("GET", "/api/v1/nothing", [BEARER_LINE]), 404),
    Case("missing Authorization", W, http("POST", REGISTER, [JSON], b'{"name": "p", "backend_type": "SLURM"}'), 401),
    Case("missing Authorization", P, http("POST", AGENTS, [JSON], b'{"details": {"name": "x"}}'), 401),
    Case("garbage Authorization", W, http("POST", REGISTER, ["Authorization: Token ' OR 1=1; --", JSON],
                                          b'{"name": "p", "backend_type": "SLURM"}'), 401),
    Case("garbage Authorization", P, http("POST", AGENTS, ["Authorization: Bearer \xe9\xff!!", JSON],
                                          b'{"details": {"name": "x"}}'), 401),
    Case("Prefactor token on Waldur", W, http("POST", REGISTER, [BEARER_LINE, JSON], b'{"name": "p", "backend_type": "SLURM"}'), 401),
    Case("Waldur token on Prefactor", P, http("POST", AGENTS, [STAFF_LINE, JSON], b'{"details": {"name": "x"}}'), 401),
    Case("write with a read-only role (support)", W, http("POST", REGISTER, [SUPPORT_LINE, JSON],
                                                          b'{"name": "p", "backend_type": "SLURM"}'), 403),
    Case("write to another customer's service (owner)", W, http(
        "POST", f"{SERVICES}df4380a83bf7502abf91a3100a720614/register_processor/", [OWNER_LINE, JSON],
        b'{"name": "p", "backend_type": "SLURM"}'), 404),
    Case("header injection: CR/LF inside a header value", W,
         http("GET", SERVICES, [b"Authorization: Token waldur-staff\rSet-Cookie: injected=1"]), None),
    Case("request smuggling: Content-Length and Transfer-Encoding", W,
         http("POST", REGISTER, [STAFF_LINE, JSON, "Content-Length: 5", "Transfer-Encoding: chunked"], b"0\r\n\r\n"), None),
    Case("absurdly long path (60 KB)", W, http("GET", f"/api/{'a' * 60_000}/", [STAFF_LINE]), 404),
    Case("absurdly long query (1 MB)", W, http("GET", f"{SERVICES}?mode={'a' * 1_000_000}", [STAFF_LINE]), None),
    Case("NUL byte in the request line", W, http("GET", f"{SERVICES}\x00/", [STAFF_LINE]), None),
    Case("invalid UTF-8 bytes in the path", W, http("GET", SERVICES.encode() + b"\xff\xfe/", [STAFF_LINE]), None),
]

# The admin surface (answers in Waldur's `{"detail": ...}`) and the `Prefer` header.
STATE, FAULTS = "/__admin/state", "/__admin/faults"
LIST = "marketplace_site_agent_services_list"
CASES += [
    Case("state: empty object (no users: every token would be 401)", W, http("PUT", STATE, [JSON], b"{}"), 400),
    Case("state: a list", W, http("PUT", STATE, [JSON], b"[]"), 400),
    Case("state: malformed JSON", W, http("PUT", STATE, [JSON], b'{"users": ['), 400),
    Case("state: a user without a token", W, http("PUT", STATE, [JSON], b'{"users": [{"role": "staff"}]}'), 400),
    Case("state: an unknown field", W, http("PUT", STATE, [JSON], b'{"users": [{"token": "t"}], "servces": []}'), 400),
    Case("state: a service of an unknown identity", W, http("PUT", STATE, [JSON], json.dumps({
        "users": [{"token": "t"}], "services": [{"uuid": "0" * 32, "identity": "f" * 32, "name": "x",
                                                 "created": "2025-01-01T00:00:00Z", "modified": "2025-01-01T00:00:00Z"}],
    }).encode()), 400),
    Case("state: nested 900 deep", W, http("PUT", STATE, [JSON], b'{"users": [{"token": "t"}], "tasks": {"active": ['
                                                                  + PARSEABLE_BUT_TOO_DEEP + b"]}}"), 400),
    Case("fault: a status the operation does not document (418)", W,
         http("POST", FAULTS, [JSON], json.dumps({"operation_id": LIST, "status": 418}).encode()), 400),
    Case("fault: a success status (200)", W,
         http("POST", FAULTS, [JSON], json.dumps({"operation_id": LIST, "status": 200}).encode()), 400),
    Case("fault: a redirect without Location (302)", W,
         http("POST", FAULTS, [JSON], json.dumps({"operation_id": LIST, "status": 302}).encode()), 400),
    Case("fault: an unknown operation", W,
         http("POST", FAULTS, [JSON], json.dumps({"operation_id": "nothing", "status": 404}).encode()), 400),
    Case("fault: a negative latency", W,
         http("POST", FAULTS, [JSON], json.dumps({"operation_id": LIST, "latency_ms": -5}).encode()), 400),
    Case("fault: not JSON", W, http("POST", FAULTS, [JSON], b"status=500"), 400),
    Case("journal filter: status=abc", W, http("GET", "/__admin/requests?status=abc"), 400),
    Case("journal filter: an unknown filter name", W, http("GET", "/__admin/requests?stauts=200"), 400),
    Case("journal filter: an unknown operation_id", W, http("GET", "/__admin/requests?operation_id=nothing"), 400),
    Case("Prefer: a status the operation does not document", W, http("GET", SERVICES, [STAFF_LINE, "Prefer: code=503"]), 400),
    Case("Prefer: code=418", W, http("GET", SERVICES, [STAFF_LINE, "Prefer: code=418"]), 400),
    Case("Prefer: a code that is no number", W, http("GET", SERVICES, [STAFF_LINE, "Prefer: code=abc"]), 400),
    Case("Prefer: an example the status does not document", W,
         http("GET", SERVICES, [STAFF_LINE, "Prefer: code=404, example=nope"]), 400),
    Case("Prefer: an example the operation does not document", P,
         http("POST", AGENTS, [BEARER_LINE, JSON, "Prefer: example=nope"], b'{"details": {"name": "x"}}'), 400),
]


@dataclass
class Answer:
    status: int | None  # None: the connection closed without an answer
    headers: dict
    body: bytes


def exchange(port: int, request: bytes, half_close: bool = False, timeout: float = 15) -> Answer:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) and closed before it had read everything: read the answer
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    if not data:
        return Answer(None, {}, b"")
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = body[:int(headers["content-length"])]  # the first answer only, if more followed
    return Answer(int(status_line.split()[1]), headers, body)


def in_api_format(api: str, answer: Answer) -> bool:
    if "json" not in answer.headers.get("content-type", ""):
        return False
    try:
        body = json.loads(answer.body)
    except ValueError:
        return False
    if not isinstance(body, dict) or not body:
        return False
    if api == "prefactor":
        return body.get("status") == "error" and isinstance(body.get("code"), str) and isinstance(body.get("message"), str)
    if isinstance(body.get("detail"), str):
        return True
    return all(isinstance(v, list) and v and all(isinstance(m, str) for m in v) for v in body.values())


def verdict(case: Case, answer: Answer, state_kept: bool) -> str:
    problems = [] if state_kept else ["state changed"]
    if case.layer == "http":
        if answer.status is not None and not 400 <= answer.status < 500:
            problems.append(f"expected a 4xx or a closed connection, got {answer.status}")
    else:
        if answer.status != case.status:
            problems.append(f"expected {case.status}")
        if answer.status is not None and not in_api_format(case.api, answer):
            problems.append(f"not in {case.api}'s error format")
    return "ok" if not problems else "FAIL: " + ", ".join(problems)


def shown(answer: Answer) -> str:
    if answer.status is None:
        return "connection closed"
    return f"{answer.status} {answer.body[:70].decode('utf-8', 'replace')}"


# --- edge inputs the spec allows ------------------------------------------------------------

def edge_cases(client: httpx.Client) -> list[list[str]]:
    """Each: what was sent, what came back, and whether it read back exactly as sent."""
    rows = []

    def row(name: str, status: int, ok: bool, detail: str):
        rows.append([name, str(status), detail, "ok" if ok else "FAIL"])

    for label, name in (("unicode in a name (emoji, RTL, combining)", "proc-\U0001F680-\u05e9\u05dc\u05d5\u05dd-e\u0301"),
                        ("control characters inside a name", "a\u0007b\u001bc\u007fd")):
        answer = client.post(REGISTER, json={"name": name, "backend_type": "SLURM"}, headers=STAFF)
        stored = [p["name"] for p in client.get(SERVICE, headers=STAFF).json()["processors"]]
        row(label, answer.status_code, answer.status_code == 201 and name in stored,
            "reads back exactly" if name in stored else f"stored names: {stored}")
    nested = {"statistics": json.loads("[" * 399 + "]" * 399)}  # with its wrapper: 400 levels
    answer = client.post(STATISTICS, json=nested, headers=STAFF)
    back = client.get(SERVICE, headers=STAFF).json().get("statistics")
    dump = client.get("/__admin/state")
    row("statistics nested 399 deep (a body may nest 400 levels)", answer.status_code,
        answer.status_code == 200 and back == nested["statistics"] and dump.status_code == 200,
        f"reads back {'exactly' if back == nested['statistics'] else 'changed'}; /__admin/state {dump.status_code}")
    answer = client.get(SERVICES, params={"page_size": "1", "x": "\r\nSet-Cookie: injected=1"},
                        headers=STAFF)
    injected = "set-cookie" in answer.headers or any("\r" in v or "\n" in v for v in answer.headers.values())
    row("CR/LF in a query value, reflected in the Link header", answer.status_code,
        answer.status_code == 200 and not injected, "no header injected" if not injected else "HEADER INJECTED")
    for value, size in (("-5", 10), ("1" + "0" * 30, None)):
        answer = client.get(SERVICES, params={"page_size": value}, headers=STAFF)
        count = len(answer.json()) if answer.status_code == 200 else -1
        expected = size if size is not None else min(300, int(answer.headers.get("x-result-count", -1)))
        row(f"page_size={value[:12]} (documented: 0/negative -> 10, capped at 300)", answer.status_code,
            answer.status_code == 200 and count == expected, f"{count} items")
    return rows


def main() -> int:
    with start_mock() as mock, httpx.Client(base_url=mock.url, timeout=30) as client:
        client.post(REGISTER, json={"name": "bad-input-marker", "backend_type": "SLURM"}, headers=STAFF).raise_for_status()
        client.post(AGENTS, json=PRIMING_AGENT, headers=PREFACTOR).raise_for_status()
        rows, failures = [], 0
        for case in CASES:
            before = client.get("/__admin/state").json()
            answer = exchange(mock.port, case.request, case.half_close)
            after = client.get("/__admin/state").json()
            result = verdict(case, answer, before == after)
            failures += result != "ok"
            rows.append([case.name, case.api, case.layer, shown(answer), result])
        print(f"bad input: {len(CASES)} requests in {len({c.name for c in CASES})} classes, "
              f"state compared before and after each")
        print(table(["class", "api", "layer", "answer", "verdict"], rows))
        edges = edge_cases(client)
        print("\nedge inputs the spec allows (must be accepted and read back as sent)")
        print(table(["input", "status", "result", "verdict"], edges))
        failures += sum(row[-1] != "ok" for row in edges)
        alive = client.get(SERVICES, headers=STAFF).status_code == 200
        print(f"\nserver still answers: {'yes' if alive else 'NO'}")
        failures += not alive
    total = len(CASES) + len(edges) + 1
    print(f"{total - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
