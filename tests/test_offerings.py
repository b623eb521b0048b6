"""What the agent reads before it works (resources/offerings.py, users.py, offering_users.py):
the provider offering with `field=`, its service provider and keys, plans, users/me, version."""
from __future__ import annotations

from mock_api import OWNER, STAFF, SUPPORT, USER

OFFERINGS = "/api/marketplace-provider-offerings/"
HPC_CLUSTER = "fce5a890b4e15e57980a83931fcee79c"
ALPHA_UNIVERSITY = "2037d4cc02cf5404a713d4c207de392e"
PLAN = "d09165e522f746ce9fdd92e6459f8904"


def test_the_offering_gives_the_agent_its_components_customer_and_plugin_options(client):
    fields = [("field", name) for name in ("components", "customer_uuid", "partitions", "plugin_options")]
    body = client.get(f"{OFFERINGS}{HPC_CLUSTER}/", headers=OWNER, params=fields).json()
    assert set(body) == {"components", "customer_uuid", "partitions", "plugin_options"}
    assert body["customer_uuid"] == ALPHA_UNIVERSITY and body["plugin_options"] == {}
    assert {(c["type"], c["billing_type"]) for c in body["components"]} == {("cpu", "usage"), ("mem", "usage")}


def test_an_offering_is_visible_to_staff_support_and_its_owner_only(client):
    for headers in (STAFF, SUPPORT, OWNER):
        assert client.get(f"{OFFERINGS}{HPC_CLUSTER}/", headers=headers).status_code == 200
    answer = client.get(f"{OFFERINGS}{HPC_CLUSTER}/", headers=USER)
    assert (answer.status_code, answer.json()) == (404, {"detail": "No Offering matches the given query."})
    assert client.get(f"{OFFERINGS}{HPC_CLUSTER}/user-attribute-config/", headers=USER).status_code == 404


def test_the_default_user_attribute_config(client):
    body = client.get(f"{OFFERINGS}{HPC_CLUSTER}/user-attribute-config/", headers=OWNER).json()
    assert (body["offering_uuid"], body["is_default"]) == (HPC_CLUSTER, True)
    assert "username" in body["exposed_fields"]


def test_the_offerings_customer_is_a_service_provider_with_keys(client):
    providers = client.get("/api/marketplace-service-providers/", headers=OWNER,
                           params={"customer_uuid": ALPHA_UNIVERSITY, "field": "uuid"}).json()
    assert len(providers) == 1 and set(providers[0]) == {"uuid"}
    keys = client.get(f"/api/marketplace-service-providers/{providers[0]['uuid']}/keys/", headers=OWNER)
    assert (keys.status_code, keys.json()) == (200, [])


def test_the_plan_of_the_built_in_order_gives_its_quotas(client):
    plan = client.get(f"/api/marketplace-plans/{PLAN}/", headers=OWNER).json()
    assert plan["quotas"] == {"cpu": 1000, "mem": 2048}
    assert {(c["type"], c["amount"]) for c in plan["components"]} == {("cpu", 1000), ("mem", 2048)}
    assert client.get(f"/api/marketplace-plans/{PLAN}/", headers=USER).status_code == 404


def test_users_me_is_the_caller(client):
    me = client.get("/api/users/me/", headers=OWNER).json()
    assert (me["username"], me["is_staff"]) == ("alpha-owner", False)
    assert client.get("/api/users/me/", headers=STAFF).json()["is_staff"] is True
    assert client.get("/api/users/me/", headers=OWNER).json()["uuid"] == me["uuid"], "stable across requests"


def test_users_me_lists_the_callers_roles(client):
    """As Waldur's `permissions`: the owner's role on its customer; none for an account that owns nothing."""
    owner = client.get("/api/users/me/", headers=OWNER).json()
    assert [(p["role_name"], p["scope_type"], p["scope_uuid"]) for p in owner["permissions"]] == \
        [("CUSTOMER.OWNER", "customer", ALPHA_UNIVERSITY)]
    assert client.get("/api/users/me/", headers=SUPPORT).json()["permissions"] == []


def test_version(client):
    assert isinstance(client.get("/api/version/", headers=OWNER).json()["version"], str)


def test_accounts_and_offering_users_of_the_built_in_data_are_empty_lists(client):
    for path in ("list_project_service_accounts", "list_course_accounts"):
        answer = client.get(f"{OFFERINGS}{HPC_CLUSTER}/{path}/", headers=OWNER)
        assert (answer.status_code, answer.json(), answer.headers["X-Result-Count"]) == (200, [], "0")
    assert client.get("/api/marketplace-offering-users/", headers=OWNER,
                      params={"offering_uuid": HPC_CLUSTER, "is_restricted": "false"}).json() == []
