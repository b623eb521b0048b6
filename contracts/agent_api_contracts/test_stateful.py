"""Layer 2: sequences that follow the spec's links (list -> retrieve -> register_processor ->
retrieve ...), Schemathesis's state machine with all of its checks on every step. (Prefactor's
document has one operation, so nothing to chain: its sequences are rules in test_prefactor_agents.py.)

Against a target that offers /__admin/reset (our mock, its variants) each scenario starts
from the seed data. Against one that cannot be reset (staging), scenarios run without
shrinking, and each one meets the state the ones before it left. Hypothesis then sees the same
choices draw differently (FlakyStrategyDefinition): that is the server keeping state, not a
verdict. A violation seen before it is still reported under its rule; with none, the scenarios
start again as a fresh Hypothesis run (another seed) until the profile's scenarios are used up.

The layer fails when it followed no link to a success answer: sequences whose every follow-up
was a 404 checked nothing."""
from __future__ import annotations

import pytest
import requests
from hypothesis import Phase, seed, settings
from hypothesis.errors import Flaky
from schemathesis.engine.errors import is_inconsistent_replay
from schemathesis.core.failures import FailureGroup

from agent_api_contracts import observed
from agent_api_contracts.rules import Rule, RuleFailure, enforce
from agent_api_contracts.rules.answers import ANSWERED
from agent_api_contracts.rules.conformance import as_httpx, request_of, violations
from agent_api_contracts.test_conformance import NOT_JUDGED, conformance_schema

pytestmark = pytest.mark.waldur

FOLLOWED = Rule("sequences_follow_links_to_success_answers",
                "links: the answer of one operation gives the parameters of the next (list -> retrieve -> register_processor)",
                "docs/sources.md#what-the-suites-judge")


RESTARTS = 5  # fresh Hypothesis runs after the server's state made one inconsistent


def scenarios(target, examples: int) -> settings:
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if target.resettable else [])
    return settings(max_examples=examples, stateful_step_count=6, deadline=None, derandomize=True, phases=phases,
                    database=None, suppress_health_check=list(settings.default.suppress_health_check))


def server_kept_state(error: BaseException) -> bool:
    """Hypothesis met different draws for the same choices: answers that changed between runs."""
    return not isinstance(error, RuleFailure) and (isinstance(error, Flaky) or is_inconsistent_replay(error))


def run(api: str, base_url, authorization, target, profile, support_authorization=None) -> dict:
    schema = conformance_schema(api, base_url, authorization, target, profile, support_authorization)
    # In a sequence, the stateful checks (use after free, resource availability) apply too.
    schema.config.checks.update(excluded_check_names=NOT_JUDGED[api] + (["unsupported_method"] if target.read_only else []))
    machine = schema.as_state_machine()
    counts = {"scenarios": 0, "steps": 0, "transitions": 0, "to_success": 0, "restarts": 0, "followed": [], "last": []}
    seen: list[RuleFailure] = []  # violations met so far: a replay the server answers differently cannot unsay them

    def failing(failure: RuleFailure) -> RuleFailure:
        seen.append(failure)
        return failure

    class Scenario(machine):
        def setup(self):
            counts["scenarios"] += 1
            target.reset()

        def call(self, case, **kwargs):
            try:
                return super().call(case, **kwargs)
            except requests.RequestException as error:
                raise failing(RuleFailure([ANSWERED.violation("an HTTP answer", f"{type(error).__name__}: {error}",
                                                              request_of(case))])) from None

        def validate_response(self, response, case, **kwargs):
            try:
                super().validate_response(response, case, **kwargs)
            except FailureGroup as group:
                raise failing(RuleFailure(violations(group.exceptions, response))) from None

        def step(self, input):
            output = super().step(input)
            counts["steps"] += 1
            counts["last"] = (counts["last"] + [as_httpx(output.response)])[-3:]
            if input.transition is not None:
                counts["transitions"] += 1
                if 200 <= output.response.status_code < 300:
                    counts["to_success"] += 1
                else:
                    counts["followed"].append(f"{input.case.method} {input.case.formatted_path} -> {output.response.status_code}")
            return output

    budget = profile["stateful_scenarios"]
    for restart in range(RESTARTS + 1):
        try:
            (seed(restart)(Scenario) if restart else Scenario).run(settings=scenarios(target, budget - counts["scenarios"]))
            return counts
        except (Flaky, AssertionError) as error:
            if not server_kept_state(error):
                raise
            if seen:
                raise seen[0] from None
            if counts["scenarios"] >= budget:
                return counts
            counts["restarts"] += 1
    return counts


def test_waldur_sequences_follow_links_and_conform(target, contract_profile, waldur_credentials):
    url, manager, support = waldur_credentials
    counts = run("waldur", url, manager, target, contract_profile, support)
    observed.current.notes.append(
        f"stateful (waldur): {counts['scenarios']} scenarios, {counts['steps']} steps, {counts['transitions']} link "
        f"transitions, {counts['to_success']} of them to a success answer"
        + (f"; restarted {counts['restarts']} times: the server answered a replayed sequence differently (it keeps "
           f"state between scenarios)" if counts["restarts"] else ""))
    enforce(FOLLOWED.judge(counts["to_success"] > 0, "at least one followed link answered with success (2xx)",
                           f"{counts['steps']} steps, {counts['transitions']} link transitions, none to a success answer; "
                           f"followed: {counts['followed'][:5]}", *counts["last"]))
