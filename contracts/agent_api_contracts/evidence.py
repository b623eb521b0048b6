"""Rule failures that quote the documented rule and show a curl line that reproduces them."""
from __future__ import annotations

import shlex
from dataclasses import dataclass

import httpx

SECRET_PLACEHOLDERS = {"Token": "$WALDUR_TOKEN", "Bearer": "$PREFACTOR_TOKEN"}


@dataclass(frozen=True)
class Rule:
    name: str
    quote: str
    source: str

    def violated(self, detail: str, *responses: httpx.Response) -> AssertionError:
        lines = [f"{self.name} violated", f'  rule: "{self.quote}" ({self.source})', f"  found: {detail}"]
        for response in responses:
            lines.append(f"  after: {response.request.method} {response.request.url} -> {response.status_code}")
            lines.append(f"  reproduce: {curl(response.request)}")
        return AssertionError("\n".join(lines))

    def check(self, condition: bool, detail: str, *responses: httpx.Response) -> None:
        if not condition:
            raise self.violated(detail, *responses)


def curl(request: httpx.Request) -> str:
    parts = ["curl", "-i", "-X", request.method]
    for name, value in request.headers.items():
        if name.lower() in ("host", "content-length", "accept-encoding", "connection", "user-agent"):
            continue
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0]
            value = f"{scheme} {SECRET_PLACEHOLDERS.get(scheme, '$TOKEN')}"
            parts += ["-H", f'"{name}: {value}"']
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.content:
        parts += ["--data-binary", shlex.quote(request.content.decode("utf-8", errors="replace"))]
    parts.append(shlex.quote(str(request.url)))
    return " ".join(parts)
