"""Variants of the mock for the mutation harness: broken ones the contract suite must fail,
harmless ones it must pass. Each runs in a process of its own (serve_mutant.py), so a
variant may patch the mock's modules before it builds the app."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from agent_api_mock import events, pagination
from agent_api_mock.app import create_app
from agent_api_mock.middleware import replay
from agent_api_mock.resources import (identities, integration_statuses, orders, prefactor_agents, provider_resources,
                                      services, usages)
from agent_api_mock.store import Store


@dataclass(frozen=True)
class Variant:
    name: str
    family: str  # schema, status, header, auth, pagination, filter, ordering, persistence, invariant, harmless
    bug: str
    build: Callable[[], object]

    @property
    def harmless(self) -> bool:
        return self.family == "harmless"


# --- building blocks ---------------------------------------------------------------------

class RewriteResponses:
    """Rewrites answers whose request matches: JSON body, status and headers."""

    def __init__(self, app, when: Callable[[dict], bool], body=None, status=None, headers=None):
        self.app, self.when, self.body, self.status, self.headers = app, when, body, status, headers

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.when(scope):
            return await self.app(scope, receive, send)
        start, chunks = {}, []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        status, headers, body = start["status"], dict(start.get("headers", [])), b"".join(chunks)
        if self.body and body and b"json" in headers.get(b"content-type", b""):
            body = json.dumps(self.body(json.loads(body), scope, status)).encode()
        if self.status:
            status = self.status(status, scope)
            if status == 204:
                body = b""  # HTTP: a 204 answer has no content
        if self.headers:
            headers = self.headers(headers, scope, status)
        headers[b"content-length"] = str(len(body)).encode()
        await send({"type": "http.response.start", "status": status, "headers": list(headers.items())})
        await send({"type": "http.response.body", "body": body})


class RewriteRequests:
    """Rewrites the headers or JSON body of matching requests before the mock sees them."""

    def __init__(self, app, when: Callable[[dict], bool], headers=None, body=None):
        self.app, self.when, self.headers, self.body = app, when, headers, body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.when(scope):
            return await self.app(scope, receive, send)
        if self.headers:
            scope = {**scope, "headers": self.headers(list(scope["headers"]))}
        if self.body:
            chunks, more = [], True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            raw = b"".join(chunks)
            try:
                raw = json.dumps(self.body(json.loads(raw))).encode()
            except ValueError:
                pass
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
            scope = {**scope, "headers": headers + [(b"content-length", str(len(raw)).encode())]}
            return await self.app(scope, replay(raw, receive), send)
        await self.app(scope, receive, send)


def path_has(fragment: str, method: str | None = None) -> Callable[[dict], bool]:
    return lambda scope: fragment in scope["path"] and (method is None or scope["method"] == method)


def query_has(fragment: str) -> Callable[[dict], bool]:
    return lambda scope: fragment in scope.get("query_string", b"").decode()


def each_object(change: Callable[[dict], None]) -> Callable:
    """Applies `change` to every object of a body: a list's items, or the object itself."""
    def rewrite(body, scope, status):
        for item in body if isinstance(body, list) else [body]:
            if isinstance(item, dict):
                change(item)
        return body
    return rewrite


def only_success(change: Callable[[dict], None]) -> Callable:
    def rewrite(body, scope, status):
        return each_object(change)(body, scope, status) if status < 300 else body
    return rewrite


def with_header(name: bytes, value: bytes | None):
    def rewrite(headers, scope, status):
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
        return headers
    return rewrite


def authorized_as(token: bytes) -> Callable:
    def rewrite(headers):
        return [(k, v) for k, v in headers if k != b"authorization"] + [(b"authorization", token)]
    return rewrite


def creator_as_user_url(body, scope, status):
    """Identities' created_by written as the creator's hyperlink (as a DRF HyperlinkedRelatedField
    renders it), not the hex uuid the spec documents."""
    host, port = scope["server"]

    def link(identity):
        if isinstance(identity.get("created_by"), str):
            identity["created_by"] = f"http://{host}:{port}/api/users/{identity['created_by']}/"
    return only_success(link)(body, scope, status)


def hyphenate(hex_uuid: str) -> str:
    return f"{hex_uuid[:8]}-{hex_uuid[8:12]}-{hex_uuid[12:16]}-{hex_uuid[16:20]}-{hex_uuid[20:]}"


HYPHENATED_UUID = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/")
SERVICES = "/api/marketplace-site-agent-services/"
STATUSES = "/api/marketplace-integration-statuses/"
CONNECTION_STATS = "/api/marketplace-site-agent-connection-stats/"
TASK_STATS = "/api/marketplace-site-agent-task-stats/"
AGENTS = "/api/v1/agent"
IDENTITIES = "/api/marketplace-site-agent-identities/"


def wrapped(middleware, **options):
    return lambda: middleware(create_app(), **options)


def patched(modules, name, replacement_factory):
    """Replaces `name` in each module (where handlers imported it too) with
    replacement_factory(original), then builds a plain app."""
    modules = modules if isinstance(modules, tuple) else (modules,)

    def build():
        replacement = replacement_factory(getattr(modules[0], name))
        for module in modules:
            setattr(module, name, replacement)
        return create_app()
    return build


PAGINATING = (pagination, services, integration_statuses)


# --- behaviour bugs, as replacements of the mock's own functions --------------------------

def ignoring_page_size(original):
    def paginate(request, items):
        page, headers = original(request, items)
        return items, headers
    return paginate


def overlapping_pages(original):
    def paginate(request, items):
        page, headers = original(request, items)
        if request.query_params.get("page") not in (None, "1") and page:
            start = items.index(page[0])
            page = items[max(0, start - 1):start - 1 + len(page)]
        return page, headers
    return paginate


def counting_the_page(original):
    def paginate(request, items):
        page, headers = original(request, items)
        return page, {**headers, "X-Result-Count": str(len(page))}
    return paginate


def next_link_everywhere(original):
    def paginate(request, items):
        page, headers = original(request, items)
        if 'rel="next"' not in headers["Link"]:
            headers = {**headers, "Link": headers["Link"] + f', <{request.url}>; rel="next"'}
        return page, headers
    return paginate


def ignoring_state_filter(original):
    def matching(identity_uuid=None, mode=None, state=None, *rest):
        return original(identity_uuid, mode, None, *rest)
    return matching


def hex_only_identity_filter(original):
    def matching(identity_uuid=None, *rest):
        if identity_uuid and "-" in identity_uuid:
            return []
        return original(identity_uuid, *rest)
    return matching


def first_status_label_only(original):
    def matching(agent_type=None, customer_uuid=None, o=None, offering=None, offering_slug=None, offering_uuid=None,
                 parent_offering_uuid=None, status=None):
        return original(agent_type, customer_uuid, o, offering, offering_slug, offering_uuid, parent_offering_uuid,
                        status[:1] if status else status)
    return matching


class AscendingAlways(Store):
    """Answers o=-last_request_timestamp in ascending order."""

    def _index(self, family):
        super()._index(family)
        if family.name == "integration_statuses":
            for (label, ordering), statuses in list(self.statuses_in_order.items()):
                if ordering == "-last_request_timestamp":
                    self.statuses_in_order[(label, ordering)] = self.statuses_in_order[(label, "last_request_timestamp")]


class ForgetfulStatistics(Store):
    """Answers the statistics it was sent but keeps the old ones."""

    def put(self, *entities):
        super().put(*[(family, {**entity, "statistics": self.services[entity["uuid"]]["statistics"]})
                      if family == "services" and entity["uuid"] in self.services else (family, entity)
                      for family, entity in entities])


def stringified_statistics(original):
    def with_statistics(service, statistics, now):
        return original(service, statistics if isinstance(statistics, str) else json.dumps(statistics), now)
    return with_statistics


def duplicating_processors(original):
    """Registers every request as a new processor."""
    def registered(service, body, now):
        processors = [{**p, "name": f"{p['name']}\u200b{len(service['processors'])}"} if p["name"] == body["name"] else p
                      for p in service["processors"]]
        return original({**service, "processors": processors}, body, now)
    return registered


def renumbering_processors(original):
    """Updates a processor of a known name but gives it a new uuid."""
    def registered(service, body, now):
        service, processor, created = original(service, body, now)
        if not created:
            processor = {**processor, "uuid": processor["uuid"][::-1]}
            service = {**service, "processors": [processor if p["name"] == processor["name"] else p
                                                 for p in service["processors"]]}
        return service, processor, created
    return registered


class _StoreWithoutServiceIndex:
    """A store that finds no service of any identity, as identities.py looks them up."""

    services_by_identity: dict = {}

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)


class _MockWithoutServiceIndex:
    def __init__(self, mock):
        self._mock = mock

    def __getattr__(self, name):
        return getattr(self._mock, name)

    @property
    def store(self):
        return _StoreWithoutServiceIndex(self._mock.store)


def registering_services_anew(original):
    """register_service never finds the identity's service of that name, so it creates another."""
    return lambda: _MockWithoutServiceIndex(original())


def provisioning_anew(original):
    """register_queue never finds the queue still provisioned: each call makes a new RabbitMQ user (201)."""
    return lambda self, consumer, token: False


def approving_twice():
    """approve_by_provider accepted from executing too (the order stays executing)."""
    allowed_from, target = orders.TRANSITIONS["approve_by_provider"]
    orders.TRANSITIONS = {**orders.TRANSITIONS, "approve_by_provider": (allowed_from + ("executing",), target)}
    return create_app()


def rejecting_without_restoring():
    """A rejected Update order leaves its resource Updating (Waldur puts it back to OK)."""
    orders.RESOURCE_STATE_AFTER = {key: value for key, value in orders.RESOURCE_STATE_AFTER.items()
                                   if key != ("Update", "rejected")}
    return create_app()


def reporting_on_any_resource():
    """set_usage accepted whatever the resource's state, Terminated included."""
    usages.REPORTABLE_STATES = tuple(provider_resources.STATES)
    return create_app()


def forgetting_backend_id(original):
    """Resource writes drop backend_id: set_backend_id answers 200 and the resource keeps the old one."""
    def changed(resource, **fields):
        fields.pop("backend_id", None)
        return original(resource, **fields)
    return changed


class IgnoringFieldSelection:
    """Answers whole objects whatever `field=` asks for."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("query_string"):
            kept = [pair for pair in scope["query_string"].split(b"&") if not pair.startswith(b"field=")]
            scope = {**scope, "query_string": b"&".join(kept)}
        await self.app(scope, receive, send)


def with_store(store_class):
    return lambda: create_app(store=store_class())


def repeating_ids(original):
    return lambda store: "013xrzp12g3nqk8nx0y2vfkg4s3jp2qr"


def forgetting_idempotency(original):
    """create_agent reads its body through request_body: the key is dropped before it looks."""
    def body_without_key():
        body = original()
        return {key: value for key, value in body.items() if key != "idempotency_key"} if isinstance(body, dict) else body
    return body_without_key


def different_data():
    """The same kinds of objects, other names, uuids and amounts."""
    store = Store()
    data = store.dump()
    for index, service in enumerate(list(data["services"])):
        copy = json.loads(json.dumps(service))
        copy["uuid"] = copy["uuid"][::-1]
        copy["name"] = f"{copy['name']}-replica-{index}"
        copy["processors"] = []
        copy["statistics"] = {"replica": index}
        data["services"].append(copy)
    data["integration_statuses"] = data["integration_statuses"][:7]
    for customer in data["customers"]:
        customer["name"] = customer["name"].upper()
    return create_app(data)


def reorder(value):
    if isinstance(value, dict):
        return {key: reorder(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reorder(item) for item in value]
    return value


def with_extra_fields(body, scope, status):
    """A newer server's extra fields: on every answered object and on the documented objects
    inside it, never inside free-form values (statistics, error maps)."""
    if status >= 300:
        return body
    extra = {"x_extra_field": {"added_by": "a newer server"}}
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict):
            item.update(extra)
            for nested in item.get("processors", []) + item.get("agents", []):
                nested.update(extra)
            if isinstance(item.get("details"), dict):
                item["details"].update(extra)
                item["details"]["instance_counts"].update(extra)
    return body


class PrettyJson:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        start = {}

        async def indent(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body = message.get("body", b"")
            if body.startswith((b"{", b"[")):
                body = json.dumps(json.loads(body), indent=2).encode()
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
        await RewriteResponses(self.app, lambda scope: True)(scope, receive, indent)


EVERY_REQUEST = lambda scope: True  # noqa: E731
HTML_404 = b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


class Answering:
    """Answers matching requests itself, with a fixed status, content type and body; others reach the app."""

    def __init__(self, app, when: Callable[[dict], bool], status: int, content_type: bytes, body: bytes):
        self.app, self.when, self.status, self.content_type, self.body = app, when, status, content_type, body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.when(scope):
            return await self.app(scope, receive, send)
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", self.content_type), (b"content-length", str(len(self.body)).encode())]})
        await send({"type": "http.response.body", "body": self.body})


class DroppingConnections:
    """Starts the answer to matching requests, then drops the connection before the body."""

    def __init__(self, app, when: Callable[[dict], bool]):
        self.app, self.when = app, when

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.when(scope):
            return await self.app(scope, receive, send)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b'[{"uuid": ', "more_body": True})
        raise ConnectionResetError("dropped on purpose")


KNOWN_TOKENS = (b"Token waldur-owner", b"Token waldur-support", b"Token waldur-staff", b"Bearer prefactor-dev")


def authorized(when: Callable[[dict], bool]) -> Callable[[dict], bool]:
    """Only requests with a valid credential: refusals stay as they are, so the odd answers reach the checks that read them."""
    return lambda scope: when(scope) and any(k == b"authorization" and v in KNOWN_TOKENS for k, v in scope["headers"])


def api_request(scope) -> bool:
    return scope["path"].startswith("/api/")


def is_get(fragment: str = "/api/") -> Callable[[dict], bool]:
    return lambda scope: scope["path"].startswith(fragment) and scope["method"] in ("GET", "HEAD")


def filtered(scope) -> bool:
    """A list request with a filter (anything but page and page_size)."""
    names = {pair.split("=")[0] for pair in scope.get("query_string", b"").decode().split("&") if pair}
    return scope["method"] == "GET" and bool(names - {"page", "page_size"})


VARIANTS = [
    # schema
    Variant("service_state_in_lower_case", "schema", "services answer state 'active' instead of 'Active'",
            wrapped(RewriteResponses, when=path_has(SERVICES), body=only_success(
                lambda o: o.update(state=o["state"].lower()) if isinstance(o.get("state"), str) else None))),
    Variant("hyphenated_uuids_in_bodies", "schema", "service uuids written with hyphens",
            wrapped(RewriteResponses, when=path_has(SERVICES, "GET"), body=only_success(
                lambda o: o.update(uuid=hyphenate(o["uuid"])) if "uuid" in o else None))),
    Variant("identity_name_missing", "schema", "services lack the required identity_name",
            wrapped(RewriteResponses, when=path_has(SERVICES), body=only_success(lambda o: o.pop("identity_name", None)))),
    Variant("integration_status_without_url", "schema", "integration statuses lack url",
            wrapped(RewriteResponses, when=path_has(STATUSES), body=only_success(lambda o: o.pop("url", None)))),
    Variant("agent_status_outside_enum", "schema", "a new agent's status is 'new'",
            wrapped(RewriteResponses, when=path_has(AGENTS), body=only_success(
                lambda o: o.get("details", {}).update(status="new") if isinstance(o.get("details"), dict) else None))),
    Variant("connection_stats_without_summary", "schema", "connection stats lack summary",
            wrapped(RewriteResponses, when=path_has(CONNECTION_STATS), body=only_success(lambda o: o.pop("summary", None)))),
    Variant("identity_created_by_as_user_url", "schema",
            "agent identities answer created_by as the user's URL instead of its hex uuid",
            wrapped(RewriteResponses, when=path_has(IDENTITIES), body=creator_as_user_url)),
    # status codes
    Variant("register_processor_creates_with_200", "status", "a new processor answers 200 instead of 201",
            wrapped(RewriteResponses, when=path_has("register_processor"), status=lambda s, scope: 200 if s == 201 else s)),
    Variant("register_processor_updates_with_201", "status", "an update answers 201 instead of 200",
            wrapped(RewriteResponses, when=path_has("register_processor"), status=lambda s, scope: 201 if s == 200 else s)),
    Variant("task_stats_server_error", "status", "task stats answer 500",
            wrapped(RewriteResponses, when=path_has(TASK_STATS), status=lambda s, scope: 500 if s == 200 else s)),
    Variant("set_state_done_answers_204", "status", "an order's set_state_done answers 204 instead of the documented 200",
            wrapped(RewriteResponses, when=path_has("/set_state_done/", "POST"),
                    status=lambda s, scope: 204 if s == 200 else s)),
    Variant("unknown_uuid_is_500", "status", "an unknown service uuid answers 500 instead of 404",
            wrapped(RewriteResponses, when=path_has(SERVICES), status=lambda s, scope: 500 if s == 404 else s)),
    # headers
    Variant("no_result_count_header", "header", "lists answer without X-Result-Count",
            wrapped(RewriteResponses, when=path_has(SERVICES), headers=with_header(b"x-result-count", None))),
    Variant("no_link_header", "header", "integration status lists answer without Link",
            wrapped(RewriteResponses, when=path_has(STATUSES), headers=with_header(b"link", None))),
    Variant("html_content_type", "header", "agents are answered as text/html",
            wrapped(RewriteResponses, when=path_has(AGENTS), headers=with_header(b"content-type", b"text/html"))),
    # auth
    Variant("anonymous_is_staff", "auth", "requests without credentials are served as staff",
            wrapped(RewriteRequests, when=lambda scope: not any(k == b"authorization" for k, _ in scope["headers"])
                    and scope["path"].startswith("/api/marketplace"), headers=authorized_as(b"Token waldur-staff"))),
    Variant("any_token_is_staff", "auth", "unknown Waldur tokens are served as staff",
            wrapped(RewriteRequests, when=lambda scope: scope["path"].startswith("/api/marketplace") and not any(
                v in (b"Token waldur-owner", b"Token waldur-support", b"Token waldur-user") for k, v in scope["headers"]),
                headers=authorized_as(b"Token waldur-staff"))),
    Variant("stats_open_to_everyone", "auth", "support-only endpoints serve any account",
            wrapped(RewriteRequests, when=lambda scope: "stats" in scope["path"] and any(
                k == b"authorization" and v.startswith(b"Token waldur-") for k, v in scope["headers"]),
                headers=authorized_as(b"Token waldur-support"))),
    Variant("prefactor_without_auth", "auth", "agents are created without a valid token",
            wrapped(RewriteRequests, when=path_has(AGENTS), headers=authorized_as(b"Bearer prefactor-dev"))),
    Variant("support_can_write", "auth", "support accounts may register processors and set statistics",
            wrapped(RewriteRequests, when=lambda scope: scope["method"] == "POST" and any(
                v == b"Token waldur-support" for k, v in scope["headers"]), headers=authorized_as(b"Token waldur-staff"))),
    Variant("offering_manager_refused", "auth", "an offering manager is refused its own offering (served as an account without roles)",
            wrapped(RewriteRequests, when=lambda scope: scope["path"].startswith("/api/marketplace") and any(
                v == b"Token waldur-offering-manager" for k, v in scope["headers"]), headers=authorized_as(b"Token waldur-user"))),
    Variant("hyphenated_path_uuids_not_found", "status", "/{uuid}/ in the hyphenated form answers 404",
            wrapped(RewriteResponses, when=lambda scope: bool(HYPHENATED_UUID.search(scope["path"])),
                    status=lambda s, scope: 404)),
    # pagination
    Variant("page_size_ignored", "pagination", "every page holds the whole list",
            patched(PAGINATING, "paginate", ignoring_page_size)),
    Variant("pages_overlap", "pagination", "page N starts one object early",
            patched(PAGINATING, "paginate", overlapping_pages)),
    Variant("result_count_is_page_length", "pagination", "X-Result-Count counts the page, not the list",
            patched(PAGINATING, "paginate", counting_the_page)),
    Variant("next_link_on_last_page", "pagination", "the last page still links a next page",
            patched(PAGINATING, "paginate", next_link_everywhere)),
    # filters and ordering
    Variant("state_filter_ignored", "filter", "?state= returns every service",
            patched(services, "matching_services", ignoring_state_filter)),
    Variant("hyphenated_identity_filter_finds_nothing", "filter", "?identity_uuid= in the hyphenated form matches nothing",
            patched(services, "matching_services", hex_only_identity_filter)),
    Variant("status_filter_uses_first_value_only", "filter", "?status=A&status=B filters by A only",
            patched(integration_statuses, "matching_statuses", first_status_label_only)),
    Variant("field_selection_ignored", "filter", "?field= answers whole objects",
            lambda: IgnoringFieldSelection(create_app())),
    Variant("descending_order_ignored", "ordering", "o=-last_request_timestamp sorts ascending",
            with_store(AscendingAlways)),
    # persistence
    Variant("statistics_not_persisted", "persistence", "set_statistics answers the value but keeps the old one",
            with_store(ForgetfulStatistics)),
    Variant("statistics_stored_as_text", "persistence", "statistics come back as a JSON string",
            patched(services, "with_statistics", stringified_statistics)),
    Variant("same_name_registers_twice", "persistence", "re-registering a name adds a second processor",
            patched(services, "registered", duplicating_processors)),
    Variant("update_changes_processor_uuid", "persistence", "an update gives the processor a new uuid",
            patched(services, "registered", renumbering_processors)),
    Variant("idempotency_key_ignored", "persistence", "a replayed idempotency key creates another agent",
            patched(prefactor_agents, "request_body", forgetting_idempotency)),
    Variant("register_service_creates_duplicates", "persistence", "registering a service name again creates a second service",
            patched(identities, "mock", registering_services_anew)),
    Variant("register_queue_provisions_again", "persistence",
            "registering the queue again answers 201 with a new RabbitMQ user",
            patched(events.Events, "_still_provisioned", provisioning_anew)),
    Variant("backend_id_lost", "persistence", "set_backend_id answers 200 but the resource keeps its old backend_id",
            patched(provider_resources, "changed", forgetting_backend_id)),
    # invariants
    Variant("order_approved_twice", "invariant", "approving an executing order is accepted (200) instead of refused",
            approving_twice),
    Variant("rejected_update_leaves_resource_updating", "invariant",
            "a rejected Update order leaves its resource Updating instead of OK", rejecting_without_restoring),
    Variant("set_usage_accepted_on_terminated_resource", "invariant",
            "set_usage on a Terminated resource answers 201 instead of 400", reporting_on_any_resource),
    Variant("finished_is_not_the_sum", "invariant", "instance_counts.finished differs from complete+failed+cancelled",
            wrapped(RewriteResponses, when=path_has(AGENTS), body=only_success(
                lambda o: o["details"]["instance_counts"].update(finished=1) if "details" in o else None))),
    Variant("new_agent_can_be_reinstated", "invariant", "a pending agent offers reinstate",
            wrapped(RewriteResponses, when=path_has(AGENTS), body=only_success(
                lambda o: o["details"]["available_actions"].update(reinstate=True) if "details" in o else None))),
    Variant("connection_stats_show_stale_states", "invariant", "connection stats show every service as Active",
            wrapped(RewriteResponses, when=path_has(CONNECTION_STATS), body=only_success(
                lambda o: [service.update(state="Active") for agent in o.get("agents", []) for service in agent["services"]]))),
    Variant("agent_ids_repeat", "invariant", "every agent gets the same id",
            patched(prefactor_agents, "fresh_id", repeating_ids)),
    Variant("agent_name_not_echoed", "invariant", "agent names come back upper-cased",
            wrapped(RewriteResponses, when=path_has(AGENTS), body=only_success(
                lambda o: o["details"].update(name=o["details"]["name"].upper() + "!") if "details" in o else None))),
    Variant("invalid_agent_body_accepted", "invariant", "a body without details.name creates an agent",
            wrapped(RewriteRequests, when=path_has(AGENTS, "POST"), body=lambda body: {
                **body, "details": {"name": "filled in", **body["details"]}}
                if isinstance(body, dict) and isinstance(body.get("details"), dict) else body)),
    # answers that are no JSON at all, or no answer
    Variant("services_body_not_json", "body", "service answers are cut-off JSON",
            wrapped(Answering, when=authorized(is_get(SERVICES)), status=200, content_type=b"application/json", body=b'[{"uuid": ')),
    Variant("services_as_html_pages", "body", "services answer an HTML page with 200",
            wrapped(Answering, when=authorized(is_get(SERVICES)), status=200, content_type=b"text/html", body=HTML_404)),
    Variant("statuses_with_empty_bodies", "body", "integration statuses answer 200 with an empty body",
            wrapped(Answering, when=authorized(is_get(STATUSES)), status=200, content_type=b"application/json", body=b"")),
    Variant("agent_answers_empty_body", "body", "creating an agent answers 201 with an empty body",
            wrapped(Answering, when=authorized(path_has(AGENTS, "POST")), status=201, content_type=b"application/json", body=b"")),
    Variant("service_retrieve_drops_connection", "connection", "retrieving a service drops the connection mid-answer",
            wrapped(DroppingConnections, when=authorized(lambda scope: scope["method"] == "GET"
                                                         and scope["path"].startswith(SERVICES) and scope["path"] != SERVICES))),
    Variant("html_404_everywhere", "routing", "a deployment without these routes: an HTML 404 page for everything",
            wrapped(Answering, when=api_request, status=404, content_type=b"text/html", body=HTML_404)),
    Variant("empty_list_for_every_get", "routing", "every GET answers 200 []",
            wrapped(Answering, when=is_get(), status=200, content_type=b"application/json", body=b"[]")),
    Variant("filtered_lists_empty_identity_name_missing", "schema",
            "filtered lists are always empty, and services lack the required identity_name",
            lambda: Answering(RewriteResponses(create_app(), when=path_has(SERVICES), body=only_success(
                lambda o: o.pop("identity_name", None))), when=filtered, status=200, content_type=b"application/json",
                body=b"[]")),
    # harmless
    Variant("extra_fields", "harmless", "every object carries an extra field",
            wrapped(RewriteResponses, when=EVERY_REQUEST, body=with_extra_fields)),
    Variant("reversed_key_order", "harmless", "every object's keys in reverse order",
            wrapped(RewriteResponses, when=EVERY_REQUEST, body=lambda body, scope, status: reorder(body))),
    Variant("different_data", "harmless", "twice the services, fewer statuses, other names", different_data),
    Variant("pretty_printed_json", "harmless", "indented JSON bodies", lambda: PrettyJson(create_app())),
    Variant("extra_headers", "harmless", "an extra response header on every answer",
            wrapped(RewriteResponses, when=EVERY_REQUEST, headers=with_header(b"x-request-id", b"0f8a9c"))),
    Variant("not_resettable", "harmless", "no /__admin/ surface, so the suite cannot reset it",
            lambda: create_app(admin_surface=False)),
    Variant("waldur_8_0_5_without_later_fields", "harmless",
            "a Waldur 8.0.5 server: identities without created_by, integration statuses without agent_type "
            "(both added in 8.0.6; reported under field_added_after_server_version, not failed)",
            lambda: RewriteResponses(
                RewriteResponses(create_app(), when=path_has(IDENTITIES),
                                 body=only_success(lambda o: o.pop("created_by", None))),
                when=path_has(STATUSES), body=only_success(lambda o: o.pop("agent_type", None)))),
]
BY_NAME = {variant.name: variant for variant in VARIANTS}
assert len(BY_NAME) == len(VARIANTS)
