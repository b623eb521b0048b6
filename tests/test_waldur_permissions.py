"""Waldur's own permission tests, translated into HTTP calls on the mock's built-in accounts.

Each test names the Waldur test it translates (waldur-mastermind, src/waldur_mastermind/...) in
its docstring. Waldur's fixtures map onto the built-in accounts (README, "The built-in accounts"):
offering_owner / owner of the provider -> waldur-owner (CUSTOMER.OWNER of Alpha University);
offering_admin (OFFERING.MANAGER) -> waldur-offering-manager (HPC cluster); admin / manager /
member of a consumer project -> waldur-project-admin / -manager / -member (Genome lab);
the consumer's owner -> waldur-consumer-owner; global_support -> waldur-support; staff ->
waldur-staff. Cases that need what the mock does not model are listed in docs/sources.md."""
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
    """AgentIdentityListTest.test_agent_identity_list (staff, offering_owner, offering_admin): the
    offering's identity is listed, with its services."""
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
