"""`--state postgresql://...`: several mock processes serve one state.

Each test gets a database of its own on a private PostgreSQL cluster (tests/postgres_cluster.py),
and starts real `mockserver` processes on it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from postgres_cluster import Cluster, binaries

pytestmark = pytest.mark.xdist_group("postgres")

STAFF = {"Authorization": "Token waldur-staff"}
PREFACTOR = {"Authorization": "Bearer prefactor-dev"}
SERVICES = "/api/marketplace-site-agent-services/"
AGENT = {"User-Agent": "waldur-site-agent/1.0.7"}
HPC = "fce5a890b4e15e57980a83931fcee79c"  # an offering of the built-in data


@pytest.fixture(scope="session")
def cluster():
    if binaries() is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql): the shared-state tests need it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = Cluster()
    cluster.start()
    yield cluster
    cluster.delete()


@pytest.fixture
def database(cluster) -> str:
    """The URL of a new, empty database."""
    name = f"mock_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(cluster.url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return cluster.url.rsplit("/", 1)[0] + f"/{name}"


class Mock:
    def __init__(self, *args: str):
        self.process = subprocess.Popen([sys.executable, "-m", "agent_api_mock", "--port", "0", "--log-level", "warning",
                                         *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in self.process.stdout:
            if line.startswith("mockserver listening on "):
                self.url = line.split()[-1]
                self.client = httpx.Client(base_url=self.url, timeout=30)
                return
        raise AssertionError(f"the mock did not start: {self.process.stderr.read()}")

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=20)

    def kill(self) -> None:
        self.client.close()
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def start():
    mocks: list[Mock] = []

    def start_(*args: str) -> Mock:
        mocks.append(Mock(*args))
        return mocks[-1]

    yield start_
    for mock in mocks:
        mock.stop()


def first_service(mock: Mock) -> dict:
    return mock.client.get(SERVICES, headers=STAFF).json()[0]


def register(mock: Mock, service: dict, name: str) -> httpx.Response:
    return register_with(mock.client, service, name)


def register_with(client: httpx.Client, service: dict, name: str) -> httpx.Response:
    return client.post(f"{SERVICES}{service['uuid']}/register_processor/",
                            json={"name": name, "backend_type": "SLURM"}, headers=STAFF)


def children(mock: Mock) -> list[str]:
    return (Path("/proc") / str(mock.process.pid) / "task" / str(mock.process.pid) / "children").read_text().split()


def running(pid: str) -> bool:
    """A process that exists and is no zombie (a container's init may reap orphans late)."""
    try:
        return (Path("/proc") / pid / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def processor_names(mock: Mock, service: dict) -> list[str]:
    return processor_names_with(mock.client, service)


def processor_names_with(client: httpx.Client, service: dict) -> list[str]:
    answer = client.get(f"{SERVICES}{service['uuid']}/", headers=STAFF)
    assert answer.status_code == 200, answer.text
    return [processor["name"] for processor in answer.json()["processors"]]


def test_a_write_acknowledged_by_one_process_is_read_by_the_next_request_on_another(database, start):
    first, second = start("--state", database), start("--state", database)
    service = first_service(first)
    assert register(first, service, "written-by-first").status_code == 201
    assert "written-by-first" in processor_names(second, service)

    created = second.client.post("/api/v1/agent", json={"details": {"name": "made-by-second"}}, headers=PREFACTOR)
    assert created.status_code == 201
    agent = created.json()["details"]["id"]
    assert agent in [details["id"] for details in first.client.get("/__admin/state").json()["agents"]]


def test_concurrent_writes_through_two_processes_lose_none_and_double_none(database, start):
    """2 x 32 register_processor calls with distinct names on one service, all at once: each a
    read-modify-write of the service's processors."""
    mocks = [start("--state", database), start("--state", database)]
    service = first_service(mocks[0])
    before = set(processor_names(mocks[0], service))
    statuses, barrier = [], threading.Barrier(64)

    def call(mock: Mock, name: str) -> None:
        with httpx.Client(base_url=mock.url, timeout=60) as client:
            barrier.wait()
            statuses.append(client.post(f"{SERVICES}{service['uuid']}/register_processor/",
                                        json={"name": name, "backend_type": "SLURM"}, headers=STAFF).status_code)

    threads = [threading.Thread(target=call, args=(mocks[number % 2], f"writer-{number}")) for number in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 64
    for mock in mocks:
        names = processor_names(mock, service)
        assert len(names) == len(set(names))
        assert set(names) - before == {f"writer-{number}" for number in range(64)}


def test_sigkill_right_after_acknowledged_writes_loses_nothing(database, start):
    first, second = start("--state", database), start("--state", database)
    service = first_service(first)
    acknowledged = [f"before-kill-{number}" for number in range(20)]
    for name in acknowledged:
        assert register(first if name[-1] in "02468" else second, service, name).status_code == 201
    first.kill()
    second.kill()
    restarted = start("--state", database)
    assert set(acknowledged) <= set(processor_names(restarted, service))


def test_sigkill_in_the_middle_of_writes_loses_nothing_and_leaves_the_other_process_writing(database, start):
    """A process killed while it may hold the session's lock drops it with its connection: the
    other process goes on writing, and reads every write either of them acknowledged."""
    doomed, survivor = start("--state", database), start("--state", database)
    service = first_service(survivor)
    acknowledged, stop = [], threading.Event()

    def write(mock: Mock, worker: int) -> None:
        with httpx.Client(base_url=mock.url, timeout=30) as client:
            for number in range(10_000):
                if stop.is_set():
                    return
                try:
                    answer = register_with(client, service, f"load-{worker}-{number}")
                except httpx.HTTPError:
                    return
                if answer.status_code == 201:
                    acknowledged.append(f"load-{worker}-{number}")

    threads = [threading.Thread(target=write, args=((doomed, survivor)[worker % 2], worker)) for worker in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    doomed.process.kill()
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join()
    after_kill = len(acknowledged)
    assert register(survivor, service, "after-the-kill").status_code == 201
    assert set(acknowledged) | {"after-the-kill"} <= set(processor_names(survivor, service))
    assert after_kill > 10
    doomed.process.wait(timeout=10)


def test_database_stopped_then_started_again(cluster, database, start):
    """Writes get a 503 with nothing applied, reads a 503 saying the state is unavailable, in the
    API's error format; when the database is back, the same processes answer again."""
    first, second = start("--state", database), start("--state", database)
    service = first_service(first)
    cluster.stop()
    try:
        refused = register(first, service, "while-down")
        assert refused.status_code == 503
        assert "nothing was changed" in refused.json()["detail"]
        unavailable = second.client.get(SERVICES, headers=STAFF)
        assert unavailable.status_code == 503
        assert "unavailable" in unavailable.json()["detail"]
        prefactor = second.client.post("/api/v1/agent", json={"details": {"name": "while-down"}}, headers=PREFACTOR)
        assert prefactor.status_code == 503
        assert prefactor.json()["code"] == "service_unavailable"
    finally:
        cluster.start()
    assert "while-down" not in processor_names(first, service)
    assert register(second, service, "after-restart").status_code == 201
    assert "after-restart" in processor_names(first, service)


def test_workers_serve_one_port_with_one_state(database, start):
    mock = start("--state", database, "--workers", "2")
    workers = children(mock)
    assert len(workers) == 2
    service = first_service(mock)
    for number in range(40):
        # a new connection each time, so that both workers get some
        with httpx.Client(base_url=mock.url) as client:
            assert register_with(client, service, f"worker-write-{number}").status_code == 201
        with httpx.Client(base_url=mock.url) as client:
            answer = client.get(f"{SERVICES}{service['uuid']}/", headers=STAFF)
            assert {f"worker-write-{n}" for n in range(number + 1)} <= {p["name"] for p in answer.json()["processors"]}
    with psycopg.connect(database) as connection:  # each worker keeps its own connection
        assert connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid()").fetchone()[0] == 2
    os.kill(int(workers[0]), signal.SIGKILL)  # a worker that dies is started again
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (len(children(mock)) < 2 or workers[0] in children(mock)):
        time.sleep(0.1)
    workers = children(mock)
    assert len(workers) == 2
    with httpx.Client(base_url=mock.url) as client:
        assert {f"worker-write-{n}" for n in range(40)} <= set(processor_names_with(client, service))
    mock.stop()  # Ctrl-C: every worker stops, and the command exits cleanly
    assert mock.process.returncode == 0
    assert not any(map(running, workers))


def test_workers_stop_when_their_parent_is_killed(database, start):
    mock = start("--state", database, "--workers", "2")
    workers = children(mock)
    mock.kill()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(map(running, workers)):
        time.sleep(0.1)
    assert not any(map(running, workers))


def test_workers_without_a_shared_state_are_refused():
    for state in ([], ["--state", "state.db"]):
        refused = subprocess.run([sys.executable, "-m", "agent_api_mock", "--workers", "2", *state],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2
        assert "--workers 2 needs a state the processes share: --state postgresql://" in refused.stderr


def test_reads_that_write_through_two_processes_create_each_status_once(database, start):
    """An agent's reads refresh its offering's integration statuses, creating those it lacks
    (resources/agent_status.py): 2 x 16 such reads at once through two processes create each
    status once."""
    mocks = [start("--state", database), start("--state", database)]
    state = mocks[0].client.get("/__admin/state").json()
    assert mocks[0].client.put("/__admin/state", json={**state, "integration_statuses": []}).status_code == 200
    barrier, statuses = threading.Barrier(32), []

    def agent_read(mock: Mock) -> None:
        with httpx.Client(base_url=mock.url, timeout=60) as client:
            barrier.wait()
            statuses.append(client.get("/api/marketplace-provider-resources/", params={"offering_uuid": HPC},
                                       headers={**STAFF, **AGENT}).status_code)

    threads = [threading.Thread(target=agent_read, args=(mocks[number % 2],)) for number in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 32
    for mock in mocks:
        listed = mock.client.get("/api/marketplace-integration-statuses/", headers=STAFF).json()
        assert sorted(status["agent_type"] for status in listed) == ["Event processing", "Resource sync",
                                                                     "Usage reporting"]


def test_each_session_has_a_state_of_its_own(database):
    """Stores made with `for_session(name)` (one per URL-prefix session, sessions.py) share nothing."""
    from agent_api_mock.postgres_state import PostgresState
    from agent_api_mock.resources.services import registered
    from agent_api_mock.store import Store

    server = PostgresState(database)
    try:
        first, second = Store(durable=server.for_session("first")), Store(durable=server.for_session("second"))
        service = next(iter(first.services.values()))
        first.put(("services", registered(service, {"name": "only-in-first", "backend_type": "SLURM"}, "2025-01-01T00:00:00Z")[0]))

        def processors(store: Store) -> list[str]:
            return [processor["name"] for processor in store.services[service["uuid"]]["processors"]]

        assert "only-in-first" in processors(first) and "only-in-first" not in processors(second)
        assert "only-in-first" in processors(Store(durable=PostgresState(database).for_session("first")))
        server.drop_session("first")  # DELETE /__admin/sessions/first: the session starts again from the seed
        assert "only-in-first" not in processors(Store(durable=server.for_session("first")))
    finally:
        server.close()


def test_an_unreachable_database_at_start_is_one_line_without_the_password():
    refused = subprocess.run([sys.executable, "-m", "agent_api_mock", "--port", "0",
                              "--state", "postgresql://mock:secret@127.0.0.1:1/mock"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith("mockserver: cannot load postgresql://mock:***@127.0.0.1:1/mock: PostgreSQL: connection failed")
    assert "secret" not in refused.stderr + refused.stdout
