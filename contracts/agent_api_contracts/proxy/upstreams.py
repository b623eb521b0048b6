"""Where each API's traffic goes, and the proxy's own answers in each API's error format."""
from __future__ import annotations

from dataclasses import dataclass

import orjson

# Each API's error envelope (spec/: Waldur's ErrorDetail, Prefactor's Error).
def error_body(api: str | None, status_code: str, message: str, **extra) -> bytes:
    if api == "prefactor":
        return orjson.dumps({"status": "error", "code": status_code, "message": message, **extra})
    return orjson.dumps({"detail": message, **extra})


@dataclass(frozen=True)
class Upstreams:
    urls: dict[str, str]  # api -> base URL, without a trailing slash

    @classmethod
    def from_options(cls, upstream: str | None, **per_api: str | None) -> "Upstreams":
        urls = {api: (url or upstream) for api, url in per_api.items()}
        missing = [api for api, url in urls.items() if not url]
        if missing:
            raise ValueError(f"no upstream for {', '.join(missing)}: give --upstream or --{missing[0]}-upstream")
        for url in urls.values():
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"upstream {url!r} is not an http:// or https:// URL")
        return cls({api: url.rstrip("/") for api, url in urls.items()})
