"""The documents of this package as data, read once, and an index of their operations: the mock
serves them, the contract suites and the proxy judge by them."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import yaml

from agent_api_spec import DOCUMENTS

METHODS = ("get", "head", "post", "put", "patch", "delete", "options", "trace")


@functools.cache
def document(api: str) -> dict:
    """The parsed document (shared: callers that change what they get must copy it first)."""
    with open(DOCUMENTS[api], encoding="utf-8") as stream:
        return yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 10x faster


def resolve(api: str, node: object) -> object:
    """Follow a local `$ref` (one level at a time, as often as needed)."""
    while isinstance(node, dict) and "$ref" in node:
        target: object = document(api)
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


@dataclass(frozen=True)
class Operation:
    api: str
    method: str
    template: str
    operation_id: str
    spec: dict
    parameters: tuple[dict, ...] = ()  # the path item's and the operation's own, resolved

    @property
    def responses(self) -> dict:
        return self.spec.get("responses", {})

    @property
    def security(self) -> list:
        """The operation's security requirements ([]: anyone may call it)."""
        return self.spec.get("security", document(self.api).get("security", []))

    def response(self, status: int) -> tuple[str, dict] | None:
        """The documented answer for `status`: its key ('201', '4XX' or 'default') and its object."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return key, resolve(self.api, self.responses[key])
        return None

    def documented_statuses(self) -> list[str]:
        """The response keys, numbers first (`default` documents any error status)."""
        return sorted(self.responses, key=lambda key: (not key.isdigit(), key))

    def documents(self, status: int) -> bool:
        return str(status) in self.responses or (400 <= status <= 599 and "default" in self.responses)

    def examples(self, status: int | str) -> dict[str, object]:
        """The named examples of one response (its JSON body), in the document's order."""
        response = resolve(self.api, self.responses.get(str(status), {}))
        media = (response.get("content") or {}).get("application/json", {})
        return {name: resolve(self.api, value).get("value") for name, value in media.get("examples", {}).items()}

    def documented_answer(self, status: int, example: str | None = None) -> tuple[int, object] | None:
        """The status and an example body the spec documents for `status` (or `default`); the
        body is None when no example fits (`default` documents an envelope, not a status: the
        caller builds one for `status`)."""
        key = str(status) if str(status) in self.responses else (
            "default" if status >= 400 and "default" in self.responses else None)
        if key is None:
            return None
        examples = self.examples(key)
        if example is not None:
            return (status, examples[example]) if example in examples else None
        if key == "default":
            return status, None
        if examples:
            return status, next(iter(examples.values()))
        media = (resolve(self.api, self.responses[key]).get("content") or {}).get("application/json", {})
        return status, media.get("example")

    def documented_headers(self, status: int) -> dict[str, str]:
        """The example values of the headers the spec documents for `status`."""
        response = resolve(self.api, self.responses.get(str(status), {}))
        return {name: str(resolve(self.api, header).get("example", ""))
                for name, header in response.get("headers", {}).items()}


class OperationIndex:
    """Finds the documented operation (and the documented methods) of a request path."""

    def __init__(self, apis=tuple(DOCUMENTS)):
        patterns: list[str] = []
        self._operations_at: list[dict[str, Operation]] = []  # by the position of their path's pattern
        self.all: list[Operation] = []
        self.prefixes: dict[str, str] = {}  # api -> the path prefix its documented paths share
        for api in apis:
            paths = document(api)["paths"]
            for template, item in paths.items():
                patterns.append("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
                shared = tuple(resolve(api, parameter) for parameter in item.get("parameters", []))
                operations = {
                    method.upper(): Operation(api, method.upper(), template, spec["operationId"], spec,
                                              shared + tuple(resolve(api, p) for p in spec.get("parameters", [])))
                    for method, spec in item.items() if method in METHODS
                }
                self._operations_at.append(operations)
                self.all += operations.values()
            self.prefixes[api] = _common_prefix(list(paths))
        self._by_id = {operation.operation_id: operation for operation in self.all}
        # All the templates in one expression, in document order (the first that matches wins):
        # one match a request instead of one per documented path.
        self._any_path = re.compile("|".join(f"(?P<p{i}>{pattern})" for i, pattern in enumerate(patterns)))

    def operations_at(self, path: str) -> dict[str, Operation]:
        match = self._any_path.match(path)
        return self._operations_at[int(match.lastgroup[1:])] if match else {}

    def find(self, method: str, path: str) -> Operation | None:
        operations = self.operations_at(path)
        return operations.get(method) or (operations.get("GET") if method == "HEAD" else None)

    def allowed_methods(self, path: str) -> list[str]:
        methods = set(self.operations_at(path))
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods)

    def by_id(self, operation_id: str) -> Operation | None:
        return self._by_id.get(operation_id)

    @property
    def operation_ids(self) -> set[str]:
        return set(self._by_id)

    def api_of(self, path: str) -> str | None:
        """The API whose documented paths share the longest prefix with `path`."""
        matching = [(len(prefix), api) for api, prefix in self.prefixes.items() if path.startswith(prefix)]
        return max(matching)[1] if matching else None


@functools.cache
def documented() -> OperationIndex:
    """The operations of every document, indexed once."""
    return OperationIndex()


def _common_prefix(paths: list[str]) -> str:
    first, last = min(paths), max(paths)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    prefix = first[:size]
    return prefix[:prefix.rfind("/") + 1] or "/"
