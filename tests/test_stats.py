"""Agent connection stats and agent task stats: built from the state, staff and support only
(the role table is in test_auth.py), and the simulated broker outage."""
from __future__ import annotations

import pytest

from mock_api import CONNECTION_STATS, STAFF, SUPPORT, TASK_STATS, WALDUR_TIME, load_state, service_path, state_of

BROKER_DOWN = {"detail": "Message broker is unavailable."}


def connection_stats(client, headers=STAFF) -> dict:
    answer = client.get(CONNECTION_STATS, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def agents_by_uuid(stats: dict) -> dict[str, dict]:
    return {agent["uuid"]: agent for agent in stats["agents"]}


def test_connection_stats_have_one_agent_per_identity(client, seed):
    stats = connection_stats(client)
    assert set(stats) == {"agents", "summary"}
    offerings = {offering["uuid"]: offering for offering in seed["offerings"]}
    agents = agents_by_uuid(stats)
    assert set(agents) == {identity["uuid"] for identity in seed["identities"]}
    for identity in seed["identities"]:
        agent = agents[identity["uuid"]]
        assert agent["name"] == identity["name"]
        assert agent["offering_uuid"] == identity["offering"]
        assert agent["offering_name"] == offerings[identity["offering"]]["name"]
        assert agent["version"] == identity["version"]
        assert agent["last_restarted"] == identity["last_restarted"] and WALDUR_TIME.match(agent["last_restarted"])


def test_an_agent_lists_its_services_subscriptions_and_queues(client, seed):
    agents = agents_by_uuid(connection_stats(client))
    for identity in seed["identities"]:
        agent = agents[identity["uuid"]]
        services = [s for s in seed["services"] if s["identity"] == identity["uuid"]]
        assert {s["uuid"] for s in agent["services"]} == {s["uuid"] for s in services}
        for shown in agent["services"]:
            stored = next(s for s in services if s["uuid"] == shown["uuid"])
            assert set(shown) == {"uuid", "name", "state", "modified"}
            assert (shown["name"], shown["modified"]) == (stored["name"], stored["modified"])
        subscriptions = [e for e in seed["event_subscriptions"] if e["identity"] == identity["uuid"]]
        assert [e["uuid"] for e in agent["event_subscriptions"]] == [e["uuid"] for e in subscriptions]
        for shown, stored in zip(agent["event_subscriptions"], subscriptions):
            assert shown["observable_objects"] == stored["observable_objects"]
            assert shown["rmq_connection"] == stored["rmq_connection"]
        queues = [q for q in seed["queues"] if q["identity"] == identity["uuid"]]
        assert agent["queues"] == [{key: q[key] for key in ("name", "messages", "consumers", "object_type", "kind")}
                                   for q in queues]


def test_the_seed_has_connected_and_disconnected_agents(seed):
    connections = [e["rmq_connection"] for e in seed["event_subscriptions"]]
    assert any(c and c["connected"] for c in connections)
    assert any(c and not c["connected"] for c in connections)
    assert any(c is None for c in connections)


def test_the_summary_counts_what_the_agents_show(client):
    stats = connection_stats(client)
    agents, summary = stats["agents"], stats["summary"]

    def connected(agent):
        return any((e["rmq_connection"] or {}).get("connected") for e in agent["event_subscriptions"])

    assert summary["total_agents"] == len(agents)
    assert summary["connected_agents"] == sum(connected(agent) for agent in agents)
    assert summary["disconnected_agents"] == len(agents) - summary["connected_agents"]
    assert 0 < summary["connected_agents"] < summary["total_agents"]
    assert summary["total_queued_messages"] == sum(q["messages"] for agent in agents for q in agent["queues"])


@pytest.mark.parametrize(("label", "shown"), [("Active", "Active"), ("Idle", "Idle"), ("Error", "Error")])
def test_a_service_state_change_shows_as_the_views_label(client, seed, label, shown):
    """AgentConnectionStatsViewSet.get answers `service.get_state_display()` (the label), not
    the published page's upper case (marketplace_site_agent/views.py)."""
    changed = {**seed, "services": [{**service, "state": label} for service in seed["services"]]}
    load_state(client, changed)
    states = {s["state"] for agent in connection_stats(client)["agents"] for s in agent["services"]}
    assert states == {shown}


def test_a_write_to_a_service_shows_in_the_connection_stats(client, seed):
    service = seed["services"][0]
    modified = client.post(service_path(service["uuid"], "set_statistics"), headers=STAFF,
                           json={"statistics": {"seen": True}}).json()["modified"]
    shown = next(s for agent in connection_stats(client)["agents"] for s in agent["services"]
                 if s["uuid"] == service["uuid"])
    assert shown["modified"] == modified != service["modified"]


def test_a_disconnected_broker_shows_every_agent_disconnected(client, seed):
    offline = {**seed, "event_subscriptions": [{**e, "rmq_connection": None} for e in seed["event_subscriptions"]]}
    load_state(client, offline)
    summary = connection_stats(client)["summary"]
    assert summary["connected_agents"] == 0
    assert summary["disconnected_agents"] == summary["total_agents"] == len(seed["identities"])


def test_support_reads_the_same_connection_stats_as_staff(client):
    assert connection_stats(client, SUPPORT) == connection_stats(client, STAFF)


def test_connection_stats_are_not_paginated(client):
    answer = client.get(CONNECTION_STATS, headers=STAFF)
    assert "Link" not in answer.headers and "X-Result-Count" not in answer.headers


@pytest.mark.server_errors_expected
def test_prefer_code_503_simulates_the_documented_broker_outage(client):
    answer = client.get(CONNECTION_STATS, headers={**STAFF, "Prefer": "code=503"})
    assert answer.status_code == 503
    assert answer.json() == BROKER_DOWN
    assert client.get(CONNECTION_STATS, headers=STAFF).status_code == 200


@pytest.mark.server_errors_expected
def test_an_injected_fault_answers_503_for_the_next_requests_only(client):
    fault = {"operation_id": "marketplace_site_agent_connection_stats_retrieve", "status": 503, "times": 2}
    assert client.post("/__admin/faults", json=fault).status_code == 201
    answers = [client.get(CONNECTION_STATS, headers=STAFF) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [503, 503, 200]
    assert answers[0].json() == BROKER_DOWN


def test_task_stats_show_the_states_tasks(client, seed):
    answer = client.get(TASK_STATS, headers=STAFF)
    assert answer.status_code == 200
    stats = answer.json()
    assert stats == {"active_tasks": seed["tasks"]["active"], "scheduled_tasks": seed["tasks"]["scheduled"],
                     "reserved_tasks": seed["tasks"]["reserved"]}
    assert all(set(task) == {"id", "name", "args", "worker"} for task in stats["active_tasks"])
    assert all(set(task) == {"id", "name", "eta"} for task in stats["scheduled_tasks"])
    assert all(set(task) == {"id", "name"} for task in stats["reserved_tasks"])
    assert all(task["name"].startswith("marketplace_site_agent.tasks.")
               for kind in stats.values() for task in kind)


def test_a_failed_task_inspection_is_still_200_with_the_error(client, seed):
    failed = {**seed, "tasks": {"active": [], "scheduled": [], "reserved": [], "error": "No running Celery workers."}}
    load_state(client, failed)
    answer = client.get(TASK_STATS, headers=SUPPORT)
    assert answer.status_code == 200
    assert answer.json() == {"active_tasks": [], "scheduled_tasks": [], "reserved_tasks": [],
                             "error": "No running Celery workers."}
    assert state_of(client)["tasks"]["error"] == "No running Celery workers."
