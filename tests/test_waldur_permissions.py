"""Waldur's own permission tests, translated into HTTP calls on the mock's built-in accounts.

Each test names the Waldur test it translates (waldur-mastermind, src/waldur_mastermind/...) in
its docstring. Waldur's fixtures (marketplace/tests/fixtures.py MarketplaceFixture) map onto the
built-in accounts (README, "The built-in accounts"): offering_owner / provider_owner ->
waldur-owner (CUSTOMER.OWNER of Alpha University); offering_manager (OFFERING.MANAGER on the
offering) and provider_manager (which also holds OFFERING.MANAGER on it) ->
waldur-offering-manager (HPC cluster); admin / manager / member of the consumer project ->
waldur-project-admin / -manager / -member (Genome lab); owner (the consumer's owner) ->
waldur-consumer-owner; global_support -> waldur-support; staff -> waldur-staff; user ->
waldur-user. offering_admin is the admin of the offering's own project (Offering.project), which
the mock does not model. Cases that need what the mock does not model are listed in
docs/sources.md ("Translated from Waldur's tests")."""
from __future__ import annotations

import pytest

from mock_api import PERMISSION_DENIED, state_of

HPC = "fce5a890b4e15e57980a83931fcee79c"  # offering HPC cluster (Alpha University)
HPC_IDENTITY = "72d9345228f55dbb8e314282c4e31525"
HPC_SERVICE = "7d494fe8e36b5b3baf5e76ea7a0add1a"
GENOME_RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"  # a resource of HPC cluster in project Genome lab
IDENTITIES = "/api/marketplace-site-agent-identities/"
SERVICES = "/api/marketplace-site-agent-services/"
RESOURCES = "/api/marketplace-provider-resources/"
ORDERS = "/api/marketplace-orders/"


def token(account: str) -> dict:
    return {"Authorization": f"Token waldur-{account}"}


def identity_body(name: str = "Agent Test 00") -> dict:
    return {"name": name, "offering": HPC, "version": "1.0.7", "last_restarted": "2025-02-01T10:00:00Z",
            "dependencies": []}


# --- marketplace_site_agent/tests/test_agent_identity.py ---------------------------------------

@pytest.mark.parametrize("account", ["staff", "owner", "offering-manager"])
def test_agent_identity_create_allowed(client, account):
    """AgentIdentityCreateTest.test_agent_identity_create_allowed (staff, offering_owner); the
    offering manager as views.py resolve_offering_agent_authorization allows it (branch 3,
    OFFERING.UPDATE on the offering; docs/sources.md on the older test that forbids it)."""
    answer = client.post(IDENTITIES, headers=token(account), json=identity_body())
    assert answer.status_code == 201, answer.text
    assert answer.json()["offering"] == HPC


@pytest.mark.parametrize("account", ["project-admin", "project-manager", "support"])
def test_agent_identity_create_forbidden(client, account):
    """AgentIdentityCreateTest.test_agent_identity_create_forbidden (admin, manager, global_support):
    403, and nothing is created."""
    before = state_of(client)
    answer = client.post(IDENTITIES, headers=token(account), json=identity_body())
    assert (answer.status_code, answer.json()) == (403, PERMISSION_DENIED)
    assert state_of(client) == before


@pytest.mark.parametrize("account", ["staff", "owner", "offering-manager"])
def test_agent_identity_list(client, account):
    """AgentIdentityListTest.test_agent_identity_list (staff, offering_owner; offering_admin is
    left out, above), and the offering manager, as AgentServiceListTest lists it: the offering's
    identity is listed, with its services."""
    listed = client.get(IDENTITIES, headers=token(account), params={"offering_uuid": HPC}).json()
    assert [identity["uuid"] for identity in listed] == [HPC_IDENTITY]
    assert HPC_SERVICE in [service["uuid"] for service in listed[0]["services"]]


@pytest.mark.parametrize("account", ["project-admin", "project-manager", "consumer-owner"])
def test_consumers_can_not_see_agent_identities(client, account):
    """AgentIdentityListTest.test_consumers_can_not_see_agent_identities (admin, manager, owner of
    the consumer): the provider's identities are not listed."""
    answer = client.get(IDENTITIES, headers=token(account), params={"offering_uuid": HPC})
    assert (answer.status_code, answer.json()) == (200, [])


# --- marketplace_site_agent/views.py: services, processors, stats --------------------------------

@pytest.mark.parametrize(("account", "status"), [("owner", 200), ("offering-manager", 200), ("identity-manager", 200),
                                                 ("support", 403), ("project-admin", 404), ("customer-manager", 404)])
def test_set_statistics_follows_can_manage_offering_agent(client, account, status):
    """AgentServiceViewSet.set_statistics_permissions (_check_agent_service_permission:
    _can_manage_offering_agent): the customer's owner, the offering manager and the identity
    manager that created the identity may; support sees but may not (403); who does not see the
    service gets 404 (get_queryset before the permission). The service provider manager holds no
    role on the customer or the offering (0015_customer_manager), so Offering.filter_for_user
    hides the offering from it."""
    answer = client.post(f"{SERVICES}{HPC_SERVICE}/set_statistics/", headers=token(account),
                         json={"statistics": {"by": account}})
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize(("account", "status"), [("staff", 200), ("support", 200), ("owner", 403),
                                                 ("offering-manager", 403), ("user", 403)])
def test_stats_are_for_support(client, account, status):
    """AgentConnectionStatsViewSet and AgentTaskStatsViewSet: permission_classes IsSupport."""
    for path in ("/api/marketplace-site-agent-connection-stats/", "/api/marketplace-site-agent-task-stats/"):
        assert client.get(path, headers=token(account)).status_code == status


# --- marketplace/views.py ProviderResourceViewSet and ComponentUsageViewSet -----------------------

@pytest.mark.parametrize(("action", "body", "status"), [
    ("set_backend_id", {"backend_id": "om-1"}, 200),           # SET_RESOURCE_BACKEND_ID on [offering, offering.customer]
    ("set_backend_metadata", {"backend_metadata": {}}, 403),   # on [offering.customer] only
    ("set_as_erred", {"error_message": "x"}, 403),             # SET_RESOURCE_STATE on [offering.customer]
    ("refresh_last_sync", {}, 403),
])
def test_offering_manager_on_provider_resource_actions(client, action, body, status):
    """ProviderResourceViewSet.<action>_permissions (permission_factory) for OFFERING.MANAGER:
    the scope paths decide, not the permission alone (the role carries SET_STATE, on the offering)."""
    before = state_of(client)
    answer = client.post(f"{RESOURCES}{GENOME_RESOURCE}/{action}/", headers=token("offering-manager"), json=body)
    assert answer.status_code == status, answer.text
    if status == 403:
        assert answer.json() == PERMISSION_DENIED and state_of(client) == before


@pytest.fixture
def genome_in_service(client):
    """Waldur's fixtures report usage for a resource in service (MarketplaceFixture's resource,
    SubmitUsageTest's `state=OK`); ours is still Creating until its order is done, and Waldur
    refuses usage for it (ComponentUsageCreateSerializer.validate), so staff marks it OK first."""
    answer = client.post(f"{RESOURCES}{GENOME_RESOURCE}/set_as_ok/", headers=token("staff"))
    assert answer.status_code == 200, answer.text


@pytest.mark.usefixtures("genome_in_service")
@pytest.mark.parametrize(("account", "status"), [("owner", 201), ("offering-manager", 201), ("customer-manager", 403),
                                                 ("support", 403)])
def test_set_usage_permissions(client, account, status):
    """ComponentUsageViewSet.set_usage: RESOURCE.SET_USAGE on the offering's customer or the
    offering; the service provider manager's role carries no SET_USAGE (permissions.yaml)."""
    answer = client.post("/api/marketplace-component-usages/set_usage/", headers=token(account),
                         json={"resource": GENOME_RESOURCE, "usages": [{"type": "cpu", "amount": "1.00"}]})
    assert answer.status_code == status, answer.text


# --- marketplace/views.py OrderViewSet -----------------------------------------------------------

@pytest.mark.parametrize(("account", "listed"), [("owner", True), ("project-admin", True), ("project-manager", True),
                                                 ("project-member", False), ("offering-manager", False)])
def test_orders_are_listed_to_order_list_holders(client, seed, account, listed):
    """OrderViewSet.get_queryset: ORDER.LIST on the order's project or customer, or the offering's
    customer (PROJECT.MEMBER and OFFERING.MANAGER carry no ORDER.LIST)."""
    orders = client.get(ORDERS, headers=token(account)).json()
    assert bool(orders) == listed


@pytest.mark.parametrize(("account", "status"), [("owner", 200), ("offering-manager", 404), ("project-admin", 403)])
def test_reject_by_provider_needs_reject_on_the_offerings_customer(client, seed, account, status):
    """OrderViewSet.reject_by_provider_permissions: permission_factory(REJECT_ORDER, [offering.customer]);
    the project admin sees the order (ORDER.LIST on its project) but may not reject it as provider."""
    pending = next(o for o in seed["orders"] if o["state"] == "pending-provider")
    answer = client.post(f"{ORDERS}{pending['uuid']}/reject_by_provider/", headers=token(account), json={})
    assert answer.status_code == status, answer.text


# --- marketplace_site_agent/tests/test_agent_service.py --------------------------------------------

def service_of(client, uuid: str = HPC_SERVICE) -> dict:
    return next(s for s in state_of(client)["services"] if s["uuid"] == uuid)


@pytest.mark.parametrize("account", ["staff", "owner"])
def test_set_statistics_success(client, account):
    """AgentServiceSetStatisticsTest.test_set_statistics_success (staff, offering_owner): 200, the
    answer and the service hold the statistics sent."""
    statistics = {"total_processed": 100, "failed_count": 5, "last_processed_at": "2024-01-01T12:00:00Z"}
    answer = client.post(f"{SERVICES}{HPC_SERVICE}/set_statistics/", headers=token(account),
                         json={"statistics": statistics})
    assert answer.status_code == 200, answer.text
    assert answer.json()["statistics"] == statistics and service_of(client)["statistics"] == statistics


@pytest.mark.parametrize("account", ["project-admin", "project-manager", "support"])
def test_set_statistics_forbidden(client, account):
    """AgentServiceSetStatisticsTest.test_set_statistics_forbidden (admin, manager, global_support):
    403 or 404, and the statistics are not changed."""
    before = service_of(client)
    answer = client.post(f"{SERVICES}{HPC_SERVICE}/set_statistics/", headers=token(account),
                         json={"statistics": {"test": "data"}})
    assert answer.status_code in (403, 404), answer.text
    assert service_of(client) == before


@pytest.mark.parametrize("action", ["set_statistics", "register_processor"])
def test_unauthenticated_service_actions(client, action):
    """AgentServiceSetStatisticsTest.test_set_statistics_unauthenticated and
    AgentServiceRegisterProcessorTest.test_register_processor_unauthenticated: 401, nothing changes."""
    before = state_of(client)
    body = {"statistics": {"test": "data"}} if action == "set_statistics" else {"name": "p", "backend_type": "SLURM"}
    assert client.post(f"{SERVICES}{HPC_SERVICE}/{action}/", json=body).status_code == 401
    assert state_of(client) == before


@pytest.mark.parametrize("account", ["staff", "owner"])
def test_register_processor_success(client, account):
    """AgentServiceRegisterProcessorTest.test_register_processor_success (staff, offering_owner):
    201 with the processor as sent, named after its service."""
    payload = {"name": "order_processor", "backend_type": "SLURM", "backend_version": "23.02.1"}
    answer = client.post(f"{SERVICES}{HPC_SERVICE}/register_processor/", headers=token(account), json=payload)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert {key: body[key] for key in payload} == payload
    assert body["service_name"] == service_of(client)["name"] and body["uuid"] and body["url"]


@pytest.mark.parametrize("account", ["project-admin", "project-manager", "support"])
def test_register_processor_forbidden(client, account):
    """AgentServiceRegisterProcessorTest.test_register_processor_forbidden (admin, manager,
    global_support): 403 or 404, and no processor is created."""
    before = state_of(client)
    answer = client.post(f"{SERVICES}{HPC_SERVICE}/register_processor/", headers=token(account),
                         json={"name": "test_processor", "backend_type": "TEST"})
    assert answer.status_code in (403, 404), answer.text
    assert state_of(client) == before


@pytest.mark.parametrize("account", ["staff", "owner", "offering-manager"])
def test_agent_service_list(client, account):
    """AgentServiceListTest.test_agent_service_list (staff, offering_owner, offering_manager): the
    offering's service is listed."""
    answer = client.get(SERVICES, headers=token(account), params={"page_size": 100})
    assert answer.status_code == 200 and HPC_SERVICE in [service["uuid"] for service in answer.json()]


@pytest.mark.parametrize("account", ["project-admin", "project-manager", "consumer-owner"])
def test_consumers_can_not_see_agent_services(client, account):
    """AgentServiceListTest.test_consumers_can_not_see_agent_services (admin, manager, owner of the
    consumer): 200 without the provider's services (Beta Research Lab's owner sees those of its own
    offering, Object storage)."""
    answer = client.get(SERVICES, headers=token(account), params={"page_size": 100})
    assert answer.status_code == 200 and HPC_SERVICE not in [service["uuid"] for service in answer.json()]


# --- marketplace/tests/test_order_review.py and test_order_set_state.py ----------------------------

def pending_order(client) -> str:
    """A pending-provider order of HPC cluster for the Genome lab resource (admin surface)."""
    answer = client.post("/__admin/orders", json={"resource": GENOME_RESOURCE, "type": "Update"})
    assert answer.status_code == 201, answer.text
    return answer.json()["uuid"]


def executing_order(client) -> str:
    order = pending_order(client)
    assert client.post(f"{ORDERS}{order}/approve_by_provider/", headers=token("staff"), json={}).status_code == 200
    return order


def order_state(client, order: str) -> str:
    return next(o for o in state_of(client)["orders"] if o["uuid"] == order)["state"]


@pytest.mark.parametrize(("account", "status"), [("staff", 200), ("owner", 200), ("project-admin", 403),
                                                 ("project-manager", 403)])
def test_reject_by_provider_who_may(client, account, status):
    """OrderRejectByProviderTest.test_authorized_user_can_reject_order (staff, owner: 200, rejected)
    and test_user_cannot_reject_order (admin, manager: 403, still pending)."""
    order = pending_order(client)
    answer = client.post(f"{ORDERS}{order}/reject_by_provider/", headers=token(account), json={})
    assert answer.status_code == status, answer.text
    assert order_state(client, order) == ("rejected" if status == 200 else "pending-provider")


@pytest.mark.parametrize(("account", "status"), [("staff", 200), ("owner", 200), ("project-admin", 403),
                                                 ("project-manager", 403), ("consumer-owner", 403)])
def test_set_state_done_who_may(client, account, status):
    """OrderSetStateDoneTest.test_authorized_user_can_set_done_state (staff, offering_owner: 200,
    done) and test_user_cannot_set_done_state (admin, manager, owner of the consumer: 403)."""
    order = executing_order(client)
    answer = client.post(f"{ORDERS}{order}/set_state_done/", headers=token(account))
    assert answer.status_code == status, answer.text
    assert order_state(client, order) == ("done" if status == 200 else "executing")


@pytest.mark.parametrize(("account", "status"), [("staff", 200), ("owner", 200), ("project-admin", 403),
                                                 ("project-manager", 403), ("consumer-owner", 403)])
def test_set_state_erred_who_may(client, account, status):
    """OrderSetStateErredTest.test_authorized_user_can_set_erred_state (staff, offering_owner: 200,
    erred with the error kept; its service_manager case runs as staff, see docs/sources.md) and
    test_user_cannot_set_erred_state (admin, manager, owner of the consumer: 403)."""
    order = executing_order(client)
    answer = client.post(f"{ORDERS}{order}/set_state_erred/", headers=token(account),
                         json={"error_message": "Resource creation has been failed", "error_traceback": "trace"})
    assert answer.status_code == status, answer.text
    assert order_state(client, order) == ("erred" if status == 200 else "executing")


# --- marketplace/tests/test_component_usage_permissions.py ------------------------------------------

HPC_USAGES = "/api/marketplace-component-usages/"
USER_USAGES = "/api/marketplace-component-user-usages/"
STORAGE_USAGE = "af85bcf48f0e4b09a9db4291cc971eb0"  # Object storage's (Beta Research Lab's offering)


@pytest.fixture
def usages(client, genome_in_service) -> dict:
    """A usage of the Genome lab resource of HPC cluster (own) beside Object storage's (other), and
    a user usage of each."""
    reported = client.post(f"{HPC_USAGES}set_usage/", headers=token("owner"),
                           json={"resource": GENOME_RESOURCE, "usages": [{"type": "cpu", "amount": "1"}]})
    assert reported.status_code == 201, reported.text
    own = next(u["uuid"] for u in state_of(client)["component_usages"] if u["resource"] == GENOME_RESOURCE)
    for usage, username in ((own, "own-user"), (STORAGE_USAGE, "other-user")):
        answer = client.post(f"{HPC_USAGES}{usage}/set_user_usages/", headers=token("staff"),
                             json={"usages": [{"username": username, "usage": "10"}]})
        assert answer.status_code == 201, answer.text
    user_usages = {u["username"]: u["uuid"] for u in state_of(client)["component_user_usages"]}
    return {"own": own, "other": STORAGE_USAGE, "own user": user_usages["own-user"],
            "other user": user_usages["other-user"]}


def listed_uuids(client, path: str, account: str) -> set[str]:
    answer = client.get(path, headers=token(account), params={"page_size": 100})
    assert answer.status_code == 200, answer.text
    return {item["uuid"] for item in answer.json()}


@pytest.mark.parametrize(("account", "sees_other"), [("consumer-owner", True), ("project-admin", True),
                                                     ("project-manager", True), ("owner", False),
                                                     ("offering-manager", False)])
def test_connected_user_can_list_own_component_usages(client, usages, account, sees_other):
    """ComponentUsageListPermissionTest.test_connected_user_can_list_own_component_usages and
    ComponentUserUsageListPermissionTest.test_connected_user_can_list_own_component_user_usages
    (owner, admin, manager of the consumer; provider_owner, provider_manager): their resource's
    usages are listed; the provider's people do not see another provider's. (The consumer's
    people also own the Object storage resource, so they see its usage too.)"""
    for path, own, other in ((HPC_USAGES, "own", "other"), (USER_USAGES, "own user", "other user")):
        seen = listed_uuids(client, path, account)
        assert usages[own] in seen and (usages[other] in seen) == sees_other, path


def test_staff_can_list_all_component_usages(client, usages):
    """test_staff_can_list_all_component_usages and test_staff_can_list_all_component_user_usages."""
    assert {usages["own"], usages["other"]} <= listed_uuids(client, HPC_USAGES, "staff")
    assert {usages["own user"], usages["other user"]} <= listed_uuids(client, USER_USAGES, "staff")


def test_unrelated_user_cannot_list_component_usages(client, usages):
    """test_unrelated_user_cannot_list_component_usages and ..._component_user_usages (user):
    200 and an empty list."""
    assert listed_uuids(client, HPC_USAGES, "user") == set() == listed_uuids(client, USER_USAGES, "user")


def test_other_customer_owner_cannot_list_foreign_component_usages(client, usages):
    """test_other_customer_owner_cannot_list_foreign_component_usages and ..._user_usages: the owner
    of Alpha University (neither consumer nor provider of Object storage's resource) does not see
    its usage or user usage."""
    assert usages["other"] not in listed_uuids(client, HPC_USAGES, "owner")
    assert usages["other user"] not in listed_uuids(client, USER_USAGES, "owner")


# --- marketplace/tests/test_resources.py (the provider resource endpoint) ---------------------------

def genome_resource(client) -> dict:
    return next(r for r in state_of(client)["resources"] if r["uuid"] == GENOME_RESOURCE)


@pytest.mark.parametrize(("action", "body", "kept"), [
    ("set_backend_id", {"backend_id": "new_backend_id"}, {"backend_id": "new_backend_id"}),
    ("set_backend_metadata", {"backend_metadata": {"new_backend_field": "new_value"}},
     {"backend_metadata": {"new_backend_field": "new_value"}}),
    ("set_as_erred", {}, {"state": "Erred", "error_message": ""}),
    ("set_as_erred", {"error_message": "Error occurred", "error_traceback": "Error traceback"},
     {"state": "Erred", "error_message": "Error occurred", "error_traceback": "Error traceback"}),
])
@pytest.mark.parametrize("account", ["staff", "owner"])
def test_provider_can_act_on_resource(client, account, action, body, kept):
    """ResourceBackendIDTest.test_user_can_set_backend_id_of_resource, ResourceBackendMetadataTest.
    test_user_can_set_backend_metadata_of_resource, ResourceSetStateErredTest.
    test_user_can_set_resource_state_erred_without_body / _with_body (staff, offering_owner,
    service_owner: both owners of the offering's customer are waldur-owner here): 200, kept."""
    answer = client.post(f"{RESOURCES}{GENOME_RESOURCE}/{action}/", headers=token(account), json=body)
    assert answer.status_code == 200, answer.text
    resource = genome_resource(client)
    assert {key: resource.get(key) for key in kept} == kept


@pytest.mark.parametrize("action", ["set_backend_id", "set_backend_metadata", "set_as_erred"])
@pytest.mark.parametrize("account", ["consumer-owner", "project-admin", "project-manager"])
def test_consumers_can_not_act_on_provider_resource(client, account, action):
    """ResourceBackendIDTest.test_user_can_not_set_backend_id_of_resource, ResourceBackendMetadataTest.
    test_user_can_not_set_backend_id_of_resource, ResourceSetStateErredTest.
    test_user_can_not_set_resource_state_erred (owner, admin, manager of the consumer): 404 (the
    provider endpoint's queryset hides the resource from its consumers), nothing changes."""
    before = state_of(client)
    body = {"set_backend_id": {"backend_id": "x"}, "set_backend_metadata": {"backend_metadata": {}},
            "set_as_erred": {}}[action]
    answer = client.post(f"{RESOURCES}{GENOME_RESOURCE}/{action}/", headers=token(account), json=body)
    assert answer.status_code == 404, answer.text
    assert state_of(client) == before


def test_service_owner_can_get_resource_team(client):
    """ResourceGetTeamTest.test_service_owner_can_get_resource_team: the provider's owner reads the
    team of its offering's resource on the provider endpoint (200, a list)."""
    answer = client.get(f"{RESOURCES}{GENOME_RESOURCE}/team/", headers=token("owner"))
    assert answer.status_code == 200 and isinstance(answer.json(), list)


# --- marketplace/tests/test_usage.py SubmitUsageTest --------------------------------------------

def report_usage(client, account: str):
    return client.post("/api/marketplace-component-usages/set_usage/", headers=token(account),
                       json={"resource": GENOME_RESOURCE, "usages": [{"type": "cpu", "amount": "5"},
                                                                     {"type": "mem", "amount": "5"}]})


@pytest.mark.usefixtures("genome_in_service")
@pytest.mark.parametrize("account", ["staff", "owner"])
def test_authenticated_user_can_submit_usage_via_api(client, account):
    """SubmitUsageTest.test_authenticated_user_can_submit_usage_via_api (staff, owner of the
    offering's customer): 201 and a usage per component."""
    assert report_usage(client, account).status_code == 201
    kept = {u["type"]: u["usage"] for u in state_of(client)["component_usages"] if u["resource"] == GENOME_RESOURCE}
    assert kept == {"cpu": "5.00", "mem": "5.00"}


@pytest.mark.usefixtures("genome_in_service")
@pytest.mark.parametrize("account", ["project-admin", "project-manager", "user"])
def test_other_user_can_not_submit_usage_via_api(client, account):
    """SubmitUsageTest.test_other_user_can_not_submit_usage_via_api (admin, manager, user): 403,
    and no usage is created."""
    before = state_of(client)
    answer = report_usage(client, account)
    assert (answer.status_code, answer.json()) == (403, PERMISSION_DENIED)
    assert state_of(client) == before


@pytest.mark.usefixtures("genome_in_service")
@pytest.mark.parametrize(("account", "status"), [("staff", 201), ("owner", 201), ("project-admin", 403),
                                                 ("project-manager", 403), ("user", 404)])
def test_submit_user_usage_via_api(client, account, status):
    """SubmitUsageTest.test_authenticated_user_can_submit_user_usage_via_api (staff, owner: 201) and
    test_other_user_can_not_submit_user_usage_via_api (admin, manager, user: refused, nothing
    kept): the consumers see the usage (ComponentUsageViewSet's queryset) and are refused 403; the
    user without roles does not see it (test_component_usage_permissions: its list is empty), so
    404 where the older test_usage.py asserts 403 (docs/sources.md)."""
    assert report_usage(client, "owner").status_code == 201
    usage = next(u["uuid"] for u in state_of(client)["component_usages"] if u["resource"] == GENOME_RESOURCE)
    answer = client.post(f"/api/marketplace-component-usages/{usage}/set_user_usages/", headers=token(account),
                         json={"usages": [{"username": "alice", "usage": "1"}]})
    assert answer.status_code == status, answer.text
    assert bool(state_of(client)["component_user_usages"]) == (status == 201)


# --- users/me: the identity manager ------------------------------------------------------------------

@pytest.mark.parametrize(("account", "is_identity_manager", "managed_isds"), [
    ("identity-manager", True, ["isd:puhuri"]), ("owner", False, []), ("staff", False, [])])
def test_users_me_shows_the_identity_manager(client, account, is_identity_manager, managed_isds):
    """Waldur's User schema (8.0.5: is_identity_manager, managed_isds), from the account's data:
    resolve_offering_agent_authorization's branch 4 reads the same two fields."""
    me = client.get("/api/users/me/", headers=token(account)).json()
    assert (me["is_identity_manager"], me["managed_isds"]) == (is_identity_manager, managed_isds)
