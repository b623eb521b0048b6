"""The mock's state: what the seed data says and what clients have written since.

The state is loaded from (and dumped to) one plain data format, the same for the seed
YAML files, `/__admin/state` and the optional SQLite file: a dict of lists of objects
whose uuids are hex strings and whose times are ISO 8601 strings. The format is described
once, as a JSON Schema (data/state.schema.json, checked by data_format.check() on every load).

Writes: one path, `Store.transaction()`. Every method that changes the state does so inside
`with self.transaction() as change:`, and tells the change what it touches before touching it:

    change.keep(entity)            before changing an entity (a dataclass) in place
    change.put(mapping, key, item) to add or replace an item of a dict of entities
    change.save(kind, key, row)    the row (dump format) to store for it (persistence.PER_ROW), or a
                                   function that makes it: called only when a --state file stores it

When the block ends, the rows are committed to the `--state` database in one SQLite
transaction, and only then is the change visible: handlers and store methods run on the event
loop without awaiting in between, so no reader sees a write before it is stored. If storing
fails (read-only file, full disk, any sqlite3 or OS error) or the block raises, every kept
entity and put item is restored and the write is refused: a storage failure raises
StateNotSaved, which the app answers with 503 in the API's own error format. So what readers
see is always what a restart would load. Loading a whole state (PUT /__admin/state, reset) is
a transaction too: the new state is checked, stored, and only then replaces the old one.
"""
from __future__ import annotations

import copy
import json
import dataclasses
import logging
import sqlite3
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from agent_api_mock import permissions
from agent_api_mock.data_format import InvalidData, check
from agent_api_mock.permissions import InvalidAssignment, RoleAssignment, User, check_assignment
from agent_api_mock.wire import MAX_JSON_DEPTH, hex_uuid, json_depth, normalize_uuid, parse_time, utcnow, waldur_time

DEFAULT_DATA = Path(__file__).parent / "data" / "default.yaml"

SERVICE_STATES = {1: "Active", 2: "Idle", 3: "Error"}
SERVICE_STATE_CODES = {label: code for code, label in SERVICE_STATES.items()}
AGENT_TYPES = {1: "Order processing", 2: "Usage reporting", 3: "Glauth sync", 4: "Resource sync", 5: "Event processing"}
AGENT_TYPE_CODES = {label: code for code, label in AGENT_TYPES.items()}
INTEGRATION_STATUSES = ("Unknown", "Active", "Disconnected")
STALE_AFTER = timedelta(hours=24)


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

    def keep(self, entity) -> None:
        """Remember `entity`'s fields so that they can be put back. Containers in its fields (a
        service's processors) are copied and the entities inside kept too; JSON values are shared,
        since the store replaces a JSON value and never changes one in place."""
        fields = dict(entity.__dict__)
        for name, value in fields.items():
            if isinstance(value, (dict, list)):
                fields[name] = copy.copy(value)
                for item in (value.values() if isinstance(value, dict) else value):
                    if dataclasses.is_dataclass(item):
                        self.keep(item)
        self._undo.append(lambda: entity.__dict__.update(fields))

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
        """Any other way back, for changes that are neither an entity's fields nor a dict item."""
        self._undo.append(step)

    def undo(self) -> None:
        for step in reversed(self._undo):
            step()

@dataclass
class Processor:
    uuid: str
    name: str
    backend_type: str
    backend_version: str | None
    last_run: datetime | None
    created: datetime
    modified: datetime


@dataclass
class Service:
    uuid: str
    identity: str
    name: str
    mode: str | None
    state: int
    statistics: object
    created: datetime
    modified: datetime
    processors: dict[str, Processor] = field(default_factory=dict)  # by name, in creation order
    encoded: tuple[str, bytes] | None = field(default=None, repr=False, compare=False)  # (site, JSON) of the last answer


@dataclass
class IntegrationStatus:
    uuid: str
    offering: str
    agent_type: int
    status: str
    last_request_timestamp: datetime | None
    encoded: tuple[str, bytes] | None = field(default=None, repr=False, compare=False)


@dataclass
class Agent:
    """A Prefactor agent, kept as the details the API answers."""
    id: str
    details: dict


class Store:
    """All state of one mock instance. Every write goes through a method here."""

    writes = 0  # committed transactions and reloads: answers made from the state stay valid while it stands

    def __init__(self, data: dict | None = None, durable=None):
        """`data` is the seed that reset returns to (kept as given: loading builds fresh objects
        from it and never changes it). `durable` (a persistence.SqliteState) keeps every
        write; its saved state wins over `data`."""
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
        self._index()

    def _index(self) -> None:
        """Indexes for the list filters. Clients cannot delete services, so they change only when
        a whole state is loaded, or a service is added (add_service); the status indexes are
        rebuilt too when an agent's request refreshes a status (refresh_integration_statuses)."""
        self.services_by_identity: dict[str, list[Service]] = {}
        for service in self.services.values():
            self.services_by_identity.setdefault(service.identity, []).append(service)
        self.service_of_processor = {processor.uuid: service for service in self.services.values()
                                     for processor in service.processors.values()}
        self._index_statuses()

    def _index_statuses(self) -> None:
        statuses = list(self.integration_statuses.values())
        self.status_positions = {status.uuid: position for position, status in enumerate(statuses)}
        self.statuses_by_offering: dict[str, list[IntegrationStatus]] = {}
        for status in statuses:
            self.statuses_by_offering.setdefault(status.offering, []).append(status)
        # Ascending `last_request_timestamp` puts nulls last, descending first (PostgreSQL's order).
        ascending = sorted(statuses, key=lambda s: (s.last_request_timestamp is None, s.last_request_timestamp or 0))
        self.statuses_in_order = {
            (label, ordering): [s for s in chosen if label is None or s.status == label]
            for label in (None, *INTEGRATION_STATUSES)
            for ordering, chosen in ((None, statuses), ("last_request_timestamp", ascending),
                                     ("-last_request_timestamp", ascending[::-1]))
        }

    def reset(self) -> None:
        self.load(self._seed)

    def dump(self) -> dict:
        """The whole state as plain data, for encoding at once: it shares values with the store,
        so a caller that changes it copies it first."""
        return {
            "users": [_dump_user(u) for u in self.users.values()],
            "prefactor": {
                "tokens": sorted(self.prefactor_tokens),
                "partition_id": self.partition_id,
                "environment_id": self.environment_id,
            },
            "customers": list(self.customers.values()),
            "offerings": list(self.offerings.values()),
            "identities": [_dump_identity(identity) for identity in self.identities.values()],
            "services": [_dump_service(s) for s in self.services.values()],
            "event_subscriptions": [
                {**sub, "created": waldur_time(sub["created"]), "observable_objects": sub["observable_objects"],
                 "rmq_connection": sub["rmq_connection"]}
                for sub in self.event_subscriptions
            ],
            "queues": self.queues,
            "tasks": self.tasks,
            "integration_statuses": [_dump_status(s) for s in self.integration_statuses.values()],
            "agents": [agent.details for agent in self.agents.values()],
            "idempotency_keys": [
                {"key": key, "request": request, "agent": agent_id}
                for key, (request, agent_id) in self.idempotency_keys.items()
            ],
            **{family.name: list(getattr(self, family.name).values()) for family in registered_families()},
        }

    def now(self) -> datetime:
        """The current time, strictly later than any earlier answer, so `modified` always moves on."""
        moment = utcnow()
        if moment <= self._last_moment:
            moment = self._last_moment + timedelta(microseconds=1)
        self._last_moment = moment
        return moment

    # --- Waldur visibility (agent_api_mock.permissions) ---------------------------------

    def identity_of_service(self, service: Service) -> dict:
        return self.identities[service.identity]

    def can_see_service(self, user: User, service: Service) -> bool:
        return permissions.sees_agent_identity(self, user, self.identity_of_service(service))

    def can_change_service(self, user: User, service: Service) -> bool:
        identity = self.identity_of_service(service)
        return permissions.manages_offering_agent(self, user, identity["offering"], identity)

    def can_see_integration_status(self, user: User, status: IntegrationStatus) -> bool:
        return permissions.sees_offering(self, user, status.offering)

    def service(self, uuid: str) -> Service | None:
        key = normalize_uuid(uuid)
        return self.services.get(key) if key else None

    def integration_status(self, uuid: str) -> IntegrationStatus | None:
        key = normalize_uuid(uuid)
        return self.integration_statuses.get(key) if key else None

    def processor(self, uuid: str) -> tuple[Service, Processor] | None:
        """A processor by its uuid, with the service it belongs to."""
        service = self.service_of_processor.get(normalize_uuid(uuid) or "")
        if service is None:
            return None
        return service, next(p for p in service.processors.values() if p.uuid == normalize_uuid(uuid))

    # --- Waldur writes -------------------------------------------------------------------

    def register_processor(self, service: Service, name: str, backend_type: str,
                           backend_version: str | None) -> tuple[Processor, bool]:
        """Create the service's processor of that name, or update it; True when created."""
        with self.transaction() as change:
            change.keep(service)
            now = self.now()
            processor = service.processors.get(name)
            created = processor is None
            if created:
                processor = Processor(hex_uuid(), name, backend_type, backend_version, None, now, now)
                service.processors[name] = processor
                change.put(self.service_of_processor, processor.uuid, service)
            else:
                processor.backend_type = backend_type
                processor.backend_version = backend_version
                processor.last_run = now
                processor.modified = now
            service.encoded = None
            change.save("service", service.uuid, lambda: _dump_service(service))
        return processor, created

    def set_statistics(self, service: Service, statistics: object) -> None:
        with self.transaction() as change:
            change.keep(service)
            service.statistics = copy.deepcopy(statistics)
            service.modified = self.now()
            service.encoded = None
            change.save("service", service.uuid, lambda: _dump_service(service))

    def refresh_integration_statuses(self, offering: str, agent_types: tuple[int, ...]) -> None:
        """An agent's request marks its offering's statuses of these agent types Active with
        `last_request_timestamp` now, creating those the offering lacks (Waldur:
        marketplace/utils.py refresh_integration_agent_status, get_or_create then
        set_last_request_timestamp and set_backend_active)."""
        with self.transaction() as change:
            change.on_undo(self._index_statuses)  # undone last: the indexes of the restored statuses
            now = self.now()
            existing = {status.agent_type: status for status in self.statuses_by_offering.get(offering, ())}
            for agent_type in agent_types:
                status = existing.get(agent_type)
                if status is None:
                    status = IntegrationStatus(hex_uuid(), offering, agent_type, "Active", now)
                    change.put(self.integration_statuses, status.uuid, status)
                else:
                    change.keep(status)
                    status.status, status.last_request_timestamp, status.encoded = "Active", now, None
                change.save("integration_status", status.uuid, _dump_status(status))
            self._index_statuses()

    # --- the resource families (agent_api_mock.resources) --------------------------------

    def put(self, *entities: tuple[str, dict]) -> None:
        """Add or replace entities, given as (family, entity) with the entity in the data format
        (identities and the registered families): all stored in one transaction, or none."""
        with self.transaction() as change:
            for family, entity in entities:
                change.put(getattr(self, family), entity["uuid"], entity)
                change.save(family, entity["uuid"], _dump_identity(entity) if family == "identities" else entity)

    def add_service(self, service: Service) -> None:
        """A service an agent registered (register_service)."""
        with self.transaction() as change:
            change.put(self.services, service.uuid, service)
            services = self.services_by_identity.setdefault(service.identity, [])
            services.append(service)
            change.on_undo(lambda: services.remove(service))
            change.save("service", service.uuid, lambda: _dump_service(service))

    def set_service_mode(self, service: Service, mode: str) -> None:
        with self.transaction() as change:
            change.keep(service)
            service.mode = mode
            service.modified = self.now()
            service.encoded = None
            change.save("service", service.uuid, lambda: _dump_service(service))

    # --- Prefactor -----------------------------------------------------------------------

    def add_agent(self, details: dict, idempotency_key: str | None, request: dict) -> None:
        with self.transaction() as change:
            change.put(self.agents, details["id"], Agent(details["id"], details))
            change.save("agent", details["id"], details)
            if idempotency_key is not None:
                change.put(self.idempotency_keys, idempotency_key, (copy.deepcopy(request), details["id"]))
                change.save("idempotency_key", idempotency_key,
                            {"key": idempotency_key, "request": request, "agent": details["id"]})


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


def registered_families():
    """The entity families of agent_api_mock.resources, each in its own module. Imported here,
    when a state is loaded, because those modules import the request layer, which imports this one."""
    from agent_api_mock.resources import FAMILIES
    return FAMILIES


def _parse_user(u: dict) -> User:
    """A user and its role assignments (Waldur's shape: role_name, scope_type, scope_uuid). The
    older keys still load: `role` (staff | support | user) and `owner_of` (customers it owns)."""
    legacy = u.get("role", "user")
    roles = [RoleAssignment(str(p["role_name"]), str(p["scope_type"]), _hex(p["scope_uuid"], "scope_uuid"))
             for p in u.get("permissions", [])]
    roles += [RoleAssignment("CUSTOMER.OWNER", "customer", _hex(c, "owner_of")) for c in u.get("owner_of", [])]
    return User(str(u["token"]), str(u.get("username", u["token"])),
                is_staff=bool(u.get("is_staff", legacy == "staff")), is_support=bool(u.get("is_support", legacy == "support")),
                is_identity_manager=bool(u.get("is_identity_manager", False)),
                managed_isds=tuple(str(isd) for isd in u.get("managed_isds", [])), roles=tuple(dict.fromkeys(roles)))


def _dump_user(user: User) -> dict:
    """Only what differs from a plain user, as the built-in data writes it."""
    flags = {name: True for name in ("is_staff", "is_support", "is_identity_manager") if getattr(user, name)}
    return {"token": user.token, "username": user.username, **flags,
            **({"managed_isds": list(user.managed_isds)} if user.managed_isds else {}),
            **({"permissions": [{"role_name": a.role_name, "scope_type": a.scope_type, "scope_uuid": a.scope_uuid}
                                for a in user.roles]} if user.roles else {})}


def _dump_identity(identity: dict) -> dict:
    return {**identity, **{name: waldur_time(identity[name]) for name in ("last_restarted", "created", "modified")}}


def _dump_status(status: IntegrationStatus) -> dict:
    return {"uuid": status.uuid, "offering": status.offering, "agent_type": AGENT_TYPES[status.agent_type],
            "status": status.status, "last_request_timestamp": waldur_time(status.last_request_timestamp)}


def _dump_service(service: Service) -> dict:
    return {
        "uuid": service.uuid,
        "identity": service.identity,
        "name": service.name,
        "mode": service.mode,
        "state": SERVICE_STATES[service.state],
        "statistics": service.statistics,
        "created": waldur_time(service.created),
        "modified": waldur_time(service.modified),
        "processors": [
            {"uuid": p.uuid, "name": p.name, "backend_type": p.backend_type, "backend_version": p.backend_version,
             "last_run": waldur_time(p.last_run), "created": waldur_time(p.created), "modified": waldur_time(p.modified)}
            for p in service.processors.values()
        ],
    }


def _hex(value: object, what: str) -> str:
    key = normalize_uuid(value)
    if key is None:
        raise InvalidData(f"{what}: {value!r} is not a uuid")
    return key


def free_json(value: object) -> object:
    """A private copy of a free-form JSON value from loaded state (statistics, agent details...),
    refused when it nests deeper than a request body may: deeper values could not be read back."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise InvalidData(f"a value is nested deeper than the {MAX_JSON_DEPTH} levels a request body may have")
    return copy.deepcopy(value)


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
    users = {str(u["token"]): _parse_user(u) for u in data.get("users", [])}
    prefactor = data.get("prefactor") or {}
    customers = {}
    for c in data.get("customers", []):
        key = _hex(c["uuid"], "customer")
        customers[key] = {"uuid": key, "name": str(c["name"])}
    offerings = {}
    for at, o in enumerate(data.get("offerings", [])):
        key = _hex(o["uuid"], "offering")
        customer = _hex(o["customer"], "offering customer")
        if customer not in customers:
            raise InvalidData(f"offerings[{at}].customer: unknown customer {customer}")
        parent = _hex(o["parent"], "offering parent") if o.get("parent") else None
        offerings[key] = {"uuid": key, "name": str(o["name"]), "slug": str(o["slug"]), "customer": customer, "parent": parent,
                          # what the site agent reads of an offering (resources/offerings.py)
                          "type": str(o.get("type", "Marketplace.Basic")),
                          "plugin_options": free_json(o.get("plugin_options", {})),
                          "components": free_json(o.get("components", []))}
    identities = {}
    for at, i in enumerate(data.get("identities", [])):
        key = _hex(i["uuid"], "identity")
        offering = _hex(i["offering"], "identity offering")
        if offering not in offerings:
            raise InvalidData(f"identities[{at}].offering: unknown offering {offering}")
        identities[key] = {"uuid": key, "name": str(i["name"]), "offering": offering,
                           "version": i.get("version"), "last_restarted": parse_time(i["last_restarted"]),
                           # what an agent registers (resources/identities.py); seed identities lack it
                           "created": parse_time(i.get("created", i["last_restarted"])),
                           "modified": parse_time(i.get("modified", i.get("created", i["last_restarted"]))),
                           "created_by": _hex(i["created_by"], "identity created_by") if i.get("created_by") else None,
                           "dependencies": free_json(i.get("dependencies", [])),
                           "config_file_path": i.get("config_file_path"),
                           "config_file_content": i.get("config_file_content")}
    services = {}
    for at, s in sorted(enumerate(data.get("services", [])), key=lambda pair: parse_time(pair[1]["created"])):
        key = _hex(s["uuid"], "service")
        identity = _hex(s["identity"], "service identity")
        if identity not in identities:
            raise InvalidData(f"services[{at}].identity: unknown identity {identity}")
        state = s.get("state", "Active")
        service = Service(key, identity, str(s["name"]), s.get("mode"), SERVICE_STATE_CODES[state],
                          free_json(s.get("statistics", {})), parse_time(s["created"]), parse_time(s["modified"]))
        for p in s.get("processors", []):
            service.processors[str(p["name"])] = Processor(
                _hex(p["uuid"], "processor"), str(p["name"]), str(p["backend_type"]), p.get("backend_version"),
                parse_time(p.get("last_run")), parse_time(p["created"]), parse_time(p["modified"]))
        services[key] = service
    statuses = {}
    for at, st in enumerate(data.get("integration_statuses", [])):
        key = _hex(st["uuid"], "integration status")
        offering = _hex(st["offering"], "integration status offering")
        if offering not in offerings:
            raise InvalidData(f"integration_statuses[{at}].offering: unknown offering {offering}")
        statuses[key] = IntegrationStatus(key, offering, AGENT_TYPE_CODES[st["agent_type"]], st["status"],
                                          parse_time(st.get("last_request_timestamp")))
    subscriptions = [
        {"uuid": _hex(e["uuid"], "event subscription"), "identity": _hex(e["identity"], "subscription identity"),
         "created": parse_time(e["created"]), "observable_objects": free_json(e.get("observable_objects", [])),
         "rmq_connection": free_json(e.get("rmq_connection"))}
        for e in data.get("event_subscriptions", [])
    ]
    queues = [
        {"name": str(q["name"]), "identity": _hex(q["identity"], "queue identity"), "messages": int(q["messages"]),
         "consumers": int(q["consumers"]), "object_type": q.get("object_type"), "kind": q.get("kind", "legacy")}
        for q in data.get("queues", [])
    ]
    tasks = data.get("tasks") or {}
    agents = {}
    for details in data.get("agents", []):
        agents[str(details["id"])] = Agent(str(details["id"]), free_json(details))
    idempotency_keys = {
        str(entry["key"]): (free_json(entry["request"]), str(entry["agent"]))
        for entry in data.get("idempotency_keys", [])
    }
    fresh = {
        "users": users,
        "prefactor_tokens": frozenset(str(t) for t in prefactor.get("tokens", [])),
        "partition_id": str(prefactor.get("partition_id", "013xrzp12g3nqk8nx0y2vfkg4s3jp2qr")),
        "environment_id": str(prefactor.get("environment_id", "013xrzp12g3nqk8nzxvq7jm2arsfg5h1")),
        "customers": customers,
        "offerings": offerings,
        "identities": identities,
        "services": services,
        "event_subscriptions": subscriptions,
        "queues": queues,
        "tasks": {**{kind: free_json(list(tasks.get(kind, []))) for kind in ("active", "scheduled", "reserved")},
                  **({"error": str(tasks["error"])} if tasks.get("error") else {})},
        "integration_statuses": statuses,
        "agents": agents,
        "idempotency_keys": idempotency_keys,
    }
    for family in registered_families():
        table = fresh[family.name] = {}
        for at, item in enumerate(data.get(family.name, [])):
            try:
                entity = family.parse(item, fresh)
            except KeyError as error:
                raise InvalidData(f"{family.name}[{at}]: {error.args[0]!r} is required") from None
            except (TypeError, ValueError) as error:  # resources.family.InvalidItem among them
                raise InvalidData(f"{family.name}[{at}]: {error}") from None
            table[entity["uuid"]] = entity
    for at, u in enumerate(users.values()):
        for number, assignment in enumerate(u.roles):
            try:
                check_assignment(assignment, fresh)
            except InvalidAssignment as error:
                raise InvalidData(f"users[{at}].permissions[{number}]: {error}") from None
    return fresh
