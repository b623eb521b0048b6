"""The documented operation of a request, read from spec/ (the contract suites' documents)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from agent_api_contracts.documents import _load
from agent_api_spec import DOCUMENTS

METHODS = ("get", "head", "post", "put", "patch", "delete", "options", "trace")


@dataclass(frozen=True)
class Operation:
    api: str
    method: str
    template: str
    operation_id: str
    spec: dict
    parameters: tuple[dict, ...]

    def response(self, status: int) -> tuple[str, dict] | None:
        """The documented answer for `status`: its key ('201' or 'default') and its object."""
        responses = self.spec.get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return key, resolve(self.api, responses[key])
        return None


def resolve(api: str, node: object) -> object:
    while isinstance(node, dict) and "$ref" in node:
        target: object = _load(api)
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


class OperationIndex:
    def __init__(self, apis=tuple(DOCUMENTS)):
        self._paths: list[tuple[re.Pattern, dict[str, Operation]]] = []
        self.all: list[Operation] = []
        self.prefixes: dict[str, str] = {}
        for api in apis:
            paths = _load(api)["paths"]
            for template, item in paths.items():
                pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
                shared = tuple(resolve(api, p) for p in item.get("parameters", []))
                operations = {}
                for method, spec in item.items():
                    if method in METHODS:
                        own = tuple(resolve(api, p) for p in spec.get("parameters", []))
                        operations[method.upper()] = Operation(api, method.upper(), template, spec["operationId"],
                                                               spec, shared + own)
                self._paths.append((pattern, operations))
                self.all += operations.values()
            self.prefixes[api] = _common_prefix(list(paths))

    def find(self, method: str, path: str) -> Operation | None:
        for pattern, operations in self._paths:
            if pattern.match(path):
                return operations.get(method) or (operations.get("GET") if method == "HEAD" else None)
        return None

    def api_of(self, path: str) -> str | None:
        """The API whose documented paths share the longest prefix with `path`."""
        matching = [(len(prefix), api) for api, prefix in self.prefixes.items() if path.startswith(prefix)]
        return max(matching)[1] if matching else None


def _common_prefix(paths: list[str]) -> str:
    first, last = min(paths), max(paths)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    prefix = first[:size]
    return prefix[:prefix.rfind("/") + 1] or "/"
