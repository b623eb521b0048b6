"""Concurrent writers: no acknowledged write may be lost or applied twice.

    .venv/bin/python bench/concurrency.py [--clients 64] [--seconds 30]

Each client (its own connection) loops until time is up over a random mix: register_processor
with a name of its own or one of a few names every client shares, set_statistics with a value
no other write uses, create agent without or with an idempotency key (keys are shared, with
one body per key, so clients replay each other's creates), and reads. Every answer is recorded
with when it was sent and when it came back. Then GET /__admin/state is compared with what
the acknowledged writes imply:

- processors: per service, exactly the seed's names plus every acknowledged name; one 201
  per new (service, name) and one uuid for it in every answer and in the state;
- statistics: "last" write per service means last in the server's own order, which every
  answer carries as the service's `modified` (the store makes it strictly increasing). The
  state must hold the statistics and `modified` of the acknowledged write with the greatest
  `modified`; and that order must agree with real time: a write acknowledged before another
  was sent must have the smaller `modified`;
- agents: the seed's plus one per acknowledged 201, and nothing else; every replay (200) of
  a key answers the agent its 201 created; every key of a 201 is kept.
A request with no answer (transport error) would leave its effect unknown: it is reported
and counts as a failure. So does any 5xx. Exits 1 on any failure.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AGENTS, PREFACTOR, SERVICES, STAFF, start_mock, table  # noqa: E402

SHARED_NAMES = [f"shared-{i}" for i in range(4)]
SHARED_KEYS = 40


@dataclass
class Exchange:
    kind: str
    service: str | None
    body: dict | None
    sent: float
    acked: float = 0.0
    status: int | None = None   # None: no answer
    answer: object = None
    error: str = ""


@dataclass
class Run:
    services: list[str]
    run_id: str
    exchanges: list[Exchange] = field(default_factory=list)


def next_request(rng: random.Random, run: Run, client: int, seq: int) -> tuple[str, str, str, dict | None, dict]:
    """(kind, method, path, json body, headers) for one step of one client."""
    service = rng.choice(run.services)
    roll = rng.random()
    if roll < 0.25:
        name = rng.choice(SHARED_NAMES) if rng.random() < 0.5 else f"c{client}-{seq}"
        return ("register_processor", "POST", f"{SERVICES}{service}/register_processor/",
                {"name": name, "backend_type": rng.choice(["SLURM", "MOAB"])}, STAFF)
    if roll < 0.45:
        return ("set_statistics", "POST", f"{SERVICES}{service}/set_statistics/",
                {"statistics": {"client": client, "seq": seq}}, STAFF)
    if roll < 0.70:
        if rng.random() < 0.5:
            return "create_agent", "POST", AGENTS, {"details": {"name": f"c{client}-{seq}"}}, PREFACTOR
        key = rng.randrange(SHARED_KEYS)
        return ("create_agent", "POST", AGENTS,
                {"details": {"name": f"keyed-{key}"}, "idempotency_key": f"{run.run_id}-{key}"}, PREFACTOR)
    if roll < 0.85:
        return "list", "GET", f"{SERVICES}?page_size=20", None, STAFF
    return "retrieve", "GET", f"{SERVICES}{service}/", None, STAFF


async def client_loop(base_url: str, run: Run, client: int, deadline: float) -> None:
    rng = random.Random(client)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        seq = 0
        while time.monotonic() < deadline:
            seq += 1
            kind, method, path, body, headers = next_request(rng, run, client, seq)
            service = path.removeprefix(SERVICES).split("/")[0] if kind in ("register_processor", "set_statistics") else None
            exchange = Exchange(kind, service, body, time.monotonic())
            try:
                answer = await http.request(method, path, json=body, headers=headers)
                exchange.status = answer.status_code
                if method == "POST":  # the checks need the answers to writes only
                    exchange.answer = answer.json() if answer.content else None
            except (httpx.HTTPError, ValueError) as error:
                exchange.error = f"{type(error).__name__}: {error}"
            exchange.acked = time.monotonic()
            run.exchanges.append(exchange)


def check_processors(run: Run, seed: dict, final: dict) -> list[str]:
    problems = []
    acked = [e for e in run.exchanges if e.kind == "register_processor" and e.status in (200, 201)]
    expected = {s["uuid"]: {p["name"]: p["uuid"] for p in s["processors"]} for s in seed["services"]}
    created = collections.Counter((e.service, e.body["name"]) for e in acked if e.status == 201)
    for e in sorted(acked, key=lambda e: e.answer["created"]):
        names = expected[e.service]
        if e.body["name"] not in names:
            names[e.body["name"]] = e.answer["uuid"]
        elif names[e.body["name"]] != e.answer["uuid"]:
            problems.append(f"processor {e.body['name']!r} of {e.service} answered with two uuids")
    for (service, name), count in created.items():
        if count > 1:
            problems.append(f"processor {name!r} of {service} created {count} times")
    for service in final["services"]:
        have = {p["name"]: p["uuid"] for p in service["processors"]}
        if have != expected[service["uuid"]]:
            lost = expected[service["uuid"]].keys() - have.keys()
            extra = have.keys() - expected[service["uuid"]].keys()
            problems.append(f"service {service['uuid']}: lost {sorted(lost)[:5]}, unacknowledged {sorted(extra)[:5]}, "
                            "or a uuid changed")
    return problems


def check_statistics(run: Run, seed: dict, final: dict) -> list[str]:
    problems = []
    acked = sorted((e for e in run.exchanges if e.kind == "set_statistics" and e.status == 200),
                   key=lambda e: e.sent)
    # Real-time order: whatever was acknowledged before a write was sent must come before it.
    by_ack = sorted(acked, key=lambda e: e.acked)
    latest_acked, i = "", 0
    for e in acked:
        while i < len(by_ack) and by_ack[i].acked < e.sent:
            latest_acked = max(latest_acked, by_ack[i].answer["modified"])
            i += 1
        if e.answer["modified"] <= latest_acked:
            problems.append(f"write {e.body} ordered before a write acknowledged before it was sent")
    last = {}
    for e in acked:
        if e.service not in last or e.answer["modified"] > last[e.service].answer["modified"]:
            last[e.service] = e
    seed_statistics = {s["uuid"]: s["statistics"] for s in seed["services"]}
    for service in final["services"]:
        write = last.get(service["uuid"])
        want = write.body["statistics"] if write else seed_statistics[service["uuid"]]
        if service["statistics"] != want:
            problems.append(f"service {service['uuid']}: statistics {service['statistics']} != last write {want}")
        if write and service["modified"] != write.answer["modified"]:
            problems.append(f"service {service['uuid']}: modified {service['modified']} != last write's "
                            f"{write.answer['modified']}")
    return problems


def check_agents(run: Run, seed: dict, final: dict) -> list[str]:
    problems = []
    acked = [e for e in run.exchanges if e.kind == "create_agent" and e.status in (200, 201)]
    created = [e for e in acked if e.status == 201]
    by_key = {e.body["idempotency_key"]: e.answer["details"]["id"] for e in created if "idempotency_key" in e.body}
    if len(by_key) != sum("idempotency_key" in e.body for e in created):
        problems.append("an idempotency key created more than one agent")
    for e in acked:
        if e.status == 200 and by_key.get(e.body.get("idempotency_key")) != e.answer["details"]["id"]:
            problems.append(f"replay of {e.body.get('idempotency_key')} answered another agent")
    expected = {a["id"] for a in seed["agents"]} | {e.answer["details"]["id"] for e in created}
    have = [a["id"] for a in final["agents"]]
    if len(have) != len(set(have)):
        problems.append("an agent appears twice in the state")
    if set(have) != expected:
        problems.append(f"agents: {len(expected - set(have))} acknowledged but missing, "
                        f"{len(set(have) - expected)} present but never acknowledged")
    kept = {k["key"]: k["agent"] for k in final["idempotency_keys"]}
    if any(kept.get(key) != agent for key, agent in by_key.items()):
        problems.append("an idempotency key of an acknowledged create is missing or points elsewhere")
    return problems


def summary(run: Run, seconds: float) -> str:
    counts = collections.Counter((e.kind, e.status if e.status is not None else "no answer") for e in run.exchanges)
    rows = [[kind, str(status), f"{n:,}"] for (kind, status), n in sorted(counts.items(), key=str)]
    return (f"{len(run.exchanges):,} requests in {seconds:.0f} s ({len(run.exchanges) / seconds:,.0f}/s)\n"
            + table(["operation", "status", "count"], rows))


async def drive(base_url: str, run: Run, clients: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client_loop(base_url, run, client, deadline) for client in range(clients)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    with start_mock() as mock:
        seed = httpx.get(mock.url + "/__admin/state", timeout=30).json()
        run = Run([s["uuid"] for s in seed["services"]], run_id=f"conc-{time.time_ns()}")
        print(f"{args.clients} clients for {args.seconds:.0f} s against {mock.url}", flush=True)
        started = time.monotonic()
        asyncio.run(drive(mock.url, run, args.clients, args.seconds))
        elapsed = time.monotonic() - started
        final = httpx.get(mock.url + "/__admin/state", timeout=60).json()
    print(summary(run, elapsed))
    problems = [f"{e.kind}: no answer ({e.error})" for e in run.exchanges if e.status is None][:10]
    problems += [f"{e.kind}: {e.status} {str(e.answer)[:100]}" for e in run.exchanges
                 if e.status is not None and (e.status >= 500 or e.status not in (200, 201))][:10]
    for name, check in (("processors", check_processors), ("statistics", check_statistics), ("agents", check_agents)):
        found = check(run, seed, final)
        print(f"{name}: {'ok' if not found else f'{len(found)} problem(s)'}")
        problems += found[:10]
    acked = collections.Counter(e.kind for e in run.exchanges if e.status in (200, 201) and e.kind not in ("list", "retrieve"))
    replays = sum(e.kind == "create_agent" and e.status == 200 for e in run.exchanges)
    print(f"acknowledged writes: {dict(acked)}; agent replays (200): {replays}; "
          f"agents in state: {len(final['agents'])} (seed {len(seed['agents'])})")
    for problem in problems:
        print(f"  FAIL {problem}")
    print(f"{'no lost or duplicated writes' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
