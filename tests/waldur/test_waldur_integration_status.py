"""Waldur's own tests of integration statuses, translated into HTTP tests against the mock.

Source: waldur-mastermind src/waldur_mastermind/marketplace/tests/test_integration_status.py
(IntegrationStatusCreationTest), with the rule it tests in marketplace/utils.py
`refresh_integration_agent_status` as marketplace/views.py calls it (OrderViewSet.list and
.retrieve; BaseResourceViewSet.list and .retrieve). The stored test sends the User-Agent
"waldur-slurm-agent/1.0.0" that older code looked for; the newest utils.py looks for
"waldur-site-agent", which these tests send.
"""
from __future__ import annotations


from mock_api import OWNER, STAFF, STATUSES, USER, list_everything, state_of, when

ORDERS = "/api/marketplace-orders/"
RESOURCES = "/api/marketplace-provider-resources/"
HPC = "fce5a890b4e15e57980a83931fcee79c"  # Alpha University's, with all five statuses in the seed
OBJECT_STORAGE = "87dfd18ae2725b99aa0e161ebe53edaf"  # Beta Research Lab's: only "Order processing"
AGENT = {"User-Agent": "waldur-site-agent/1.0.7"}


def statuses(client, offering: str) -> dict[str, dict]:
    """The offering's statuses by agent type, as staff lists them."""
    return {status["agent_type"]: status
            for status in list_everything(client, STATUSES, STAFF, offering_uuid=offering)}


def test_integration_status_created_while_orders_fetched(client):
    """test_integration_status.py IntegrationStatusCreationTest.test_integration_status_created_while_orders_fetched:
    an offering with no Order processing status yet; listing its orders as the agent creates
    that status, Active, with a last request time (staff here: Waldur's test logs in the
    offering's owner, and the refresh asks OFFERING.UPDATE, which staff holds everywhere)."""
    state = state_of(client)
    state["integration_statuses"] = [status for status in state["integration_statuses"]
                                     if (status["offering"], status["agent_type"]) != (OBJECT_STORAGE, "Order processing")]
    assert client.put("/__admin/state", json=state).status_code == 200
    assert "Order processing" not in statuses(client, OBJECT_STORAGE)
    answer = client.get(ORDERS, params={"offering_uuid": OBJECT_STORAGE}, headers={**STAFF, **AGENT})
    assert answer.status_code == 200
    created = statuses(client, OBJECT_STORAGE)["Order processing"]
    assert created["status"] == "Active"
    assert created["last_request_timestamp"] is not None
    assert statuses(client, OBJECT_STORAGE)["Event processing"]["status"] == "Active"  # the list's other agent type


def test_integration_status_created_while_resources_fetched(client):
    """test_integration_status.py IntegrationStatusCreationTest.test_integration_status_created_while_resources_fetched
    (offering_owner): listing provider resources of the offering as the agent makes its Usage
    reporting status Active with a last request time (the seed has it Unknown, never requested)."""
    before = statuses(client, HPC)
    assert before["Usage reporting"]["status"] == "Unknown" and before["Usage reporting"]["last_request_timestamp"] is None
    answer = client.get(RESOURCES, params={"offering_uuid": HPC}, headers={**OWNER, **AGENT})
    assert answer.status_code == 200
    after = statuses(client, HPC)
    for agent_type in ("Usage reporting", "Resource sync", "Event processing"):
        assert after[agent_type]["status"] == "Active"
        assert when(after[agent_type]["last_request_timestamp"]) > when("2025-01-10T03:00:00Z")
    assert after["Glauth sync"] == before["Glauth sync"]  # not an agent type this read reports
    assert after["Order processing"] == before["Order processing"]
    assert {status["uuid"] for status in state_of(client)["integration_statuses"]
            if status["offering"] == HPC} == {status["url"].rstrip("/").rsplit("/", 1)[-1] for status in after.values()}


def test_integration_status_creation_not_permitted(client):
    """test_integration_status.py IntegrationStatusCreationTest.test_integration_status_creation_not_permitted:
    a caller without OFFERING.UPDATE on the offering's customer (Waldur's test: offering manager
    and offering admin; here the plain user, who holds no role) lists as usual and changes no status."""
    before = state_of(client)["integration_statuses"]
    answer = client.get(RESOURCES, params={"offering_uuid": HPC}, headers={**USER, **AGENT})
    assert answer.status_code == 200
    assert state_of(client)["integration_statuses"] == before
