"""What a resource family tells the store about its entities.

The store keeps generic state mechanics (loading, dumping, one write path, durability); each
family module declares its entities with a `Family`: the key they have in the data format
(seed files, `/__admin/state`, the `--state` file), and how one item of that list is checked
and normalised. Entities are plain dicts in the data format itself, so dumping them is free.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent_api_mock.wire import normalize_uuid, parse_time, waldur_time


class InvalidItem(ValueError):
    """An item of a family's list that does not describe a consistent entity."""


@dataclass(frozen=True)
class Family:
    name: str  # the key in the data format, and the store attribute holding {uuid: entity}
    parse: Callable[[dict, dict], dict]  # (raw item, state loaded so far) -> entity; raises InvalidItem


def uuid_of(value: object, what: str) -> str:
    key = normalize_uuid(value)
    if key is None:
        raise InvalidItem(f"{what}: {value!r} is not a uuid")
    return key


def reference(value: object, table: dict, what: str) -> str:
    """The hex uuid of an item that must exist in `table` (loaded before this family)."""
    key = uuid_of(value, what)
    if key not in table:
        raise InvalidItem(f"{what} {key} does not exist")
    return key


def optional_reference(value: object, table: dict, what: str) -> str | None:
    return None if value is None else reference(value, table, what)


def moment(value: object) -> str | None:
    """A stored time in the form the mock writes (DRF's)."""
    return waldur_time(parse_time(value)) if value is not None else None
