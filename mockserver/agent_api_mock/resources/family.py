"""What a resource family tells the store about its entities.

The store keeps generic state mechanics (loading, dumping, one write path, indexes,
durability) and knows no entity by name: each family module declares its entities with a
`Family`: the key they have in the data format (seed files, `/__admin/state`, the `--state`
file), how one item of that list is checked and normalised, the field that identifies it,
the `--state` row kind its writes are stored under, and the indexes its handlers read.
Entities are plain dicts in the data format itself, so dumping them is free (users, the one
exception, are permissions.User objects and say how they dump).

A `Part` is a value of the data format that is no list of entities (Prefactor's tokens,
the task counts, the queues): loaded and dumped whole, never written by clients.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from agent_api_mock.data_format import InvalidData
from agent_api_mock.wire import MAX_JSON_DEPTH, json_depth, normalize_uuid, parse_time, waldur_time


class InvalidItem(ValueError):
    """An item of a family's list that does not describe a consistent entity; `where` names the
    part of the item at fault (`permissions[0]`), when the message is about one part."""

    def __init__(self, message: str, where: str | None = None):
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class Family:
    name: str  # the key in the data format, and the store attribute holding {key: entity}
    parse: Callable[[dict, dict], object]  # (raw item, state loaded so far) -> entity; raises InvalidItem
    key: str = "uuid"  # the entity's field that identifies it
    row: str | None = None  # the --state row kind of each entity, for families clients write to
    index: Callable[[dict], dict] | None = None  # {key: entity} -> {store attribute: index}, rebuilt on writes
    order: Callable[[dict], object] | None = None  # sort key of the raw items, when kept in another order
    dump: Callable[[object], dict] | None = None  # for entities that are not data-format dicts

    def identify(self, entity) -> str:
        return str(entity[self.key]) if isinstance(entity, dict) else str(getattr(entity, self.key))

    def load(self, items: list | None, state: dict) -> dict:
        """{name: {key: entity}} for the family's list in the data; a bad item raises InvalidData
        naming it (`services[3].identity: unknown identity ...`)."""
        pairs = list(enumerate(items or []))
        if self.order is not None:
            pairs.sort(key=lambda pair: self.order(pair[1]))
        table = {}
        for at, item in pairs:
            try:
                entity = self.parse(item, state)
            except KeyError as error:
                raise InvalidData(f"{self.name}[{at}]: {error.args[0]!r} is required") from None
            except (TypeError, ValueError) as error:  # InvalidItem among them
                where = getattr(error, "where", None)
                raise InvalidData(f"{self.name}[{at}]{'.' + where if where else ''}: {error}") from None
            table[self.identify(entity)] = entity
        return {self.name: table}

    def dumped(self, store) -> list:
        table = getattr(store, self.name).values()
        return [self.dump(entity) for entity in table] if self.dump else list(table)

    def stored_row(self, entity) -> dict:
        return self.dump(entity) if self.dump else entity


@dataclass(frozen=True)
class Part:
    name: str  # the key in the data format
    parse: Callable[[object, dict], dict]  # (raw value or None, state loaded so far) -> {store attribute: value}
    dump: Callable[[object], object]  # the store -> the value in the data format
    index = None
    row = None

    def load(self, value: object, state: dict) -> dict:
        try:
            return self.parse(value, state)
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidData(f"{self.name}: {type(error).__name__}: {error}") from None

    def dumped(self, store) -> object:
        return self.dump(store)


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


def known(value: object, table: dict, what: str) -> str:
    """Like reference(), in the words the store used for its own references: `unknown offering ...`."""
    key = uuid_of(value, what)
    if key not in table:
        raise InvalidItem(f"unknown {what} {key}", where=what)
    return key


def optional_reference(value: object, table: dict, what: str) -> str | None:
    return None if value is None else reference(value, table, what)


def moment(value: object) -> str | None:
    """A stored time in the form the mock writes (DRF's)."""
    return waldur_time(parse_time(value)) if value is not None else None


def free_json(value: object) -> object:
    """A private copy of a free-form JSON value from loaded state (statistics, agent details...),
    refused when it nests deeper than a request body may: deeper values could not be read back."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise InvalidItem(f"a value is nested deeper than the {MAX_JSON_DEPTH} levels a request body may have")
    return copy.deepcopy(value)
