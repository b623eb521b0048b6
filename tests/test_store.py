"""The store: the built-in data, and the one state format it loads, dumps and resets to."""
from __future__ import annotations

import copy
import json

import pytest

from mock_api import customers_owned_by
from agent_api_mock.resources.integration_statuses import AGENT_TYPES, INTEGRATION_STATUSES
from agent_api_mock.resources.services import SERVICE_STATES, registered, with_statistics
from agent_api_mock.store import DEFAULT_DATA, InvalidData, Store, load_data_file


@pytest.fixture
def default_data() -> dict:
    return load_data_file(DEFAULT_DATA)


def test_default_data_is_rich_enough_to_exercise_every_filter_and_role(default_data):
    services = default_data["services"]
    assert len(default_data["customers"]) >= 2
    assert len(default_data["offerings"]) == 3
    assert len(default_data["identities"]) == 3
    assert len(services) == 12
    assert {service["state"] for service in services} == set(SERVICE_STATES.values())
    assert len({service["mode"] for service in services if service["mode"]}) >= 3
    assert any(service["mode"] is None for service in services)
    assert any(service["processors"] for service in services)
    assert any(not service["processors"] for service in services)
    statuses = default_data["integration_statuses"]
    assert len(statuses) == 12
    assert {status["status"] for status in statuses} == set(INTEGRATION_STATUSES)
    assert {status["agent_type"] for status in statuses} == set(AGENT_TYPES.values())
    assert any(status["last_request_timestamp"] is None for status in statuses)
    assert any(offering["parent"] for offering in default_data["offerings"])


def test_default_owner_owns_some_customers_but_not_all(default_data):
    owned = customers_owned_by(default_data, "waldur-owner")
    assert owned
    assert owned < {customer["uuid"] for customer in default_data["customers"]}


def test_default_users_cover_every_role(default_data):
    """The four first accounts, and one per Waldur system role (README: the built-in accounts)."""
    roles = {user["token"]: ([p["role_name"] for p in user.get("permissions", [])], user.get("is_staff", False),
                             user.get("is_support", False), user.get("is_identity_manager", False))
             for user in default_data["users"]}
    assert roles == {
        "waldur-staff": ([], True, False, False), "waldur-support": ([], False, True, False),
        "waldur-owner": (["CUSTOMER.OWNER"], False, False, False), "waldur-user": ([], False, False, False),
        "waldur-customer-manager": (["CUSTOMER.MANAGER"], False, False, False),
        "waldur-offering-manager": (["OFFERING.MANAGER"], False, False, False),
        "waldur-consumer-owner": (["CUSTOMER.OWNER"], False, False, False),
        "waldur-project-admin": (["PROJECT.ADMIN"], False, False, False),
        "waldur-project-manager": (["PROJECT.MANAGER"], False, False, False),
        "waldur-project-member": (["PROJECT.MEMBER"], False, False, False),
        "waldur-identity-manager": ([], False, False, True)}
    assert not customers_owned_by(default_data, "waldur-user")
    assert default_data["prefactor"]["tokens"] == ["prefactor-dev"]


def test_a_dump_loads_back_into_the_same_state(default_data):
    store = Store(default_data)
    dumped = store.dump()
    reloaded = Store(dumped)
    assert reloaded.dump() == dumped


def test_loading_inconsistent_data_is_refused_and_the_old_state_is_kept(default_data):
    store = Store(default_data)
    before = store.dump()
    broken = copy.deepcopy(before)
    broken["services"][0]["identity"] = "0" * 32
    with pytest.raises(InvalidData, match="unknown identity"):
        store.load(broken)
    assert store.dump() == before


@pytest.mark.parametrize("damage", [
    pytest.param(lambda data: data["users"].append({"token": "x", "role": "emperor"}), id="unknown legacy role"),
    pytest.param(lambda data: data["users"].append({"token": "x", "permissions": [
        {"role_name": "CUSTOMER.EMPEROR", "scope_type": "customer", "scope_uuid": "2037d4cc02cf5404a713d4c207de392e"}]}),
        id="unknown role"),
    pytest.param(lambda data: data["users"].append({"token": "x", "permissions": [
        {"role_name": "OFFERING.MANAGER", "scope_type": "customer", "scope_uuid": "2037d4cc02cf5404a713d4c207de392e"}]}),
        id="a role on the wrong kind of scope"),
    pytest.param(lambda data: data["users"].append({"token": "x", "permissions": [
        {"role_name": "CUSTOMER.OWNER", "scope_type": "customer", "scope_uuid": "0" * 32}]}),
        id="a role on a customer that does not exist"),
    pytest.param(lambda data: data["users"].append({"token": "x", "permissions": [{"role_name": "CUSTOMER.OWNER"}]}),
        id="an assignment without its scope"),
    pytest.param(lambda data: data["services"][0].update(state="Sleeping"), id="unknown service state"),
    pytest.param(lambda data: data["offerings"][0].update(customer="not-a-uuid"), id="malformed uuid"),
    pytest.param(lambda data: data["integration_statuses"][0].update(agent_type="Coffee making"), id="unknown agent type"),
    pytest.param(lambda data: data["services"][0].pop("created"), id="missing field"),
])
def test_every_kind_of_invalid_data_is_refused(default_data, damage):
    data = copy.deepcopy(default_data)
    damage(data)
    with pytest.raises(InvalidData):
        Store(data)


def test_reset_returns_to_the_seed_after_writes(default_data):
    store = Store(default_data)
    seeded = store.dump()
    service = with_statistics(next(iter(store.services.values())), {"changed": True}, "2030-01-01T00:00:00Z")
    service, _, _ = registered(service, {"name": "new-processor", "backend_type": "SLURM"}, "2030-01-01T00:00:00Z")
    store.put(("services", service))
    assert store.dump() != seeded
    store.reset()
    assert store.dump() == seeded


def test_now_always_moves_on(default_data):
    store = Store(default_data)
    moments = [store.now() for _ in range(1000)]
    assert all(earlier < later for earlier, later in zip(moments, moments[1:]))


def test_a_state_dump_saved_as_json_is_a_data_file(tmp_path, default_data):
    """`mockserver --data` takes what GET /__admin/state gave, so a session can be saved and replayed."""
    dumped = Store(default_data).dump()
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(dumped))
    assert Store(load_data_file(path)).dump() == dumped
