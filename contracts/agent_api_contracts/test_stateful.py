"""Layer 2: sequences that follow the spec's links (list -> retrieve -> register_processor ->
retrieve ...), Schemathesis's state machine with all of its checks on every step. (Prefactor's
document has one operation, so nothing to chain: its sequences are rules in test_prefactor_agents.py.)

Against a target that offers /__admin/reset (our mock, its variants) each scenario starts
from the seed data. Against one that cannot be reset (staging), scenarios run without
shrinking, so a replay never meets different server state and the run stays deterministic."""
from __future__ import annotations

import pytest
from hypothesis import Phase, settings

from agent_api_contracts.test_conformance import STATEFUL_ONLY, conformance_schema


def scenarios(schema, target, profile: dict) -> settings:
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if target.resettable else [])
    return settings(max_examples=max(3, profile["schemathesis_examples"] // 3), stateful_step_count=6, deadline=None,
                    derandomize=True, phases=phases, suppress_health_check=list(settings.default.suppress_health_check))


def run(api: str, base_url, authorization, target, profile, support_authorization=None):
    schema = conformance_schema(api, base_url, authorization, target, profile, support_authorization)
    # In a sequence, the stateful checks (use after free, resource availability) apply too.
    schema.config.checks.update(excluded_check_names=[] if not target.read_only else ["unsupported_method"])
    machine = schema.as_state_machine()

    class Scenario(machine):
        def setup(self):
            target.reset()

    Scenario.run(settings=scenarios(schema, target, profile))


@pytest.mark.waldur
def test_waldur_sequences_follow_links_and_conform(target, contract_profile):
    token, support = target.waldur_token, target.waldur_support_token
    run("waldur", target.waldur_url, f"Token {token}" if token else None, target, contract_profile,
        f"Token {support}" if support else None)

