"""Objects the suite finds through the API's own lists, for the generated layers: every list
operation the spec documents (GET, no path parameter, an array answer) and the uuids under it."""
from __future__ import annotations

import functools
import re

import httpx

from agent_api_contracts import clients
from agent_api_contracts.rules import RuleFailure
from agent_api_contracts.rules.answers import parsed
from agent_api_contracts.schemas import operations, response_schema

MAX_PAGES = 10   # a bound on a list walk: a runaway `next` cannot loop forever
PAGE_SIZE = 100
HEX_UUID = re.compile(r"([0-9a-f]{32}|[0-9a-f-]{36})/?$")


@functools.cache
def list_operations(api: str) -> dict[str, str]:
    """path -> operationId of every operation that lists objects without a path parameter."""
    found = {}
    for operation_id, operation in operations(api).items():
        schema = response_schema(api, operation_id, 200) or {}
        if operation["method"] == "GET" and "{" not in operation["path"] and schema.get("type") == "array":
            found[operation["path"]] = operation_id
    return found


def pages(client: httpx.Client, path: str, bound: int = MAX_PAGES) -> list[httpx.Response]:
    """The answers of a list walked page by page (up to `bound` pages), stopping at the first
    answer that is not a non-empty JSON array."""
    answers = []
    for page in range(1, bound + 1):
        response = client.get(path, params={"page_size": PAGE_SIZE, "page": page})
        answers.append(response)
        items = parsed(response)
        if response.status_code != 200 or not isinstance(items, list) or not items or "next" not in response.links:
            break
    return answers


def uuid_of(item) -> str | None:
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("uuid"), str):
        return item["uuid"]
    match = HEX_UUID.search(item["url"]) if isinstance(item.get("url"), str) else None
    return match.group(1) if match else None


def path_values(api: str, base_url: str, authorization: str) -> dict[str, list[str]]:
    """path template with {uuid} -> the uuids of the objects listed under it (best effort: a list
    that does not answer gives none; the rule checks judge such answers)."""
    found: dict[str, list[str]] = {}
    try:
        with clients.client(base_url, authorization) as client:
            for collection in list_operations(api):
                items = []
                for response in pages(client, collection, bound=3):
                    value = parsed(response)
                    items += value if response.status_code == 200 and isinstance(value, list) else []
                uuids = sorted({uuid for uuid in map(uuid_of, items) if uuid})
                for path in (p for p in _load_paths(api) if p.startswith(collection + "{uuid}")):
                    found[path] = uuids
    except (RuleFailure, httpx.HTTPError):
        pass
    return found


def _load_paths(api: str) -> list[str]:
    return sorted({operation["path"] for operation in operations(api).values()})

