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
    """path template with {uuid} -> the uuids of the objects listed under it, or, for objects
    that have no list, named by listed objects, as the agent reaches them (its call map in
    ../shared/notes/waldur-site-agent.md): a service's `processors`, the `offering_uuid` and
    `plan_uuid` of orders and resources. Best effort: a list that does not answer gives none;
    the rule checks judge such answers."""
    found: dict[str, list[str]] = {}
    try:
        with clients.client(base_url, authorization) as client:
            listed = {collection: listed_items(client, collection) for collection in list_operations(api)}
    except (RuleFailure, httpx.HTTPError):
        return found
    named = references([item for items in listed.values() for item in items])
    for path in (p for p in _load_paths(api) if "{uuid}" in p):
        collection = path.split("{uuid}")[0]
        if collection in listed:
            found[path] = sorted({uuid for uuid in map(uuid_of, listed[collection]) if uuid})
        else:
            noun = collection.rstrip("/").rsplit("/", 1)[-1].replace("-", "_")
            found[path] = sorted({uuid for plural, uuids in named.items() if noun.endswith(plural) for uuid in uuids})
    return found


def listed_items(client: httpx.Client, collection: str) -> list:
    items = []
    for response in pages(client, collection, bound=3):
        value = parsed(response)
        items += value if response.status_code == 200 and isinstance(value, list) else []
    return items


def references(items: list) -> dict[str, set[str]]:
    """Plural noun (as a path names its objects: `offerings`, `plans`, `processors`) -> the
    uuids the listed objects name in `<noun>_uuid` fields and in lists of objects under `<nouns>`."""
    named: dict[str, set[str]] = {}
    for item in items:
        for name, value in (item.items() if isinstance(item, dict) else ()):
            if name.endswith("_uuid") and isinstance(value, str) and HEX_UUID.fullmatch(value):
                named.setdefault(name.removesuffix("_uuid") + "s", set()).add(value)
            elif isinstance(value, list):
                uuids = {uuid for uuid in map(uuid_of, value) if uuid}
                if uuids:
                    named.setdefault(name, set()).update(uuids)
    return named


def _load_paths(api: str) -> list[str]:
    return sorted({operation["path"] for operation in operations(api).values()})



class FoundObjects:
    """`path_values`, found again (once) for a path that had none when it is first asked for:
    objects the run's own writes created since, as the component usages `set_usage` reported
    before `set_user_usages` is exercised (the agent's report mode does the same)."""

    def __init__(self, api: str, base_url: str, authorization: str):
        self.api, self.base_url, self.authorization = api, base_url, authorization
        self.values = path_values(api, base_url, authorization)
        self.retried: set[str] = set()

    def get(self, path: str) -> list[str]:
        if not self.values.get(path) and path not in self.retried:
            self.retried.add(path)
            again = path_values(self.api, self.base_url, self.authorization)
            self.values.update({p: uuids for p, uuids in again.items() if uuids and not self.values.get(p)})
        return self.values.get(path, [])


# document title -> the objects found under each path template (test_conformance.py fills it)
FOUND: dict[str, FoundObjects] = {}


def paths_found() -> tuple[set[str], set[str]]:
    """(the path templates under which the suite found objects, those under which it found none)."""
    found = {path for objects in FOUND.values() for path, uuids in objects.values.items() if uuids}
    empty = {path for objects in FOUND.values() for path, uuids in objects.values.items() if not uuids}
    return found, empty
