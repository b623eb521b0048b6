"""Waldur's own tests of site-agent services, translated into HTTP tests against the mock.

Source: waldur-mastermind src/waldur_mastermind/marketplace_site_agent/tests/test_agent_service.py
(AgentServiceSetStatisticsTest, AgentServiceRegisterProcessorTest): the behaviour cases. Its
permission cases are in tests/test_waldur_permissions.py. Waldur's fixture service is
"event_processor" with empty statistics and no processors; here it is HPC cluster's
"order-processing" service (empty statistics, no processors in the built-in data).
"""
from __future__ import annotations

from mock_api import NOT_PROVIDED, SERVICE_NOT_FOUND, STAFF, service_path, state_of

SERVICE = "7d494fe8e36b5b3baf5e76ea7a0add1a"  # HPC cluster's order-processing: statistics {}, no processors
UNKNOWN_SERVICE = "00000000-0000-0000-0000-000000000000"


def stored_service(client) -> dict:
    return next(service for service in state_of(client)["services"] if service["uuid"] == SERVICE)


def set_statistics(client, body, **kwargs):
    return client.post(service_path(SERVICE, "set_statistics"), headers=STAFF, json=body, **kwargs)


def register(client, **body):
    return client.post(service_path(SERVICE, "register_processor"), headers=STAFF, json=body)


# --- AgentServiceSetStatisticsTest -------------------------------------------------------------

def test_set_statistics_overwrites_existing(client):
    """test_set_statistics_overwrites_existing: the new statistics replace the old ones whole."""
    assert set_statistics(client, {"statistics": {"initial_key": "initial_value"}}).status_code == 200
    new_stats = {"new_key": "new_value", "count": 42}
    assert set_statistics(client, {"statistics": new_stats}).status_code == 200
    assert stored_service(client)["statistics"] == new_stats


def test_set_statistics_with_complex_data(client):
    """test_set_statistics_with_complex_data: nested objects, lists and booleans are kept as sent."""
    statistics = {"metrics": {"cpu": {"average": 45.5, "peak": 89.3}, "memory": {"used": 4096, "total": 8192}},
                  "counts": [10, 20, 30, 40], "enabled": True}
    answer = set_statistics(client, {"statistics": statistics})
    assert answer.status_code == 200 and answer.json()["statistics"] == statistics
    assert stored_service(client)["statistics"] == statistics


def test_set_statistics_missing_statistics_field(client):
    """test_set_statistics_missing_statistics_field: 400 naming `statistics`; nothing changes."""
    before = state_of(client)
    answer = set_statistics(client, {"other_field": "value"})
    assert answer.status_code == 400 and "statistics" in answer.json()
    assert state_of(client) == before


def test_set_statistics_invalid_json(client):
    """test_set_statistics_invalid_json: a text/plain body is 415."""
    answer = client.post(service_path(SERVICE, "set_statistics"), headers={**STAFF, "Content-Type": "text/plain"},
                         content=b"invalid json")
    assert answer.status_code == 415 and "detail" in answer.json()


def test_set_statistics_empty_statistics(client):
    """test_set_statistics_empty_statistics: `{}` is allowed and stored."""
    set_statistics(client, {"statistics": {"something": 1}})
    assert set_statistics(client, {"statistics": {}}).status_code == 200
    assert stored_service(client)["statistics"] == {}


def test_set_statistics_nonexistent_service(client):
    """test_set_statistics_nonexistent_service: 404."""
    answer = client.post(service_path(UNKNOWN_SERVICE, "set_statistics"), headers=STAFF,
                         json={"statistics": {"test": "data"}})
    assert (answer.status_code, answer.json()) == (404, SERVICE_NOT_FOUND)


def test_set_statistics_unauthenticated(client):
    """test_set_statistics_unauthenticated: 401 and the statistics stay empty."""
    answer = client.post(service_path(SERVICE, "set_statistics"), json={"statistics": {"test": "data"}})
    assert (answer.status_code, answer.json()) == (401, NOT_PROVIDED)
    assert stored_service(client)["statistics"] == {}


# --- AgentServiceRegisterProcessorTest -----------------------------------------------------------

def test_register_processor_without_backend_version(client):
    """test_register_processor_without_backend_version: 201; the processor has no backend_version."""
    answer = register(client, name="membership_sync", backend_type="LDAP")
    assert answer.status_code == 201
    [processor] = stored_service(client)["processors"]
    assert (processor["name"], processor["backend_type"], processor["backend_version"]) == \
        ("membership_sync", "LDAP", None)


def test_register_multiple_processors(client):
    """test_register_multiple_processors: two names, two processors of the service."""
    assert register(client, name="processor_1", backend_type="TYPE_A").status_code == 201
    assert register(client, name="processor_2", backend_type="TYPE_B").status_code == 201
    assert sorted(p["name"] for p in stored_service(client)["processors"]) == ["processor_1", "processor_2"]


def test_register_processor_missing_required_field(client):
    """test_register_processor_missing_required_field: no `name` is 400 naming it; nothing created."""
    answer = register(client, backend_type="SLURM")
    assert answer.status_code == 400 and "name" in answer.json()
    assert stored_service(client)["processors"] == []


def test_register_processor_missing_backend_type(client):
    """test_register_processor_missing_backend_type: no `backend_type` is 400 naming it."""
    answer = register(client, name="test_processor")
    assert answer.status_code == 400 and "backend_type" in answer.json()
    assert stored_service(client)["processors"] == []


def test_register_processor_duplicate_name(client):
    """test_register_processor_duplicate_name: the same name again is 200 with the same uuid and
    the new backend_version; the service still has one processor."""
    first = register(client, name="unique_processor", backend_type="SLURM", backend_version="23.02.0")
    second = register(client, name="unique_processor", backend_type="SLURM", backend_version="23.02.1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["uuid"] == second.json()["uuid"] and second.json()["backend_version"] == "23.02.1"
    [processor] = stored_service(client)["processors"]
    assert processor["backend_version"] == "23.02.1"


def test_register_processor_unauthenticated(client):
    """test_register_processor_unauthenticated: 401, no processor."""
    answer = client.post(service_path(SERVICE, "register_processor"), json={"name": "p", "backend_type": "SLURM"})
    assert (answer.status_code, answer.json()) == (401, NOT_PROVIDED)
    assert stored_service(client)["processors"] == []


def test_register_processor_nonexistent_service(client):
    """test_register_processor_nonexistent_service: 404."""
    answer = client.post(service_path(UNKNOWN_SERVICE, "register_processor"), headers=STAFF,
                         json={"name": "test_processor", "backend_type": "SLURM"})
    assert (answer.status_code, answer.json()) == (404, SERVICE_NOT_FOUND)
