"""Finding objects through the API itself, so the suite works against any data set."""
from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest

from agent_api_contracts.documents import _load

SERVICES = "/api/marketplace-site-agent-services/"
INTEGRATION_STATUSES = "/api/marketplace-integration-statuses/"
CONNECTION_STATS = "/api/marketplace-site-agent-connection-stats/"
LINK = re.compile(r'<([^>]*)>;\s*rel="([^"]+)"')
HEX_UUID = re.compile(r"([0-9a-f]{32})/?$")


def links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("link", ""))}


def everything(client: httpx.Client, path: str, params: dict | None = None, page_size: int = 100) -> list[dict]:
    """Every object of a list, page by page (bounded, so a runaway `next` cannot loop forever)."""
    items, page = [], 1
    while page <= 1000:
        response = client.get(path, params={**(params or {}), "page_size": page_size, "page": page})
        if response.status_code == 404 and page > 1:
            break
        response.raise_for_status()
        batch = response.json()
        items += batch
        if "next" not in links(response) or not batch:
            break
        page += 1
    return items


def manageable_services(client: httpx.Client) -> list[dict]:
    services = everything(client, SERVICES)
    if not services:
        pytest.skip("WALDUR_TOKEN's account sees no site-agent service: give an account that manages one")
    return services


def uuid_of_url(url: str) -> str:
    match = HEX_UUID.search(url)
    assert match, f"no uuid at the end of {url!r}"
    return match.group(1)


def enum_labels(schema_name: str) -> dict:
    return _load("waldur")["components"]["schemas"][schema_name]["x-enum-labels"]


def parameter_labels(parameter_name: str) -> dict:
    return _load("waldur")["components"]["parameters"][parameter_name]["schema"]["x-enum-labels"]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
