"""The data format of the mock's state, described once as a JSON Schema (data/state.schema.json,
shipped with the package) and checked on every load: `--data FILE`, `PUT /__admin/state`, the
`--state` file and reset all go through `check()`.

A problem is reported as `<item path>: <what is wrong>`, e.g. `users[0].token: is required`;
the caller names where the data came from (the file, or the request)."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import jsonschema_rs

SCHEMA_FILE = Path(__file__).parent / "data" / "state.schema.json"


class InvalidData(ValueError):
    """Seed or state data that does not describe a usable, consistent state."""


@functools.cache
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@functools.cache
def _validator():
    # jsonschema-rs: 100,000 services check in 0.1 s, where the pure-Python jsonschema takes a minute.
    return jsonschema_rs.validator_for(schema())


def item_path(parts) -> str:
    """`users[0].token` for ["users", 0, "token"]; `the state` for the whole document."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts).lstrip(".")
    return text or "the state"


def _schema_at(path) -> dict:
    node: object = schema()
    for part in path:
        node = node[part] if isinstance(node, dict) else node[int(part)]
    return node if isinstance(node, dict) else {}


def _problem(error) -> str:
    parts = list(error.instance_path)
    kind = type(error.kind).__name__
    if kind == "Required":
        name = error.kind.property
        parts.append(name)
        described = _schema_at(error.schema_path[:-1]).get("properties", {}).get(name, {})
        return f"{item_path(parts)}: is required" + (f" ({described['description']})" if "description" in described else "")
    if kind == "AdditionalProperties":
        unexpected = ", ".join(map(repr, error.kind.unexpected))
        return f"{item_path(parts)}: unknown field(s) {unexpected}"
    described = _schema_at(error.schema_path[:-1])
    note = f" ({described['description']})" if kind == "MinItems" and "description" in described else ""
    return f"{item_path(parts)}: {error.message}{note}"


def check(data: object) -> None:
    """Raise InvalidData naming the first item that breaks the format (and how many more do)."""
    errors = iter(_validator().iter_errors(data))
    first = next(errors, None)
    if first is None:
        return
    more = sum(1 for _ in errors)
    raise InvalidData(_problem(first) + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))
