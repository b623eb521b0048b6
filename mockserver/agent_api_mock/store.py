"""The mock's state: what the seed data says and what clients have written since.

The store knows no entity by name. The resource families (agent_api_mock.resources, declared
with resources.family.Family and Part) say what the state holds: each family a list of the
data format, its entities kept as {key: entity} in the store attribute of the same name, in
load order (an entity refers only to families loaded before it). The state is loaded from
(and dumped to) one plain data format, the same for the seed YAML files, `/__admin/state` and
the optional `--state` file: a dict of lists of objects whose uuids are hex strings and whose
times are ISO 8601 strings, described once as a JSON Schema (data/state.schema.json, checked by
data_format.check() on every load). Entities are dicts in that format, so a dump is the tables.

Writes: one path, `Store.transaction()`. A write replaces entities, never changes one in place
(a new dict, so the old one is what an undo puts back), inside `with self.transaction() as change:`:

    store.put((family, entity), ...)  adds or replaces entities in one transaction (the usual way)
    change.put(mapping, key, item)    to add or replace an item of a dict
    change.save(kind, key, row)       the row (dump format) to store for it (the family's `row`
                                      kind), or a function that makes it
    change.on_undo(step)              any other way back

Indexes: a family may declare an `index` function; the store rebuilds its indexes (attributes
named by the function) when a whole state is loaded and after every write to the family.

When the block ends, the rows are committed to the `--state` backend (persistence.SqliteState:
load, replace, save_many) in one transaction, and only then is the change visible: handlers run
on the event loop without awaiting in between, so no reader sees a write before it is stored.
If storing fails (read-only file, full disk, any sqlite3 or OS error) or the block raises, every
kept object and put item is restored and the write is refused: a storage failure raises
StateNotSaved, which the app answers with 503 in the API's own error format. So what readers
see is always what a restart would load. Loading a whole state (PUT /__admin/state, reset) is
a transaction too: the new state is checked, stored, and only then replaces the old one.
"""
from __future__ import annotations

import functools
import json
import logging
import sqlite3
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from agent_api_mock.data_format import InvalidData, check
from agent_api_mock.permissions import User
from agent_api_mock.wire import utcnow

DEFAULT_DATA = Path(__file__).parent / "data" / "default.yaml"

log = logging.getLogger("mockserver")

__all__ = ["InvalidData", "StateNotSaved", "Store", "User", "load_data_file"]


class StateNotSaved(Exception):
    """The storage refused a write (read-only or full disk...); memory was left as it was."""


class InvalidSavedState(InvalidData):
    """The `--state` file holds a state that does not load (the seed was fine)."""


class Change:
    """One write in progress: how to undo it, and the rows that store it (see the module docstring)."""

    def __init__(self):
        self.rows: list[tuple[str, str, dict]] = []
        self.whole_state = False
        self._undo: list = []

    def put(self, mapping: dict, key, item) -> None:
        """`mapping[key] = item`, undone by restoring the old item or removing the key."""
        missing = object()
        old = mapping.get(key, missing)
        mapping[key] = item
        self._undo.append(lambda: mapping.pop(key, None) if old is missing else mapping.__setitem__(key, old))

    def save(self, kind: str, key: str, row) -> None:
        """Store `row` (a dict, or a function returning one, for rows costly to build) with the change."""
        self.rows.append((kind, key, row))

    def stored_rows(self) -> list[tuple[str, str, dict]]:
        return [(kind, key, row() if callable(row) else row) for kind, key, row in self.rows]

    def on_undo(self, step) -> None:
        """Any other way back, for changes that are not a dict item (a whole state, an index)."""
        self._undo.append(step)

    def undo(self) -> None:
        for step in reversed(self._undo):
            step()


class Store:
    """All state of one mock instance: the families' tables, and their indexes."""

    writes = 0  # committed transactions and reloads: answers made from the state stay valid while it stands

    def __init__(self, data: dict | None = None, durable=None):
        """`data` is the seed that reset returns to (kept as given: loading builds fresh objects
        from it and never changes it). `durable` (a persistence backend: load, replace,
        save_many) keeps every write; its saved state wins over `data`."""
        self._seed = data if data is not None else load_data_file(DEFAULT_DATA)
        self._last_moment = utcnow()
        self._durable = None
        fresh = _parse_state(self._seed)  # a bad seed is refused even when a saved state wins over it
        saved = durable.load() if durable is not None else None
        if saved is not None:
            try:
                fresh = _parse_state(saved)
            except InvalidData as error:
                raise InvalidSavedState(str(error)) from None
        self._publish(fresh)
        self._durable = durable
        if durable is not None and saved is None:
            durable.replace(self.dump())

    # --- whole-state operations -------------------------------------------------------

    @contextmanager
    def transaction(self):
        """The one way state changes: see the module docstring."""
        change = Change()
        try:
            # a shared state (postgres_state.py) locks it and catches up with other processes here
            with self._durable.writing(self) if self._durable is not None else nullcontext():
                yield change
                if self._durable is not None:
                    if change.whole_state:
                        self._durable.replace(self.dump())
                    elif change.rows:
                        self._durable.save_many(change.stored_rows())
            self.writes += 1
        except (sqlite3.Error, OSError) as error:
            change.undo()
            log.error("a write could not be stored, and was undone: %s", error)
            raise StateNotSaved(f"The state could not be saved ({error}); nothing was changed.") from error
        except BaseException:
            change.undo()
            raise

    @property
    def durable(self):
        """Where writes are stored (persistence.SqliteState, a postgres_state.SessionState), or None."""
        return self._durable

    def reload_from(self, saved: dict) -> None:
        """Take the state another process stored (a shared --state): replaced, not stored again."""
        try:
            fresh = _parse_state(saved)
        except InvalidData as error:
            raise InvalidSavedState(str(error)) from None
        self._publish(fresh)
        self.writes += 1

    def load(self, data: dict) -> None:
        """Replace the whole state. Invalid data raises InvalidData, a storage failure
        StateNotSaved; either way the old state stays."""
        fresh = _parse_state(data)
        with self.transaction() as change:
            old = dict(self.__dict__)
            change.on_undo(lambda: (self.__dict__.clear(), self.__dict__.update(old)))
            change.whole_state = True
            self._publish(fresh)

    def _publish(self, fresh: dict) -> None:
        self.__dict__.update(fresh)
        self.answers: dict = {}  # responses.encoded(): JSON answers by uuid, valid while their entity is current
        for family in families():
            self._index(family)

    def _index(self, family) -> None:
        """The indexes `family` asks for, from its table as it is now."""
        if family.index is not None:
            self.__dict__.update(family.index(getattr(self, family.name)))

    def reset(self) -> None:
        self.load(self._seed)

    def dump(self) -> dict:
        """The whole state as plain data, for encoding at once: it shares values with the store,
        so a caller that changes it copies it first."""
        return {family.name: family.dumped(self) for family in families()}

    def now(self) -> datetime:
        """The current time, strictly later than any earlier answer, so `modified` always moves on."""
        moment = utcnow()
        if moment <= self._last_moment:
            moment = self._last_moment + timedelta(microseconds=1)
        self._last_moment = moment
        return moment

    # --- writes --------------------------------------------------------------------------

    def put(self, *entities: tuple[str, dict]) -> None:
        """Add or replace entities, given as (family name, entity) with the entity in the data
        format: all stored in one transaction, or none; the families' indexes follow."""
        self.write(lambda: entities)

    def write(self, make) -> None:
        """put() the entities `make()` returns, with `make` run inside the write: after a shared
        --state caught up with the other processes (postgres_state.py), so what it read is
        current. For a read-modify-write that no unsafe request's lock covers (an agent's GET
        that refreshes integration statuses)."""
        with self.transaction() as change:
            entities = tuple(make())
            written = {name: family_named(name) for name, _ in entities}
            for family in written.values():
                change.on_undo(lambda family=family: self._index(family))  # run last: indexes of what was restored
            for name, entity in entities:
                family = written[name]
                key = family.identify(entity)
                change.put(getattr(self, name), key, entity)
                change.save(family.row, key, family.stored_row(entity))
            for family in written.values():
                self._index(family)


def load_data_file(path: str | Path) -> dict:
    """Seed data from YAML, or from JSON (a /__admin/state dump loads as it is; JSON is read by
    Python's json (exact for integers of any size), YAML by libyaml when installed: 100,000
    objects load in seconds, not minutes)."""
    text = Path(path).read_bytes()
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context", None)
        raise InvalidData(f"{where}malformed YAML: {problem}" + (f" ({context})" if context else "")) from None


def families():
    """The families (and parts) of the state, in load order (agent_api_mock.resources). Imported
    here, when a state is loaded, because those modules import the request layer, which imports
    this one."""
    from agent_api_mock.resources import FAMILIES
    return FAMILIES


@functools.cache
def family_named(name: str):
    from agent_api_mock.resources import FAMILY_NAMED
    return FAMILY_NAMED[name]


def _parse_state(data: dict) -> dict:
    """The store's fields for `data`, after data_format.check(); what a schema cannot check
    (references between items, nesting depth, dates) raises InvalidData here."""
    check(data)
    try:
        return _build_state(data)
    except InvalidData:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:  # a gap in the schema: still a 400
        raise InvalidData(f"{type(error).__name__}: {error}") from error


def _build_state(data: dict) -> dict:
    fresh: dict = {}
    for family in families():
        fresh.update(family.load(data.get(family.name), fresh))
    return fresh
