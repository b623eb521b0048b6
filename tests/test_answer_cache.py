"""Answers reused until the data changes (answer_cache.py): an identical GET or HEAD of one
session is answered with the bytes of the last one while the session's state is unchanged, and
never after anything could have changed it: a write, a reset or a loaded state, another token,
header or host, a fault or `Prefer`, or the passing of MAX_AGE_SECONDS. The journal still records
every request. A read that writes (an agent's read refreshing its integration statuses) is not kept."""
from __future__ import annotations

import pytest

from mock_api import (
    OWNER, STAFF, STATUSES, SUPPORT, SERVICES, list_everything, load_state, service_path, state_of,
)
from agent_api_mock import answer_cache
from agent_api_mock.answer_cache import Answers

SERVICES_LIST = "marketplace_site_agent_services_list"
AGENT = {"User-Agent": "waldur-site-agent/1.0.7"}
HPC = "fce5a890b4e15e57980a83931fcee79c"
USER_ATTRIBUTE_CONFIG = f"/api/marketplace-provider-offerings/{HPC}/user-attribute-config/"


def answers(app, session: str | None = None) -> Answers:
    mock = app.state.mock if session is None else app.state.sessions.mock_for(session)
    return mock.answers


def statistics_of(client, uuid: str, prefix: str = "") -> dict:
    answer = client.get(prefix + service_path(uuid), headers=STAFF)
    assert answer.status_code == 200, answer.text
    return answer.json()["statistics"]


def set_statistics(client, uuid: str, statistics: dict, prefix: str = "") -> None:
    answer = client.post(prefix + service_path(uuid, "set_statistics"), headers=STAFF, json={"statistics": statistics})
    assert answer.status_code == 200, answer.text


# --- what is reused --------------------------------------------------------------------------

def test_a_repeated_read_is_answered_with_the_same_bytes_from_the_cache(app, client):
    first = client.get(SERVICES, headers=STAFF, params={"page_size": 2})
    assert len(answers(app).entries) == 1
    second = client.get(SERVICES, headers=STAFF, params={"page_size": 2})
    assert (second.status_code, second.content, second.headers) == (first.status_code, first.content, first.headers)


def test_only_successful_answers_are_kept(app, client):
    assert client.get(service_path("0" * 32), headers=STAFF).status_code == 404
    assert client.get(SERVICES).status_code == 401
    assert answers(app).entries == {}


# --- what invalidates ------------------------------------------------------------------------

def test_a_write_makes_the_next_read_fresh(client, seed):
    uuid = seed["services"][0]["uuid"]
    before = statistics_of(client, uuid)
    set_statistics(client, uuid, {"written": 1})
    assert statistics_of(client, uuid) == {"written": 1} != before


def test_a_write_in_one_session_leaves_another_sessions_answers_alone(app, client, seed):
    uuid = seed["services"][0]["uuid"]
    seeded = statistics_of(client, uuid, "/sessions/w2")
    set_statistics(client, uuid, {"written": 1}, "/sessions/w1")
    assert statistics_of(client, uuid, "/sessions/w1") == {"written": 1}
    assert len(answers(app, "w2").entries) == 1  # still valid: w2's state did not change
    assert statistics_of(client, uuid, "/sessions/w2") == seeded


def test_reset_and_a_loaded_state_make_the_next_read_fresh(client, seed):
    uuid = seed["services"][0]["uuid"]
    set_statistics(client, uuid, {"written": 1})
    assert statistics_of(client, uuid) == {"written": 1}
    client.post("/__admin/reset")
    assert statistics_of(client, uuid) == seed["services"][0]["statistics"]
    loaded = state_of(client)
    loaded["services"] = loaded["services"][1:]
    load_state(client, loaded)
    assert client.get(service_path(uuid), headers=STAFF).status_code == 404


def test_a_read_that_writes_is_not_kept_and_its_write_is_seen_at_once(app, client):
    """An agent's order list refreshes its offering's integration statuses (resources/agent_status.py)."""
    order_reads = {name: status["last_request_timestamp"]
                   for name, status in statuses_of_hpc(client).items() if name == "Order processing"}
    path, params = "/api/marketplace-orders/", {"offering_uuid": HPC}
    assert client.get(path, params=params, headers={**OWNER, **AGENT}).status_code == 200
    assert not any(key[4] == path for key in answers(app).entries)
    refreshed = statuses_of_hpc(client)["Order processing"]["last_request_timestamp"]
    assert refreshed != order_reads["Order processing"]
    assert client.get(path, params=params, headers={**OWNER, **AGENT}).status_code == 200
    assert statuses_of_hpc(client)["Order processing"]["last_request_timestamp"] > refreshed


def test_a_write_outside_the_store_makes_the_next_read_fresh(client):
    """register_queue provisions an event consumer (events.py), which the connection stats show."""
    def consumers() -> list:
        stats = client.get("/api/marketplace-site-agent-connection-stats/", headers=STAFF)
        assert stats.status_code == 200, stats.text
        return [agent["event_consumer_uuid"] for agent in stats.json()["agents"] if agent["event_consumer_uuid"]]

    assert consumers() == []
    identity = client.get("/api/marketplace-site-agent-identities/", params={"offering_uuid": HPC},
                          headers=OWNER).json()[0]["uuid"]
    registered = client.post(f"/api/marketplace-site-agent-identities/{identity}/register_queue/", json={},
                             headers=OWNER)
    assert registered.status_code == 201, registered.text
    assert len(consumers()) == 1


def statuses_of_hpc(client) -> dict[str, dict]:
    return {status["agent_type"]: status for status in list_everything(client, STATUSES, STAFF, offering_uuid=HPC)}


def test_a_head_count_follows_the_writes(client, seed):
    def count() -> int:
        answer = client.head(SERVICES, headers=STAFF)
        assert answer.status_code == 200 and answer.content == b""
        return int(answer.headers["X-Result-Count"])

    before = count()
    assert count() == before
    loaded = state_of(client)
    loaded["services"] = loaded["services"][1:]
    load_state(client, loaded)
    assert count() == before - 1


def test_an_answer_is_reused_for_at_most_its_max_age(client, monkeypatch):
    """The default user attribute config is made on the fly, with `created` now."""
    clock = [1000.0]
    monkeypatch.setattr(answer_cache.time, "monotonic", lambda: clock[0])
    first = client.get(USER_ATTRIBUTE_CONFIG, headers=OWNER).json()
    clock[0] += answer_cache.MAX_AGE_SECONDS / 2
    assert client.get(USER_ATTRIBUTE_CONFIG, headers=OWNER).json() == first
    clock[0] += answer_cache.MAX_AGE_SECONDS
    assert client.get(USER_ATTRIBUTE_CONFIG, headers=OWNER).json()["created"] > first["created"]


# --- what is never shared --------------------------------------------------------------------

def test_different_tokens_never_share_an_answer(client):
    support = client.get(SERVICES, headers=SUPPORT, params={"page_size": 100}).json()
    owner = client.get(SERVICES, headers=OWNER, params={"page_size": 100}).json()
    assert len(owner) < len(support)
    assert client.get(SERVICES, headers=SUPPORT, params={"page_size": 100}).json() == support
    assert client.get(SERVICES, headers=OWNER, params={"page_size": 100}).json() == owner


def test_the_host_the_client_called_builds_its_own_urls(client, seed):
    uuid = seed["services"][0]["uuid"]
    here = client.get(service_path(uuid), headers=STAFF).json()["url"]
    there = client.get(service_path(uuid), headers={**STAFF, "Host": "mock.example:8080"}).json()["url"]
    assert here.startswith("http://testserver/") and there.startswith("http://mock.example:8080/")


@pytest.mark.server_errors_expected
def test_a_fault_and_a_prefer_header_still_apply_to_a_cached_read(client):
    cached = client.get(SERVICES, headers=STAFF)
    assert client.post("/__admin/faults", json={"operation_id": SERVICES_LIST, "status": 401}).status_code == 201
    assert client.get(SERVICES, headers=STAFF).status_code == 401
    assert client.get(SERVICES, headers={**STAFF, "Prefer": "code=401"}).status_code == 401
    assert client.get(SERVICES, headers=STAFF).content == cached.content


def test_the_journal_records_every_request_a_cached_answer_served(client):
    client.delete("/__admin/requests")
    for _ in range(3):
        assert client.get(SERVICES, headers=STAFF).status_code == 200
    recorded = client.get("/__admin/requests").json()
    assert [(entry["method"], entry["path"], entry["status"]) for entry in recorded] == [("GET", SERVICES, 200)] * 3


# --- bounded ---------------------------------------------------------------------------------

def test_the_least_recently_used_answers_go_first_beyond_the_bound(app, client):
    app.state.mock.answers = Answers(max_entries=2)
    for page in (1, 2, 3):
        client.get(SERVICES, headers=STAFF, params={"page_size": 1, "page": page})
    assert [key[5] for key in answers(app).entries] == [b"page_size=1&page=2", b"page_size=1&page=3"]


def test_the_answers_of_a_session_hold_at_most_their_byte_bound(app, client):
    one_page = len(client.get(SERVICES, headers=STAFF, params={"page_size": 1}).content)
    app.state.mock.answers = Answers(max_bytes=2 * one_page + one_page // 2)
    for page in (1, 2, 3, 4):
        client.get(SERVICES, headers=STAFF, params={"page_size": 1, "page": page})
    kept = answers(app)
    assert 0 < len(kept.entries) < 4
    assert kept.bytes == sum(len(entry[3]) for entry in kept.entries.values()) <= kept.max_bytes


def test_a_body_over_the_limit_is_not_kept(app, client, monkeypatch):
    monkeypatch.setattr(answer_cache, "MAX_BODY_BYTES", 10)
    assert client.get(SERVICES, headers=STAFF).status_code == 200
    assert answers(app).entries == {}


def test_a_sessions_estimated_memory_counts_its_answers(app, client):
    assert client.get(f"/sessions/w1{SERVICES}", headers=STAFF).status_code == 200
    sessions = app.state.sessions
    kept = answers(app, "w1")
    held, with_answers = kept.bytes, sessions.estimated_bytes(sessions.named["w1"])
    kept.entries.clear()
    kept.bytes = 0
    assert with_answers - sessions.estimated_bytes(sessions.named["w1"]) == held > 0
