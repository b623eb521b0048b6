"""Finding objects through the API itself, so the suite works against any data set. A list that
does not answer a JSON array of objects fails under its rule, never as a Python exception."""
from __future__ import annotations

import re
from datetime import datetime

import httpx

from agent_api_contracts.documents import _load
from agent_api_contracts.rules import RuleFailure
from agent_api_contracts.rules.answers import objects, shown
from agent_api_contracts.rules.lists import LISTS_ARE_ARRAYS
from agent_api_contracts.rules.services import MANAGER_SEES_SERVICES

SERVICES = "/api/marketplace-site-agent-services/"
INTEGRATION_STATUSES = "/api/marketplace-integration-statuses/"
CONNECTION_STATS = "/api/marketplace-site-agent-connection-stats/"
HEX_UUID = re.compile(r"([0-9a-f]{32})/?$")
# RFC 3339 date-time: any fraction length, `T`/`t`/space, `Z`/`z` or an offset.
RFC3339 = re.compile(r"(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def links(response: httpx.Response) -> dict[str, str]:
    """rel -> URL of the Link header (RFC 8288: any parameter order, quoted or not)."""
    return {rel: link["url"] for rel, link in response.links.items() if link.get("url")}


def everything(client: httpx.Client, path: str, params: dict | None = None, page_size: int = 100) -> list[dict]:
    """Every object of a list, page by page (bounded, so a runaway `next` cannot loop forever)."""
    items, page = [], 1
    while page <= 1000:
        response = client.get(path, params={**(params or {}), "page_size": page_size, "page": page})
        if response.status_code == 404 and page > 1:
            break
        if response.status_code != 200:
            raise RuleFailure([LISTS_ARE_ARRAYS.violation("200 with a JSON array", shown(response), response)])
        batch = objects(response, LISTS_ARE_ARRAYS)
        items += batch
        if "next" not in links(response) or not batch:
            break
        page += 1
    return items


def manageable_services(client: httpx.Client) -> list[dict]:
    services = everything(client, SERVICES)
    if not services:
        response = client.get(SERVICES)
        raise RuleFailure([MANAGER_SEES_SERVICES.violation(
            "at least one service in WALDUR_TOKEN's list (give an account that manages one)", shown(response), response)])
    return services


def uuid_of_url(url: str) -> str:
    match = HEX_UUID.search(url) if isinstance(url, str) else None
    if not match:
        raise ValueError(f"no uuid at the end of {url!r}")
    return match.group(1)


def enum_labels(schema_name: str) -> dict:
    return _load("waldur")["components"]["schemas"][schema_name]["x-enum-labels"]


def parameter_labels(parameter_name: str) -> dict:
    return _load("waldur")["components"]["parameters"][parameter_name]["schema"]["x-enum-labels"]


def moment(text: str) -> datetime:
    """An RFC 3339 date-time (`...Z`, `...+02:00`, any number of fraction digits) as an aware datetime."""
    match = RFC3339.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    day, time, fraction, zone = match.groups()
    fraction = (fraction or ".0")[1:7].ljust(6, "0")
    zone = "+00:00" if zone in ("Z", "z") else zone
    return datetime.fromisoformat(f"{day}T{time}.{fraction}{zone}")
