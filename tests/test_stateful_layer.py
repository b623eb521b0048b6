"""The stateful layer against a server that keeps state between scenarios, as staging does
(no /__admin/reset): each scenario meets what the ones before it wrote, so Hypothesis sees the
same choices draw differently. That is no verdict on the server: a correct one still passes, and
a broken one still fails under the rule it breaks, never with FlakyStrategyDefinition."""
from __future__ import annotations

import pytest

from agent_api_contracts.rules import RuleFailure
from agent_api_contracts.target import MOCK_TOKENS, Target
from agent_api_contracts.test_stateful import run
from suite_runs import serving

# Enough scenarios that, without a reset, one of them replays a sequence the server answers
# differently: 100 made the plain state machine raise FlakyStrategyDefinition.
MANY = {"schemathesis_examples": 6, "stateful_scenarios": 100}


def unresettable(url: str) -> Target:
    return Target(url, url, MOCK_TOKENS["waldur"], MOCK_TOKENS["waldur_support"], MOCK_TOKENS["prefactor"])


def sequences(url: str) -> dict:
    return run("waldur", url, f"Token {MOCK_TOKENS['waldur']}", unresettable(url), MANY,
               f"Token {MOCK_TOKENS['waldur_support']}")


def test_a_correct_server_that_keeps_state_between_scenarios_passes():
    with serving("not_resettable") as url:
        counts = sequences(url)
    assert counts["restarts"] >= 1, f"no scenario met different state, so this shows nothing: {counts}"
    assert counts["scenarios"] >= MANY["stateful_scenarios"] and counts["to_success"] > 0, counts


@pytest.mark.parametrize("broken, rule", [("identity_name_missing", "response_schema_conformance")])
def test_a_broken_server_that_cannot_be_reset_fails_under_the_rule_it_breaks(broken, rule):
    with serving(broken) as url, pytest.raises(RuleFailure) as failure:
        sequences(url)
    assert f"{rule} violated" in str(failure.value) and "reproduce: curl " in str(failure.value), str(failure.value)
