"""Runs after every other check (the plugin puts it last): a run is not green while an operation
of the spec never got a success answer (answered.py says which are left out and why). When the
checks are spread over pytest-xdist workers, each checking its own session, the controller judges
the rule instead, over what every worker saw (workers.py)."""
from __future__ import annotations

from agent_api_contracts import observed
from agent_api_contracts.answered import never_answered
from agent_api_contracts.found import paths_found
from agent_api_contracts.rules import enforce


def test_every_operation_gets_a_success_answer(request, target):
    _, nothing_found = paths_found()
    enforce(never_answered(request.config, observed.current, target.resettable, nothing_found))
