"""What the suite talks to: a deployment given by URL, or, with no URL, our own mock on a free port."""
from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field

import httpx

import pytest

from agent_api_contracts.sessions import dropper, session_url

MOCK_TOKENS = {"waldur": "waldur-owner", "waldur_support": "waldur-support", "prefactor": "prefactor-dev",
               "waldur_offering_manager": "waldur-offering-manager"}

# Each credential: its environment variable, the option that gives it instead, its API, what it is.
CREDENTIALS = {
    "WALDUR_TOKEN": ("--waldur-token", "waldur", "an account that manages at least one site-agent service, neither staff nor support"),
    "WALDUR_SUPPORT_TOKEN": ("--waldur-support-token", "waldur", "a support account"),
    "PREFACTOR_TOKEN": ("--prefactor-token", "prefactor", "a Prefactor API token"),
    "WALDUR_OFFERING_MANAGER_TOKEN": ("--waldur-offering-manager-token", "waldur",
                                      "an account with Waldur's OFFERING.MANAGER role on an offering (optional)"),
}
# Credentials whose checks are skipped, never failed, when not given.
OPTIONAL = {"WALDUR_OFFERING_MANAGER_TOKEN"}
URL_VARIABLES = {"waldur": "--base-url, --waldur-url or WALDUR_URL", "prefactor": "--base-url, --prefactor-url or PREFACTOR_URL"}
SKIP_MISSING = "--skip-missing-credentials"


@dataclass
class Target:
    waldur_url: str | None
    prefactor_url: str | None
    waldur_token: str | None
    waldur_support_token: str | None
    prefactor_token: str | None
    waldur_offering_manager_token: str | None = None
    read_only: bool = False
    is_our_mock: bool = False
    resettable: bool = False
    apis: tuple[str, ...] = ("waldur", "prefactor")
    skip_missing: bool = False
    reported_missing: frozenset = frozenset()  # credentials whose absence already fails the run once
    _stop: object = field(default=None, repr=False)

    def reset(self) -> None:
        """Back to the seed data, where the target offers WireMock's /__admin/reset."""
        if self.resettable:
            httpx.post(f"{self.waldur_url}/__admin/reset", timeout=10).raise_for_status()

    def url(self, api: str) -> str:
        """The API's base URL; the check fails (or, with --skip-missing-credentials, is skipped) without one."""
        url = self.waldur_url if api == "waldur" else self.prefactor_url
        if not url:
            self.lacking(f"no {api} URL", URL_VARIABLES[api])
        return url

    def credential(self, variable: str) -> str:
        """The credential's value; the check fails naming the variable (or is skipped on request) without it."""
        value = {"WALDUR_TOKEN": self.waldur_token, "WALDUR_SUPPORT_TOKEN": self.waldur_support_token,
                 "PREFACTOR_TOKEN": self.prefactor_token,
                 "WALDUR_OFFERING_MANAGER_TOKEN": self.waldur_offering_manager_token}[variable]
        if value is None:
            option, api, what = CREDENTIALS[variable]
            if variable in OPTIONAL:
                pytest.skip(f"this check needs {what}: set {variable} (or {option})")
            if variable in self.reported_missing:
                pytest.skip(f"{variable} is missing (one failure says so: credentials::{variable})")
            self.lacking(f"this check needs {what}", f"{variable} (or {option})")
        return value

    def lacking(self, what: str, remedy: str) -> None:
        if self.skip_missing:
            pytest.skip(f"{what}: set {remedy}")
        pytest.fail(f"{what}: set {remedy}, or run with {SKIP_MISSING} to skip such checks", pytrace=False)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_our_mock() -> tuple[str, callable]:
    """Serve mockserver in a background thread on a free loopback port; returns (url, stop)."""
    import uvicorn

    from agent_api_mock.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="error",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="contracts-mock", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local mock did not start")
        time.sleep(0.02)

    def stop():
        server.should_exit = True
        thread.join(timeout=5)

    return f"http://127.0.0.1:{port}", stop


def probe_resettable(url: str) -> bool:
    try:
        return httpx.get(f"{url}/__admin/requests?path=/none", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def urls_of(config) -> dict[str, str | None]:
    """Each API's URL as the options and environment give it (None: our own mock is started)."""
    base_url = config.getoption("base_url") or os.environ.get("PYTEST_BASE_URL")
    return {"waldur": config.getoption("waldur_url") or os.environ.get("WALDUR_URL") or base_url,
            "prefactor": config.getoption("prefactor_url") or os.environ.get("PREFACTOR_URL") or base_url}


def credentials_of(config) -> dict[str, bool]:
    """Which credentials the options and environment give (all of them against our own mock)."""
    if not any(urls_of(config).values()):
        return {variable: True for variable in CREDENTIALS}
    return {variable: bool(config.getoption(option.lstrip("-").replace("-", "_")) or os.environ.get(variable))
            for variable, (option, _, _) in CREDENTIALS.items()}


def choose_target(config) -> Target:
    option = config.getoption
    env = os.environ.get
    base_url = option("base_url") or env("PYTEST_BASE_URL")
    waldur_url = option("waldur_url") or env("WALDUR_URL") or base_url
    prefactor_url = option("prefactor_url") or env("PREFACTOR_URL") or base_url
    apis = tuple(option("api") or ("waldur", "prefactor"))
    read_only = option("read_only")
    skip_missing = option("skip_missing_credentials")
    if not (waldur_url or prefactor_url):
        url, stop = start_our_mock()
        return Target(url, url, MOCK_TOKENS["waldur"], MOCK_TOKENS["waldur_support"], MOCK_TOKENS["prefactor"],
                      MOCK_TOKENS["waldur_offering_manager"], read_only=read_only, is_our_mock=True, resettable=True, apis=apis, skip_missing=skip_missing, _stop=stop)
    given = {url.rstrip("/") for url in (waldur_url, prefactor_url) if url}
    waldur_url = session_url(config, waldur_url.rstrip("/")) if waldur_url else None
    prefactor_url = session_url(config, prefactor_url.rstrip("/")) if prefactor_url else None
    return Target(
        waldur_url, prefactor_url,
        option("waldur_token") or env("WALDUR_TOKEN"),
        option("waldur_support_token") or env("WALDUR_SUPPORT_TOKEN"),
        option("prefactor_token") or env("PREFACTOR_TOKEN"),
        option("waldur_offering_manager_token") or env("WALDUR_OFFERING_MANAGER_TOKEN"),
        read_only=read_only, apis=apis, skip_missing=skip_missing,
        resettable=bool(waldur_url) and not read_only and probe_resettable(waldur_url),
        _stop=dropper(config, given),
    )
