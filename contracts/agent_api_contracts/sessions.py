"""Each pytest-xdist worker checks its own session of the target, so that checks spread over
workers neither see nor reset each other's writes.

A target offers sessions when `GET {url}/__admin/sessions` answers 200 with a JSON list (our
mock does): it then serves `{url}/sessions/<name>/api/...` and `{url}/sessions/<name>/__admin/...`
on a state of their own. Against such a target a worker's base URL is its session's; with no URL
each worker starts its own mock (target.py), which is as isolated. Against a target without
sessions every check stays on one worker (`--dist loadgroup`), as one process must see one state."""
from __future__ import annotations

import httpx
import pytest

SPREAD = pytest.StashKey[bool]()


def worker_of(config) -> str | None:
    """The pytest-xdist worker this process is (gw0, gw1, ...), None outside one."""
    return getattr(config, "workerinput", {}).get("workerid")


def offers_sessions(url: str) -> bool:
    try:
        answer = httpx.get(f"{url.rstrip('/')}/__admin/sessions", timeout=5)
        return answer.status_code == 200 and isinstance(answer.json(), list)
    except (httpx.HTTPError, ValueError):
        return False


def spread(config, urls: dict[str, str | None]) -> bool:
    """Whether this worker's checks may run beside other workers': each has its own mock (no URL)
    or its own session of every target given. Asked once per run (collection and target agree)."""
    if SPREAD not in config.stash:
        given = {url.rstrip("/") for url in urls.values() if url}
        config.stash[SPREAD] = worker_of(config) is not None and all(offers_sessions(url) for url in given)
    return config.stash[SPREAD]


def session_name(config) -> str:
    """This worker's session: the run's id (two runs against one mock never share a session) and
    the worker's, in the names the mock allows ([A-Za-z0-9_-]{1,64}). It ends in the worker's
    number: waldur-site-agent strips every trailing `/`, `a`, `p` and `i` from its base URL
    (waldur_site_agent/common/utils.py, get_client: `api_url.rstrip("/api")`), so a session the
    real agent can share must not end in one (README, "Sessions")."""
    return f"contracts-{config.workerinput['testrunuid'][:8]}-{worker_of(config)}"


def dropper(config, urls: set[str]):
    """What ends the worker's use of its sessions on `urls` (None when it has none): the mock keeps
    a bounded number of sessions (mockserver --max-sessions), so a run drops its own
    (`DELETE /__admin/sessions/<name>`), as best it can."""
    if not config.stash.get(SPREAD, False):
        return None

    def drop():
        for url in urls:
            try:
                httpx.delete(f"{url}/__admin/sessions/{session_name(config)}", timeout=10)
            except httpx.HTTPError:
                pass
    return drop


def session_url(config, url: str | None) -> str | None:
    """The URL this worker checks instead of `url` (unchanged when the run is not spread, or has no URL)."""
    if not url or not config.stash.get(SPREAD, False):
        return url
    return f"{url.rstrip('/')}/sessions/{session_name(config)}"
