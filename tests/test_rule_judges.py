"""The judges of agent_api_contracts.judges, as the active suites and the validating proxy both
use them: each one applied to the exchanges that show its rule kept, and to the ones that show
it broken. A sequence judge remembers what it saw; none raises, whatever the bodies."""
from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_api_contracts.judges import rule_judges
from agent_api_contracts.judges.exchanges import Observed, Watching, observe, same_json
from agent_api_contracts.judges.identities import RegistrationsAreIdempotent
from agent_api_contracts.judges import lists
from agent_api_contracts.judges.access import AccountsKeepToTheirRoles, OfferingManagersReachTheirOfferingsAgents
from agent_api_contracts.judges.lists import (PAGINATED, FilteredListsDropNothing, PagesAreDisjoint,
                                              listed_objects_match_the_filters, pages_agree_with_their_count_and_links,
                                              selected_fields_only)
from agent_api_contracts.judges import orders
from agent_api_contracts.judges.orders import OrdersMoveAsTheMachineAllows
from agent_api_contracts.judges.prefactor import AgentsAreFreshOrReplayed, created_agent_is_new_and_named_as_sent
from agent_api_contracts.judges.resources import ResourcesKeepWhatTheAgentSet
from agent_api_contracts.judges.services import ProcessorsKeepTheirUuid
from agent_api_contracts.rules.answers import MISSING
from agent_api_spec.operations import documented

ORDER, RESOURCE, IDENTITY, SERVICE = "a" * 32, "b" * 32, "c" * 32, "d" * 32
AGENT_ID = "013xrzp12g3nqk8nx0y2vfkg4s3jp2qr"
OTHER_AGENT_ID = "013xrzp12g3nqk8nx0y2vfkg4s3jp2qs"


def answered(operation_id: str, status: int, body=None, sent=None, uuid: str = "", query: str = "",
             headers: dict | None = None, account: str = "Token t") -> httpx.Response:
    """An answer to `operation_id` (its path from spec/, `uuid` in it), as a server gave it to
    `account` (an Authorization header)."""
    operation = documented().by_id(operation_id)
    path = operation.template.replace("{uuid}", uuid)
    request = httpx.Request(operation.method, f"http://server{path}{'?' + query if query else ''}",
                            headers={"Authorization": account}, content=json.dumps(sent).encode() if sent is not None else b"")
    content = json.dumps(body).encode() if body is not None else b""
    return httpx.Response(status, content=content, request=request,
                          headers={"content-type": "application/json", **(headers or {})})


def rules_broken(judged: Watching, *answers: tuple[httpx.Response, str]) -> list[str]:
    return [violation.rule.name for response, operation_id in answers for violation in judged(response, operation_id)]


def order(state: str) -> dict:
    return {"uuid": ORDER, "state": state}


# --- orders ------------------------------------------------------------------------------------

def test_an_order_approved_a_second_time_must_be_refused():
    judged = Watching(OrdersMoveAsTheMachineAllows())
    first = (answered("marketplace_orders_approve_by_provider", 200, {}, {}, ORDER), "marketplace_orders_approve_by_provider")
    assert rules_broken(judged, (answered("marketplace_orders_retrieve", 200, order("pending-provider"), uuid=ORDER),
                                 "marketplace_orders_retrieve"), first) == []
    refused = answered("marketplace_orders_approve_by_provider", 409, {"detail": "Invalid state."}, {}, ORDER)
    assert rules_broken(judged, (refused, "marketplace_orders_approve_by_provider")) == []
    accepted = answered("marketplace_orders_approve_by_provider", 200, {}, {}, ORDER)
    assert rules_broken(judged, (accepted, "marketplace_orders_approve_by_provider")) == \
        ["refused_order_transition_changes_nothing"]


def test_after_an_accepted_transition_the_order_reads_as_its_target_or_later():
    done = (answered("marketplace_orders_set_state_done", 200, {}, uuid=ORDER), "marketplace_orders_set_state_done")
    for state, broken in (("done", []), ("executing", ["allowed_order_transition_moves_the_order"])):
        judged = Watching(OrdersMoveAsTheMachineAllows())
        read = answered("marketplace_orders_list", 200, [order(state)], query="state=" + state)
        assert rules_broken(judged, done, (read, "marketplace_orders_list")) == broken, state
    # Another actor may move an order on as the machine allows: approved, then read done.
    judged = Watching(OrdersMoveAsTheMachineAllows())
    approved = answered("marketplace_orders_approve_by_provider", 200, {}, {}, ORDER)
    assert rules_broken(judged, (approved, "marketplace_orders_approve_by_provider"),
                        (answered("marketplace_orders_retrieve", 200, order("done"), uuid=ORDER),
                         "marketplace_orders_retrieve")) == []


def test_an_order_never_seen_or_seen_long_ago_is_not_judged_by_what_it_was(monkeypatch):
    judged = Watching(OrdersMoveAsTheMachineAllows())
    assert rules_broken(judged, (answered("marketplace_orders_set_state_done", 200, {}, uuid=ORDER),
                                 "marketplace_orders_set_state_done")) == []
    # Done, then (KNOWN_FOR seconds later) staff moved it on unseen: an approval is no verdict.
    clock = [1000.0]
    monkeypatch.setattr(orders.time, "monotonic", lambda: clock[0])
    judged = Watching(OrdersMoveAsTheMachineAllows())
    approve = "marketplace_orders_approve_by_provider"
    done = (answered("marketplace_orders_set_state_done", 200, {}, uuid=ORDER), "marketplace_orders_set_state_done")
    assert rules_broken(judged, done) == []
    clock[0] += orders.KNOWN_FOR + 1
    assert rules_broken(judged, (answered(approve, 200, {}, {}, ORDER), approve)) == []
    assert rules_broken(judged, (answered(approve, 200, {}, {}, ORDER), approve)) == ["refused_order_transition_changes_nothing"]


# --- provider resources ------------------------------------------------------------------------

def test_a_resource_reads_back_the_backend_id_and_metadata_the_agent_set():
    writes = [("marketplace_provider_resources_set_backend_id", {"backend_id": "slurm-1"}),
              ("marketplace_provider_resources_set_limits", {"limits": {"cpu": 10}}),
              ("marketplace_provider_resources_set_backend_metadata", {"backend_metadata": {"account": "a1", "n": 1}})]
    kept = {"uuid": RESOURCE, "backend_id": "slurm-1", "limits": {"cpu": 10},
            "backend_metadata": {"account": "a1", "n": 1.0, "added_by_the_server": True}}
    for read, broken in ((kept, []), ({**kept, "backend_id": "old"}, ["resource_keeps_what_the_agent_sets"]),
                         ({**kept, "backend_metadata": {"account": "a1", "n": True}}, ["resource_keeps_what_the_agent_sets"]),
                         ({**kept, "backend_metadata": {}}, ["resource_keeps_what_the_agent_sets"]),
                         # limits also change when an Update order completes: not judged in passing
                         ({**kept, "limits": {"cpu": 20}}, [])):
        judged = Watching(ResourcesKeepWhatTheAgentSet())
        answers = [(answered(operation_id, 200, {"status": "OK"}, body, RESOURCE), operation_id) for operation_id, body in writes]
        answers.append((answered("marketplace_provider_resources_retrieve", 200, read, uuid=RESOURCE),
                        "marketplace_provider_resources_retrieve"))
        assert rules_broken(judged, *answers) == broken, read


# --- identities and their services ---------------------------------------------------------------

@pytest.mark.parametrize("second,broken", [
    ((200, SERVICE), []),
    ((201, "e" * 32), ["service_registration_is_idempotent_by_name"]),
    ((200, "e" * 32), ["service_registration_is_idempotent_by_name"]),
], ids=["200 with the same service", "201 again", "200 with another service"])
def test_registering_a_service_name_again_answers_the_service_registered_before(second, broken):
    judged = Watching(RegistrationsAreIdempotent())
    sent = {"name": "order_process", "mode": "order_process"}
    first = answered("marketplace_site_agent_identities_register_service", 201, {"uuid": SERVICE}, sent, IDENTITY)
    again = answered("marketplace_site_agent_identities_register_service", second[0], {"uuid": second[1]}, sent, IDENTITY)
    assert rules_broken(judged, (first, "marketplace_site_agent_identities_register_service"),
                        (again, "marketplace_site_agent_identities_register_service")) == broken


# --- Prefactor agents ---------------------------------------------------------------------------

def agent(agent_id: str, name: str = "a", status: str = "pending") -> dict:
    counts = {"finished": 0, "complete": 0, "failed": 0, "cancelled": 0}
    return {"status": "success", "details": {"id": agent_id, "name": name, "status": status, "instance_counts": counts,
                                             "available_actions": {"reinstate": False}}}


def test_an_idempotency_key_replays_its_agent_and_ids_are_never_given_twice():
    body = {"details": {"name": "a"}, "idempotency_key": "k1"}
    judged = Watching(created_agent_is_new_and_named_as_sent, AgentsAreFreshOrReplayed())
    assert rules_broken(judged, (answered("create_agent", 201, agent(AGENT_ID), body), "create_agent"),
                        (answered("create_agent", 200, agent(AGENT_ID), body), "create_agent")) == []
    assert rules_broken(judged, (answered("create_agent", 201, agent(OTHER_AGENT_ID), body), "create_agent")) == \
        ["an_idempotency_key_replays_its_agent"]
    judged = Watching(AgentsAreFreshOrReplayed())
    keyless = {"details": {"name": "a"}}
    assert rules_broken(judged, (answered("create_agent", 201, agent(AGENT_ID), keyless), "create_agent"),
                        (answered("create_agent", 201, agent(AGENT_ID), keyless), "create_agent")) == \
        ["created_agents_have_fresh_ids_in_prefactor_format"]
    assert rules_broken(Watching(AgentsAreFreshOrReplayed()),
                        (answered("create_agent", 201, agent("not-a-prefactor-id"), keyless), "create_agent")) == \
        ["created_agents_have_fresh_ids_in_prefactor_format"]


def test_a_new_agent_has_the_name_sent_and_is_pending():
    judged = Watching(created_agent_is_new_and_named_as_sent)
    sent = {"details": {"name": "wanted"}}
    assert rules_broken(judged, (answered("create_agent", 201, agent(AGENT_ID, "other"), sent), "create_agent")) == \
        ["created_agent_has_the_requested_name"]
    assert rules_broken(judged, (answered("create_agent", 200, agent(AGENT_ID, "wanted", "active"), sent), "create_agent")) == \
        ["a_new_agent_is_pending_and_cannot_be_reinstated"]


# --- lists ----------------------------------------------------------------------------------------

def test_every_list_that_documents_x_result_count_has_its_pages_judged():
    assert {"marketplace_orders_list", "marketplace_provider_resources_list", "marketplace_site_agent_services_list",
            "marketplace_integration_statuses_count"} <= set(PAGINATED)
    page = answered("marketplace_orders_list", 200, [order("done")] * 3, query="page_size=2",
                    headers={"x-result-count": "3", "link": '<http://server/api/marketplace-orders/?page_size=2>; rel="first", '
                                                             '<http://server/api/marketplace-orders/?page=2&page_size=2>; rel="last"'})
    assert [v.rule.name for v in pages_agree_with_their_count_and_links(observe(page, "marketplace_orders_list"))] == \
        ["link_header_points_to_first_prev_next_last", "page_size_bounds_the_page"]


def test_a_filtered_list_of_the_agents_objects_holds_only_matching_objects():
    strays = answered("marketplace_orders_list", 200, [order("pending-provider"), order("done")], query="state=pending-provider")
    assert [v.rule.name for v in listed_objects_match_the_filters(observe(strays, "marketplace_orders_list"))] == \
        ["filter_returns_only_and_all_matching_objects"]
    by_backend_id = answered("marketplace_provider_resources_list", 200, [{"uuid": RESOURCE, "backend_id": "x"}],
                             query="backend_id=y")
    assert listed_objects_match_the_filters(observe(by_backend_id, "marketplace_provider_resources_list"))
    hyphenated = answered("marketplace_orders_list", 200, [{"offering_uuid": "12345678123456781234567812345678"}],
                          query="offering_uuid=12345678-1234-5678-1234-567812345678")
    assert listed_objects_match_the_filters(observe(hyphenated, "marketplace_orders_list")) == []
    without_the_field = answered("marketplace_orders_list", 200, [{"uuid": ORDER}], query="state=done&field=uuid")
    assert listed_objects_match_the_filters(observe(without_the_field, "marketplace_orders_list")) == []


SERVICES = "marketplace_site_agent_services_list"
IDENTITY_X, IDENTITY_Y = "1" * 32, "2" * 32


def services_page(services: list[dict], count: int, query: str = "") -> tuple[httpx.Response, str]:
    return answered(SERVICES, 200, services, query=query, headers={"x-result-count": str(count)}), SERVICES


def service(uuid: str, identity: str = IDENTITY_X) -> dict:
    return {"uuid": uuid, "identity": identity, "state": "Active"}


def test_neighbouring_pages_of_one_list_share_no_object():
    first = services_page([service("a" * 32), service("b" * 32)], 4, "page_size=2")
    for second, broken in (([service("b" * 32), service("c" * 32)], ["pages_are_disjoint_and_cover_the_list"]),
                           ([service("c" * 32), service("d" * 32)], [])):
        judged = Watching(PagesAreDisjoint())
        assert rules_broken(judged, first, services_page(second, 4, "page=2&page_size=2")) == broken
    # Pages of other queries, or of a list that changed in between, may rightly share objects.
    judged = Watching(PagesAreDisjoint())
    assert rules_broken(judged, first, services_page([service("b" * 32)], 3, "page=2&page_size=2"),
                        services_page([service("b" * 32)], 4, "page=2&page_size=2&state=1")) == []
    write = answered("marketplace_site_agent_services_set_statistics", 200, {}, {"statistics": {}}, "a" * 32)
    assert rules_broken(judged, first, (write, "marketplace_site_agent_services_set_statistics"),
                        services_page([service("b" * 32), service("c" * 32)], 4, "page=2&page_size=2")) == []


def test_a_filtered_list_drops_none_of_the_matching_objects_of_the_whole_list(monkeypatch):
    whole = services_page([service("a" * 32, IDENTITY_X), service("b" * 32, IDENTITY_Y)], 2, "page_size=100")
    hyphenated = "11111111-1111-1111-1111-111111111111"
    for filtered, broken in (([], ["filter_returns_only_and_all_matching_objects"]),
                             ([service("a" * 32, IDENTITY_X)], [])):
        judged = Watching(FilteredListsDropNothing())
        assert rules_broken(judged, whole, services_page(filtered, len(filtered), f"identity_uuid={hyphenated}")) == broken
    several = services_page([service("a" * 32)], 1, "state=1&state=2")  # Active or Idle: both listed are Active
    assert rules_broken(Watching(FilteredListsDropNothing()), whole, several) ==         ["filter_returns_only_and_all_matching_objects"]
    # Not judged: after a write, long after the whole list, or with a filter the judge does not know.
    judged = Watching(FilteredListsDropNothing())
    write = answered("marketplace_site_agent_services_set_statistics", 200, {}, {"statistics": {}}, "a" * 32)
    assert rules_broken(judged, whole, (write, "marketplace_site_agent_services_set_statistics"),
                        services_page([], 0, f"identity_uuid={IDENTITY_X}")) == []
    judged = Watching(FilteredListsDropNothing())
    assert rules_broken(judged, whole, services_page([], 0, f"identity_uuid={IDENTITY_X}&mode=x")) == []
    judged = Watching(FilteredListsDropNothing())
    rules_broken(judged, whole)
    monkeypatch.setattr(lists.time, "monotonic", lambda: 10 ** 9)
    assert rules_broken(judged, services_page([], 0, f"identity_uuid={IDENTITY_X}")) == []


def test_under_field_only_the_named_documented_fields_come_back():
    resources = "marketplace_provider_resources_list"
    asked = "field=uuid&field=name"
    selected = answered(resources, 200, [{"uuid": RESOURCE, "name": "r", "not_documented": 1}], query=asked)
    assert selected_fields_only(observe(selected, resources)) == []
    whole = answered(resources, 200, [{"uuid": RESOURCE, "name": "r", "state": "OK"}], query=asked)
    assert [v.rule.name for v in selected_fields_only(observe(whole, resources))] == \
        ["field_selection_answers_only_the_named_fields"]
    assert selected_fields_only(observe(answered(resources, 200, [{"uuid": RESOURCE, "state": "OK"}]), resources)) == []


# --- accounts and their roles -----------------------------------------------------------------------

def me(account: str, is_staff: bool, is_support: bool, permissions: list | None = None) -> tuple[httpx.Response, str]:
    user = {"is_staff": is_staff, "is_support": is_support}
    return answered("users_me_retrieve", 200, user if permissions is None else {**user, "permissions": permissions},
                    account=account), "users_me_retrieve"


def test_support_only_stats_answer_2xx_to_no_account_shown_to_be_a_plain_user():
    stats = "marketplace_site_agent_connection_stats_retrieve"
    judged = Watching(AccountsKeepToTheirRoles())
    assert rules_broken(judged, me("Token user", False, False, []), me("Token support", False, True, [{}]),
                        (answered(stats, 200, {}, account="Token support"), stats),
                        (answered(stats, 200, {}, account="Token unseen"), stats),  # its role is not known
                        (answered(stats, 403, {"detail": "x"}, account="Token user"), stats)) == []
    assert rules_broken(judged, (answered(stats, 200, {}, account="Token user"), stats)) == \
        ["support_only_endpoints_refuse_other_accounts_with_403"]


def test_a_support_account_that_is_not_staff_and_has_no_role_changes_no_service():
    write = "marketplace_site_agent_services_set_statistics"
    owner = [{"role_name": "CUSTOMER.OWNER", "scope_type": "customer"}]
    judged = Watching(AccountsKeepToTheirRoles())
    assert rules_broken(judged, me("Token support", False, True, []), me("Token staff", True, True),
                        me("Token owning support", False, True, owner), me("Token unshown roles", False, True),
                        (answered(write, 403, {"detail": "x"}, {}, SERVICE, account="Token support"), write),
                        (answered(write, 200, {}, {}, SERVICE, account="Token staff"), write),
                        (answered(write, 200, {}, {}, SERVICE, account="Token owning support"), write),
                        (answered(write, 200, {}, {}, SERVICE, account="Token unshown roles"), write)) == []
    assert rules_broken(judged, (answered(write, 200, {}, {}, SERVICE, account="Token support"), write)) == \
        ["support_accounts_may_not_change_services"]


def test_an_offering_manager_is_not_refused_its_offerings_agents():
    managed, other, identity, service = "a" * 32, "b" * 32, "c" * 32, "d" * 32
    manager = [{"role_name": "OFFERING.MANAGER", "scope_type": "offering", "scope_uuid": managed}]
    offering, create = "marketplace_provider_offerings_retrieve", "marketplace_site_agent_identities_create"
    identities, register = "marketplace_site_agent_identities_list", "marketplace_site_agent_identities_register_service"
    services, read_service = "marketplace_site_agent_services_list", "marketplace_site_agent_services_retrieve"
    refused = {"detail": "x"}
    judged = Watching(OfferingManagersReachTheirOfferingsAgents())
    assert rules_broken(judged, me("Token manager", False, False, manager), me("Token user", False, False, []),
                        (answered(identities, 200, [{"uuid": identity, "offering": managed}]), identities),
                        (answered(services, 200, [{"uuid": service, "identity": identity}]), services),
                        (answered(offering, 404, refused, uuid=other, account="Token manager"), offering),
                        (answered(create, 403, refused, {"offering": other}, account="Token manager"), create),
                        (answered(offering, 404, refused, uuid=managed, account="Token user"), offering),
                        (answered(register, 404, refused, {}, identity, account="Token user"), register),
                        (answered(create, 400, {"name": ["x"]}, {"offering": managed}, account="Token manager"), create),
                        (answered(offering, 200, {}, uuid=managed, account="Token manager"), offering)) == []
    broken = ["offering_managers_manage_their_offerings_agents"]
    hyphenated = f"{managed[:8]}-{managed[8:12]}-{managed[12:16]}-{managed[16:20]}-{managed[20:]}"
    for refusal in ((answered(offering, 404, refused, uuid=managed, account="Token manager"), offering),
                    (answered(create, 403, refused, {"offering": hyphenated}, account="Token manager"), create),
                    (answered(register, 404, refused, {}, identity, account="Token manager"), register),
                    (answered(read_service, 404, refused, uuid=service, account="Token manager"), read_service)):
        assert rules_broken(judged, refusal) == broken, refusal[1]


# --- what every judge shares --------------------------------------------------------------------

def test_json_values_compare_as_json_not_as_python():
    assert same_json({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not same_json({"a": True}, {"a": 1}) and not same_json([0], [False]) and not same_json("1", 1)


def test_watching_applies_only_the_judges_of_the_operation():
    judged = Watching(ProcessorsKeepTheirUuid(), created_agent_is_new_and_named_as_sent)
    unnamed = answered("create_agent", 201, agent(AGENT_ID, "other"), {"details": {"name": "wanted"}})
    assert rules_broken(judged, (unnamed, "create_agent")) == ["created_agent_has_the_requested_name"]


bodies = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                          st.sampled_from(["uuid", "state", "details", "statistics", "processors", "agents", "id",
                                           "backend_id", "limits", "backend_metadata", "name"]), inner, max_size=4),
                      max_leaves=12)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(operation=st.sampled_from(sorted(operation.operation_id for operation in documented().all)),
       status=st.sampled_from([200, 201, 400, 409, 500]), body=bodies, sent=bodies,
       query=st.sampled_from(["", "page=2&page_size=x", "state=a&state=b&backend_id=", "o=-last_request_timestamp"]))
def test_no_judge_raises_whatever_the_exchange(operation, status, body, sent, query):
    judges = rule_judges()
    for _ in range(2):  # the second time, the sequence judges remember the first
        seen = observe(answered(operation, status, body, sent, uuid=ORDER, query=query), operation)
        for judge in judges:
            if judge.operations is None or operation in judge.operations:
                assert isinstance(judge(seen), list)
    parsed = Observed(answered(operation, status, body), None, None).body  # no body: MISSING
    assert parsed is MISSING if body is None else same_json(parsed, body)


# --- processors -----------------------------------------------------------------------------------

def test_registering_a_name_again_updates_that_processor_with_what_was_sent():
    register = "marketplace_site_agent_services_register_processor"
    sent = {"name": "slurm", "backend_type": "SLURM", "backend_version": "24.05"}
    first = answered(register, 201, {"uuid": "1" * 32, "name": "slurm", "service": SERVICE, "last_run": None}, sent, SERVICE)
    for update, broken in (({"backend_type": "SLURM", "backend_version": "24.05", "last_run": "2026-12-02T10:00:00Z"}, []),
                           ({"backend_type": "SLURM", "backend_version": "23.11", "last_run": "2026-12-02T10:00:00Z"},
                            ["same_processor_name_updates_that_processor"]),
                           ({"backend_type": "SLURM", "backend_version": "24.05", "last_run": None},
                            ["same_processor_name_updates_that_processor"])):
        judged = Watching(ProcessorsKeepTheirUuid())
        again = answered(register, 200, {"uuid": "1" * 32, "name": "slurm", "service": SERVICE, **update}, sent, SERVICE)
        assert rules_broken(judged, (first, register), (again, register)) == broken, update


def test_a_name_the_service_did_not_have_when_read_is_created_with_201():
    register = "marketplace_site_agent_services_register_processor"
    judged = Watching(ProcessorsKeepTheirUuid())
    read = answered("marketplace_site_agent_services_retrieve", 200, {"uuid": SERVICE, "processors": []}, uuid=SERVICE)
    created_with_200 = answered(register, 200, {"uuid": "1" * 32, "name": "new", "last_run": None}, {"name": "new"}, SERVICE)
    assert rules_broken(judged, (read, "marketplace_site_agent_services_retrieve"), (created_with_200, register)) == \
        ["new_processor_name_creates_a_processor"]
