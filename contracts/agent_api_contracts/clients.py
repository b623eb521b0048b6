"""HTTP clients for the rule checks, one per API and credential, that never follow redirects."""
from __future__ import annotations

import httpx
import pytest

from agent_api_contracts.target import Target


def client(base_url: str, authorization: str | None) -> httpx.Client:
    headers = {"Accept": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    return httpx.Client(base_url=base_url, headers=headers, timeout=30, follow_redirects=False)


def waldur(target: Target, token: str | None, variable: str) -> httpx.Client:
    if not target.waldur_url:
        pytest.skip("no Waldur URL: give --base-url, --waldur-url or WALDUR_URL")
    if token is None:
        pytest.skip(f"needs a Waldur credential: set {variable}")
    return client(target.waldur_url, f"Token {token}")


def prefactor(target: Target) -> httpx.Client:
    if not target.prefactor_url:
        pytest.skip("no Prefactor URL: give --base-url, --prefactor-url or PREFACTOR_URL")
    if target.prefactor_token is None:
        pytest.skip("needs a Prefactor credential: set PREFACTOR_TOKEN")
    return client(target.prefactor_url, f"Bearer {target.prefactor_token}")
