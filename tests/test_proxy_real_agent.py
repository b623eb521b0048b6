"""The real waldur-site-agent 1.0.7 runs through `mockserver proxy` unchanged (issue 11): the
mock upstream, the proxy in front, the agent configured with the proxy's URL. One cycle of each
HTTP-polling mode succeeds as it does against the mock directly (tests/test_real_agent.py), and
the proxy judges every exchange of it against spec/ and the documented rules without a violation.
With a broken variant of the mock (tests/mutants.py) as the upstream, the same agent's cycle shows
that variant's violation, and only it: the 0 above is a verdict that can fail."""
from __future__ import annotations

import httpx
import pytest

pytest.importorskip("waldur_site_agent", reason="the test extra pins waldur-site-agent==1.0.7")

from proxy_runs import mock_process, mutant_process, proxy_process, violations  # noqa: E402
from real_agent import MODES, agent_home, api, run_cycle  # noqa: E402

BUILT_IN_ORDER = "d5c3b29deb844de5a6e54f3bf4a976b5"
BUILT_IN_RESOURCE = "3352989c6b7e460c80b22348f10ebd6b"
# Broken variants on the agent's own paths -> (the operation of its order_process cycle that shows
# the bug, the rule the bug breaks there). The agent itself parses both answers and carries on.
BROKEN_ON_THE_AGENTS_PATHS = {
    "identity_created_by_as_user_url": ("marketplace_site_agent_identities_create", "response_schema_conformance"),
    "set_state_done_answers_204": ("marketplace_orders_set_state_done", "status_code_conformance"),
}


@pytest.fixture(scope="module")
def cycles(tmp_path_factory):
    """One cycle of each mode through the proxy, with the proxy's journal entries of each."""
    mock = mock_process()
    proxy = proxy_process("--upstream", mock.url)
    try:
        home = agent_home(tmp_path_factory.mktemp("agent"), proxy.url)
        ran = {}
        for mode in MODES:
            before = {entry["id"] for entry in httpx.get(f"{proxy.url}/__admin/requests").json()}
            _, output = run_cycle(home, mode)
            calls = [entry for entry in httpx.get(f"{proxy.url}/__admin/requests").json() if entry["id"] not in before]
            ran[mode] = {"output": output, "calls": calls}
        yield proxy.url, ran
    finally:
        proxy.stop()
        mock.stop()


@pytest.mark.parametrize("mode", MODES)
def test_a_cycle_through_the_proxy_succeeds_with_documented_calls_only(cycles, mode):
    _, ran = cycles
    calls = ran[mode]["calls"]
    assert calls, f"the {mode} cycle made no call through the proxy"
    undocumented = [f"{call['method']} {call['path']} -> {call['status']}" for call in calls if call["operation_id"] is None]
    assert not undocumented, undocumented
    failures = [line for line in ran[mode]["output"].splitlines() if '"level": "error"' in line]
    assert not failures, "\n".join(failures)


def test_the_cycles_through_the_proxy_take_the_order_to_done_and_report_usage(cycles):
    proxy_url, ran = cycles
    assert "marketplace_orders_set_state_done" in [call["operation_id"] for call in ran["order_process"]["calls"]]
    assert "marketplace_component_usages_set_usage" in [call["operation_id"] for call in ran["report"]["calls"]]
    assert api(proxy_url, f"/api/marketplace-orders/{BUILT_IN_ORDER}/")["state"] == "done"
    assert api(proxy_url, f"/api/marketplace-provider-resources/{BUILT_IN_RESOURCE}/")["state"] == "OK"


def test_the_proxy_finds_no_violation_in_the_agents_traffic(cycles):
    proxy_url, _ = cycles
    report = httpx.get(f"{proxy_url}/__admin/report").json()
    assert report["exchanges"] > 0
    assert report["violations_total"] == 0, report["violations_by_rule"]
    assert violations(proxy_url) == []


@pytest.mark.parametrize("broken", list(BROKEN_ON_THE_AGENTS_PATHS))
def test_the_proxy_shows_a_broken_upstreams_violation_in_the_agents_traffic(tmp_path, broken):
    operation, rule = BROKEN_ON_THE_AGENTS_PATHS[broken]
    upstream = mutant_process(broken)
    proxy = proxy_process("--upstream", upstream.url)
    try:
        run_cycle(agent_home(tmp_path, proxy.url), "order_process")
        report = httpx.get(f"{proxy.url}/__admin/report").json()
        journaled = violations(proxy.url)
    finally:
        proxy.stop()
        upstream.stop()
    assert {(v["operation_id"], v["rule"]) for v in journaled} == {(operation, rule)}, journaled
    assert report["violations_by_rule"] == {f"{operation} {rule}": len(journaled)}
    shown = journaled[0]
    assert shown["expected"] and shown["found"] and shown["requests"][0]["curl"].startswith("curl ")
