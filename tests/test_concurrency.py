"""Many requests at once against one app (as uvicorn interleaves them on its event loop): no
write is lost and none is applied twice."""
from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from mock_api import AGENTS, PREFACTOR, SERVICES, STAFF, service_path, when

CONCURRENT = 40


async def together(app, calls):
    """Runs `calls(client)` coroutines concurrently over one ASGI transport; their answers, in order."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        answers = await asyncio.gather(*calls(client))
    assert all(answer.status_code < 500 for answer in answers), [a.text for a in answers if a.status_code >= 500]
    return answers


@pytest.fixture
def service(seed) -> dict:
    return seed["services"][0]


def processors_of(client, uuid) -> list[dict]:
    return client.get(service_path(uuid), headers=STAFF).json()["processors"]


def test_distinct_processor_names_registered_at_once_are_all_kept(app, client, service):
    names = [f"parallel-{n}" for n in range(CONCURRENT)]
    answers = asyncio.run(together(app, lambda c: [
        c.post(service_path(service["uuid"], "register_processor"), headers=STAFF,
               json={"name": name, "backend_type": "SLURM"}) for name in names]))
    assert [answer.status_code for answer in answers] == [201] * CONCURRENT
    assert len({answer.json()["uuid"] for answer in answers}) == CONCURRENT
    processors = processors_of(client, service["uuid"])
    assert sorted(p["name"] for p in processors) == sorted(names + [p["name"] for p in service["processors"]])


def test_one_name_registered_at_once_from_everywhere_makes_one_processor(app, client, service):
    answers = asyncio.run(together(app, lambda c: [
        c.post(service_path(service["uuid"], "register_processor"), headers=STAFF,
               json={"name": "contended", "backend_type": f"backend-{n}"}) for n in range(CONCURRENT)]))
    assert Counter(answer.status_code for answer in answers) == {201: 1, 200: CONCURRENT - 1}
    assert len({answer.json()["uuid"] for answer in answers}) == 1
    contended = [p for p in processors_of(client, service["uuid"]) if p["name"] == "contended"]
    assert len(contended) == 1
    assert contended[0]["backend_type"] in {f"backend-{n}" for n in range(CONCURRENT)}


def test_statistics_set_at_once_leave_one_whole_value(app, client, service):
    answers = asyncio.run(together(app, lambda c: [
        c.post(service_path(service["uuid"], "set_statistics"), headers=STAFF,
               json={"statistics": {"writer": n, "payload": [n] * 20}}) for n in range(CONCURRENT)]))
    assert all(answer.status_code == 200 for answer in answers)
    assert [answer.json()["statistics"]["writer"] for answer in answers] == list(range(CONCURRENT))
    modified = [when(answer.json()["modified"]) for answer in answers]
    assert len(set(modified)) == CONCURRENT, "two writes got the same modification time"
    final = client.get(service_path(service["uuid"]), headers=STAFF).json()
    last_writer = max(answers, key=lambda answer: when(answer.json()["modified"])).json()["statistics"]
    assert final["statistics"] == last_writer
    assert final["statistics"]["payload"] == [final["statistics"]["writer"]] * 20


def test_agents_created_at_once_all_exist_with_distinct_ids(app, client):
    answers = asyncio.run(together(app, lambda c: [
        c.post(AGENTS, headers=PREFACTOR, json={"details": {"name": f"agent {n}"}}) for n in range(CONCURRENT)]))
    assert [answer.status_code for answer in answers] == [201] * CONCURRENT
    ids = {answer.json()["details"]["id"] for answer in answers}
    assert len(ids) == CONCURRENT
    assert {agent["id"] for agent in client.get("/__admin/state").json()["agents"]} == ids


def test_one_idempotency_key_used_at_once_creates_one_agent(app, client):
    body = {"details": {"name": "Once"}, "idempotency_key": "parallel-key"}
    answers = asyncio.run(together(app, lambda c: [c.post(AGENTS, headers=PREFACTOR, json=body)
                                                   for _ in range(CONCURRENT)]))
    assert Counter(answer.status_code for answer in answers) == {201: 1, 200: CONCURRENT - 1}
    assert len({answer.json()["details"]["id"] for answer in answers}) == 1
    assert len(client.get("/__admin/state").json()["agents"]) == 1


def test_reads_during_writes_always_see_a_consistent_list(app, client, seed):
    def calls(c):
        for n in range(CONCURRENT):
            target = seed["services"][n % len(seed["services"])]["uuid"]
            yield c.post(service_path(target, "register_processor"), headers=STAFF,
                         json={"name": f"mixed-{n}", "backend_type": "SLURM"})
            yield c.get(SERVICES, headers=STAFF, params={"page_size": 300})
    answers = asyncio.run(together(app, lambda c: list(calls(c))))
    for listed in answers[1::2]:
        assert listed.status_code == 200
        assert int(listed.headers["X-Result-Count"]) == len(listed.json()) == len(seed["services"])
    total = sum(len(s["processors"]) for s in client.get(SERVICES, headers=STAFF, params={"page_size": 300}).json())
    assert total == sum(len(s["processors"]) for s in seed["services"]) + CONCURRENT
