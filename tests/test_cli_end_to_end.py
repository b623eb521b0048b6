"""The `mockserver` command as a user starts it (`python -m mockserver --port 0`), driven over
real HTTP by the unchanged official clients: Waldur's `waldur-api-client` and Prefactor's
`prefactor-http`. Every call must parse."""
from __future__ import annotations

import asyncio
import queue
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from uuid import UUID

import httpx
import pytest
from prefactor_http import HttpClientConfig, PrefactorHttpClient
from prefactor_http.exceptions import PrefactorAuthError, PrefactorValidationError
from prefactor_http.models.agent import Agent, AgentForCreate
from waldur_api_client import AuthenticatedClient
from waldur_api_client.api.marketplace_integration_statuses import (
    marketplace_integration_statuses_count, marketplace_integration_statuses_list,
    marketplace_integration_statuses_retrieve,
)
from waldur_api_client.api.marketplace_site_agent_connection_stats import (
    marketplace_site_agent_connection_stats_retrieve,
)
from waldur_api_client.api.marketplace_site_agent_services import (
    marketplace_site_agent_services_count, marketplace_site_agent_services_list,
    marketplace_site_agent_services_register_processor, marketplace_site_agent_services_retrieve,
    marketplace_site_agent_services_set_statistics,
)
from waldur_api_client.api.marketplace_site_agent_task_stats import marketplace_site_agent_task_stats_retrieve
from waldur_api_client.errors import UnexpectedStatus
from waldur_api_client.models import (
    AgentConnectionStatsResponse, AgentProcessor, AgentProcessorCreateRequest, AgentService,
    AgentServiceStatisticsRequest, AgentTaskStatsResponse, IntegrationStatusDetails,
)
from waldur_api_client.models.agent_service_state_enum import AgentServiceStateEnum
from waldur_api_client.models.agent_service_statistics_request_statistics import AgentServiceStatisticsRequestStatistics
from waldur_api_client.models.integration_status_details_o_enum import IntegrationStatusDetailsOEnum
from waldur_api_client.models.integration_status_details_status_enum import IntegrationStatusDetailsStatusEnum

LISTENING = re.compile(r"mockserver listening on (http://\S+)")
STARTUP_LIMIT_SECONDS = 10  # generous; the measured time is printed (it is usually well under 2 s)


class RunningMock:
    def __init__(self, process: subprocess.Popen, base_url: str, banner: str, startup_seconds: float):
        self.process, self.base_url, self.banner, self.startup_seconds = process, base_url, banner, startup_seconds

    def waldur(self, token: str = "waldur-staff") -> AuthenticatedClient:
        return AuthenticatedClient(base_url=self.base_url, token=token)

    def prefactor(self, token: str = "prefactor-dev") -> PrefactorHttpClient:
        return PrefactorHttpClient(HttpClientConfig(api_url=self.base_url, api_token=token, max_retries=0))


def read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))


def read_banner(lines: queue.Queue, process: subprocess.Popen) -> tuple[str, str]:
    """The base URL and the whole banner: every line up to a pause after the Prefactor tokens."""
    deadline = time.monotonic() + 30
    banner: list[str] = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5 if any("Prefactor tokens" in seen for seen in banner) else 1)
        except queue.Empty:
            if process.poll() is not None:
                raise RuntimeError(f"mockserver exited with {process.returncode}") from None
            if any("Prefactor tokens" in seen for seen in banner):
                break
            continue
        banner.append(line)
    text = "\n".join(banner)
    match = LISTENING.search(text)
    assert match, f"no 'listening' line in:\n{text}"
    return match.group(1), text


@pytest.fixture(scope="module")
def mock_server():
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "agent_api_mock", "--port", "0", "--log-level", "warning"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
        base_url, banner = read_banner(lines, process)
        startup = time.perf_counter() - started
        print(f"\nmockserver was up in {startup:.2f} s at {base_url}")
        yield RunningMock(process, base_url, banner, startup)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(autouse=True)
def fresh_state(mock_server):
    """The server lives for the whole module; every test starts from its seed data."""
    assert httpx.post(f"{mock_server.base_url}/__admin/reset").status_code == 200


# --- the command ---------------------------------------------------------------------------

def test_the_command_is_up_quickly(mock_server):
    assert mock_server.startup_seconds < STARTUP_LIMIT_SECONDS
    assert mock_server.process.poll() is None


def test_the_command_prints_where_it_listens_and_every_token(mock_server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", mock_server.base_url)
    assert not mock_server.base_url.endswith(":0")
    for token, role in [("waldur-staff", "staff"), ("waldur-support", "support"), ("waldur-owner", "CUSTOMER.OWNER"),
                        ("waldur-user", "no role"), ("waldur-offering-manager", "OFFERING.MANAGER"),
                        ("waldur-identity-manager", "identity manager")]:
        assert re.search(rf"^\s+{token}\s+{role}\b", mock_server.banner, re.MULTILINE), token
    assert "Authorization: Token <key>" in mock_server.banner
    assert re.search(r"^\s+prefactor-dev$", mock_server.banner, re.MULTILINE)
    assert "Authorization: Bearer <token>" in mock_server.banner


# --- waldur-api-client ---------------------------------------------------------------------

def test_the_waldur_client_lists_counts_and_retrieves_services(mock_server):
    client = mock_server.waldur()
    first_page = marketplace_site_agent_services_list.sync(client=client)
    assert first_page and all(isinstance(service, AgentService) for service in first_page)
    everything = marketplace_site_agent_services_list.sync_all(client=client)
    assert marketplace_site_agent_services_count.sync(client=client) == len(everything) > len(first_page)
    assert [s.uuid for s in everything[:len(first_page)]] == [s.uuid for s in first_page]
    one = marketplace_site_agent_services_retrieve.sync(first_page[0].uuid, client=client)
    assert isinstance(one, AgentService) and one.uuid == first_page[0].uuid and one.name == first_page[0].name


def test_the_waldur_client_filters_services(mock_server):
    client = mock_server.waldur()
    everything = marketplace_site_agent_services_list.sync_all(client=client)
    in_error = marketplace_site_agent_services_list.sync_all(client=client, state=[AgentServiceStateEnum.VALUE_3])
    assert in_error and {str(service.state) for service in in_error} == {"Error"}
    identity = everything[0].identity
    of_identity = marketplace_site_agent_services_list.sync_all(client=client, identity_uuid=identity)
    assert {s.uuid for s in of_identity} == {s.uuid for s in everything if s.identity == identity}
    assert marketplace_site_agent_services_count.sync(client=client, stale=True) == len(everything)
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    assert marketplace_site_agent_services_count.sync(client=client, modified_after=tomorrow) == 0
    assert marketplace_site_agent_services_count.sync(client=client, mode=everything[0].mode or "") >= 1


def test_the_waldur_client_registers_a_processor_then_updates_it(mock_server):
    client = mock_server.waldur()
    service = marketplace_site_agent_services_list.sync(client=client)[0]
    request = AgentProcessorCreateRequest(name="e2e-processor", backend_type="SLURM", backend_version="23.11")
    created = marketplace_site_agent_services_register_processor.sync_detailed(service.uuid, client=client, body=request)
    assert created.status_code == 201 and isinstance(created.parsed, AgentProcessor)
    again = marketplace_site_agent_services_register_processor.sync_detailed(service.uuid, client=client, body=request)
    assert again.status_code == 200 and again.parsed.uuid == created.parsed.uuid
    processors = marketplace_site_agent_services_retrieve.sync(service.uuid, client=client).processors
    assert [p.uuid for p in processors if p.name == "e2e-processor"] == [created.parsed.uuid]


def test_the_waldur_client_sets_statistics(mock_server):
    client = mock_server.waldur()
    service = marketplace_site_agent_services_list.sync(client=client)[0]
    statistics = AgentServiceStatisticsRequestStatistics.from_dict({"processed": 42, "queues": ["a", "b"]})
    updated = marketplace_site_agent_services_set_statistics.sync(
        service.uuid, client=client, body=AgentServiceStatisticsRequest(statistics=statistics))
    assert isinstance(updated, AgentService)
    assert updated.statistics.to_dict() == {"processed": 42, "queues": ["a", "b"]}
    assert updated.modified > service.modified


def test_the_waldur_client_reads_both_stats(mock_server):
    client = mock_server.waldur("waldur-support")
    connections = marketplace_site_agent_connection_stats_retrieve.sync(client=client)
    assert isinstance(connections, AgentConnectionStatsResponse)
    assert connections.summary.total_agents == len(connections.agents) > 0
    tasks = marketplace_site_agent_task_stats_retrieve.sync(client=client)
    assert isinstance(tasks, AgentTaskStatsResponse)
    assert tasks.active_tasks or tasks.scheduled_tasks or tasks.reserved_tasks


def test_the_waldur_client_lists_counts_filters_and_retrieves_integration_statuses(mock_server):
    client = mock_server.waldur()
    everything = marketplace_integration_statuses_list.sync_all(client=client)
    assert everything and all(isinstance(status, IntegrationStatusDetails) for status in everything)
    assert marketplace_integration_statuses_count.sync(client=client) == len(everything)
    active = marketplace_integration_statuses_list.sync_all(client=client, status=[IntegrationStatusDetailsStatusEnum.ACTIVE])
    assert active and {str(status.status) for status in active} == {"Active"}
    newest_first = marketplace_integration_statuses_list.sync_all(client=client, o=[IntegrationStatusDetailsOEnum.VALUE_0])
    moments = [status.last_request_timestamp for status in newest_first if status.last_request_timestamp]
    assert len(newest_first) == len(everything) and moments == sorted(moments, reverse=True)
    offering = UUID(everything[0].offering.rstrip("/").rsplit("/", 1)[-1])
    of_offering = marketplace_integration_statuses_list.sync_all(client=client, offering_uuid=[offering])
    assert of_offering and all(status.offering == everything[0].offering for status in of_offering)
    uuid = UUID(everything[0].url.rstrip("/").rsplit("/", 1)[-1])
    retrieved = marketplace_integration_statuses_retrieve.sync(uuid, client=client)
    assert isinstance(retrieved, IntegrationStatusDetails) and retrieved.url == everything[0].url


def test_the_waldur_client_sees_the_refusals(mock_server):
    with pytest.raises(UnexpectedStatus) as refused:
        marketplace_site_agent_connection_stats_retrieve.sync(client=mock_server.waldur("waldur-user"))
    assert refused.value.status_code == 403
    with pytest.raises(UnexpectedStatus) as unknown:
        marketplace_site_agent_services_list.sync(client=mock_server.waldur("not-a-token"))
    assert unknown.value.status_code == 401


def test_processors_registered_from_many_threads_are_one_per_name(mock_server):
    client = mock_server.waldur()
    service = marketplace_site_agent_services_list.sync(client=client)[0]

    def register(n: int) -> int:
        body = AgentProcessorCreateRequest(name=f"threaded-{n % 4}", backend_type="SLURM")
        return marketplace_site_agent_services_register_processor.sync_detailed(
            service.uuid, client=mock_server.waldur(), body=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(register, range(24)))
    assert statuses.count(201) == 4 and statuses.count(200) == 20
    names = [p.name for p in marketplace_site_agent_services_retrieve.sync(service.uuid, client=client).processors]
    assert sorted(name for name in names if name.startswith("threaded-")) == [f"threaded-{n}" for n in range(4)]


# --- prefactor-http ------------------------------------------------------------------------

def test_the_prefactor_sdk_creates_an_agent(mock_server):
    async def scenario():
        async with mock_server.prefactor() as client:
            return await client.agents.create(AgentForCreate(name="End-to-end agent", description="made by the SDK"))

    agent = asyncio.run(scenario())
    assert isinstance(agent, Agent)
    assert agent.name == "End-to-end agent" and agent.status == "pending"
    assert re.fullmatch(r"[0-7][0-9abcdefghjkmnpqrstvwxyz]{31}", agent.id)


def test_the_prefactor_sdk_retries_safely_with_an_idempotency_key(mock_server):
    async def scenario():
        async with mock_server.prefactor() as client:
            first = await client.agents.create(AgentForCreate(name="Retried"), idempotency_key="e2e-retry")
            again = await client.agents.create(AgentForCreate(name="Retried"), idempotency_key="e2e-retry")
            return first, again

    first, again = asyncio.run(scenario())
    assert first.id == again.id
    state = httpx.get(f"{mock_server.base_url}/__admin/state").json()
    assert [agent["id"] for agent in state["agents"]] == [first.id]


def test_the_prefactor_sdk_sees_validation_and_auth_errors(mock_server):
    async def invalid():
        async with mock_server.prefactor() as client:
            await client.agents.create(AgentForCreate(name=""))

    async def unauthorised():
        async with mock_server.prefactor("wrong-token") as client:
            await client.agents.create(AgentForCreate(name="Nobody"))

    with pytest.raises(PrefactorValidationError) as validation:
        asyncio.run(invalid())
    assert validation.value.errors and "details.name" in validation.value.errors
    with pytest.raises(PrefactorAuthError):
        asyncio.run(unauthorised())
