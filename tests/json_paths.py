"""Dotted paths into JSON values, named the way the published pages name nested fields.

`processors.uuid` is the `uuid` of every item of `processors`: a list's items share the
list's path, and a body that is a list is read item by item.
"""

import copy
from collections.abc import Iterator
from typing import Any


def key_paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every path to a key of an object inside `value`, each once, parents first."""
    seen = set()
    for path in _key_paths(value, prefix):
        if path not in seen:
            seen.add(path)
            yield path


def _key_paths(value: Any, prefix: str) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _key_paths(item, prefix)
    elif isinstance(value, dict):
        for key, each in value.items():
            if "." in key:
                continue  # a free-form map's key (a validation error's "details.name") has no path
            path = f"{prefix}{key}"
            yield path
            yield from _key_paths(each, f"{path}.")


def without(value: Any, path: str) -> Any:
    """A copy of `value` with the key at `path` removed wherever it occurs."""
    copied = copy.deepcopy(value)
    *parents, key = path.split(".")
    for holder in _objects_at(copied, parents):
        holder.pop(key, None)
    return copied


def replaced(value: Any, path: str, new: Any) -> Any:
    """A copy of `value` with the key at `path` set to `new` wherever it occurs."""
    copied = copy.deepcopy(value)
    *parents, key = path.split(".")
    for holder in _objects_at(copied, parents):
        if key in holder:
            holder[key] = copy.deepcopy(new)
    return copied


def _objects_at(value: Any, keys: list[str]) -> Iterator[dict]:
    if isinstance(value, list):
        for item in value:
            yield from _objects_at(item, keys)
    elif isinstance(value, dict):
        if not keys:
            yield value
        elif keys[0] in value:
            yield from _objects_at(value[keys[0]], keys[1:])
