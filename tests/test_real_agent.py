"""The real waldur-site-agent 1.0.7 runs one cycle of each HTTP-polling mode, unchanged,
against the mock started as a user starts it, with the agent's own MockBackend.

The built-in data holds one pending Create order on offering HPC cluster: the order_process
cycle takes it to done, the report cycle then reports usage of the new resource, and the
membership_sync cycle syncs it. Every answer the agent got must be one its own generated
parser accepts (anything else raises UnexpectedStatus in the agent), which the mock's journal
shows. See tests/real_agent.py for how the agent is run.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import re
import urllib.request

import pytest

pytest.importorskip("waldur_site_agent", reason="the test extra pins waldur-site-agent==1.0.7")

from real_agent import MODES, OFFERING_UUID, admin, agent_home, api, run_cycle, start_mock  # noqa: E402

BUILT_IN_ORDER = "d5c3b29deb844de5a6e54f3bf4a976b5"
BUILT_IN_RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"


def statuses_the_client_parses(operation_id: str) -> set[int]:
    """The statuses `waldur_api_client`'s module for the operation turns into a value; 404 is
    left out: the parser answers None for it, which the agent's code does not survive."""
    import waldur_api_client.api as api_package
    for package in pkgutil.iter_modules(api_package.__path__):
        try:
            module = importlib.import_module(f"waldur_api_client.api.{package.name}.{operation_id}")
        except ModuleNotFoundError:
            continue
        source = importlib.util.find_spec(module.__name__).loader.get_source(module.__name__)
        return {int(code) for code in re.findall(r"status_code == (\d+)", source)} - {404}
    raise LookupError(f"waldur-api-client has no operation {operation_id}")


@pytest.fixture(scope="module")
def cycles(tmp_path_factory):
    """One cycle of each mode in turn, with the journal entries each produced and its output."""
    with start_mock("--validate-responses") as base_url:  # every answer also checked against spec/
        home = agent_home(tmp_path_factory.mktemp("agent"), base_url)
        ran = {}
        for mode in MODES:
            before = {entry["id"] for entry in admin(base_url, "requests")}
            seconds, output = run_cycle(home, mode)
            calls = [entry for entry in admin(base_url, "requests") if entry["id"] not in before]
            ran[mode] = {"seconds": seconds, "output": output, "calls": calls}
        yield base_url, ran


@pytest.mark.parametrize("mode", MODES)
def test_every_call_of_a_cycle_gets_a_status_the_agents_parser_accepts(cycles, mode):
    _, ran = cycles
    calls = ran[mode]["calls"]
    assert calls, f"the {mode} cycle made no call"
    refused = [f"{call['method']} {call['path']}?{call['query']} -> {call['status']} ({call['operation_id']})"
               for call in calls
               if call["operation_id"] is None or call["status"] not in statuses_the_client_parses(call["operation_id"])]
    assert not refused, "answers the agent cannot parse:\n" + "\n".join(refused)


@pytest.mark.parametrize("mode", MODES)
def test_a_cycle_logs_no_failure(cycles, mode):
    _, ran = cycles
    failures = [line for line in ran[mode]["output"].splitlines() if '"level": "error"' in line]
    assert not failures, "\n".join(failures)


def test_order_process_takes_the_built_in_order_to_done(cycles):
    base_url, ran = cycles
    operations = [call["operation_id"] for call in ran["order_process"]["calls"]]
    assert "marketplace_orders_approve_by_provider" in operations
    assert "marketplace_orders_set_state_done" in operations
    assert api(base_url, f"/api/marketplace-orders/{BUILT_IN_ORDER}/")["state"] == "done"
    resource = api(base_url, f"/api/marketplace-provider-resources/{BUILT_IN_RESOURCE}/")
    assert resource["state"] == "OK"
    assert resource["backend_id"], "the backend id the agent set is kept"


def test_the_reported_usage_is_readable(cycles):
    base_url, ran = cycles
    assert "marketplace_component_usages_set_usage" in [call["operation_id"] for call in ran["report"]["calls"]]
    usages = api(base_url, f"/api/marketplace-component-usages/?resource_uuid={BUILT_IN_RESOURCE}")
    assert {usage["type"] for usage in usages} == {"cpu", "mem"}


def test_the_agents_identity_services_and_processors_are_readable(cycles):
    base_url, _ = cycles
    identities = api(base_url, f"/api/marketplace-site-agent-identities/?name=agent-{OFFERING_UUID}")
    assert len(identities) == 1, "one identity, registered once and updated on later cycles"
    services = api(base_url, f"/api/marketplace-site-agent-services/?identity_uuid={identities[0]['uuid']}")
    assert sorted(service["name"] for service in services) == sorted(MODES)
    assert all(len(service["processors"]) == 1 for service in services)
    stats = api(base_url, "/api/marketplace-site-agent-connection-stats/", token="waldur-staff")
    agent = next(agent for agent in stats["agents"] if agent["uuid"] == identities[0]["uuid"])
    assert sorted(service["name"] for service in agent["services"]) == sorted(MODES)


def test_an_order_added_through_the_admin_surface_is_taken_by_the_next_cycle(cycles, tmp_path):
    """What `waldur_site_test_order` does on a real Waldur: order something, run a cycle.
    Last in this module: it terminates the resource the other tests read."""
    base_url, _ = cycles
    request = urllib.request.Request(f"{base_url}/__admin/orders", method="POST",
                                     data=json.dumps({"resource": BUILT_IN_RESOURCE, "type": "Terminate"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        order = json.load(answer)
    run_cycle(agent_home(tmp_path, base_url), "order_process")
    assert api(base_url, f"/api/marketplace-orders/{order['uuid']}/")["state"] == "done"
    assert api(base_url, f"/api/marketplace-provider-resources/{BUILT_IN_RESOURCE}/")["state"] == "Terminated"


def test_the_agent_works_in_a_session_by_its_url_alone(cycles, tmp_path):
    """A test worker's agent in its own session (/sessions/<name>/, README "Sessions"): the same
    config but for `waldur_api_url`. The session starts from the seed, so the built-in order is
    pending there whatever the default session's cycles did, and the cycle touches nothing else."""
    base_url, _ = cycles
    session_url = f"{base_url}/sessions/agent1"  # ends in a digit: the agent strips trailing a, p, i and /
    default_journal = len(admin(base_url, "requests"))
    run_cycle(agent_home(tmp_path, session_url), "order_process")
    calls = admin(session_url, "requests")
    assert "marketplace_orders_set_state_done" in [call["operation_id"] for call in calls]
    assert all(call["status"] < 400 for call in calls), [(call["path"], call["status"]) for call in calls]
    assert api(session_url, f"/api/marketplace-orders/{BUILT_IN_ORDER}/")["state"] == "done"
    assert len(admin(base_url, "requests")) == default_journal, "no call reached the default session"
    assert [session["name"] for session in admin(base_url, "sessions")] == ["agent1"]
