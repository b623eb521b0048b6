"""What a pytest-xdist worker sends its controller (agent_api_contracts/workers.py) travels over
execnet as plain data and merges into the run's observations: counts add up, each status keeps one
example whose curl line is the one the worker saw, and violations keep their rule and curl lines."""
from __future__ import annotations

import execnet
import httpx

from agent_api_contracts import observed, workers
from agent_api_contracts.rules import Rule, curl

SERVICES = "http://127.0.0.1:9/sessions/contracts-0123abcd-gw1/api/marketplace-site-agent-services/"
RULE = Rule("the_manager_account_sees_its_services", "a manager sees the services of its offerings", "docs/sources.md#x")


def answered(status: int, body: bytes = b"") -> httpx.Response:
    request = httpx.Request("POST" if body else "GET", SERVICES, headers={"Authorization": "Token secret"}, content=body)
    return httpx.Response(status, request=request)


def sent(data: dict) -> dict:
    """As the controller gets it: through execnet's serializer, which takes plain data only."""
    return execnet.loads(execnet.dumps(data))


def a_workers_observations() -> observed.Observations:
    seen = observed.Observations()
    for status in (200, 200, 404):
        seen.answer("GET", SERVICES, status, exchange=answered(status))
    seen.answer("POST", SERVICES, None, exchange=answered(201, b'{"name": "x"}').request)
    seen.rule(RULE.name, True, [answered(200)])
    seen.skip("test_x.py::test_y", "--read-only: this check changes state")
    seen.notes.append("a note")
    return seen


def test_one_workers_observations_arrive_as_the_worker_saw_them():
    worker = a_workers_observations()
    controller = observed.Observations()
    workers.merge_observations(controller, sent(workers.observations_data(worker)))
    assert controller.report() == worker.report()
    key = ("waldur", "marketplace_site_agent_services_list")
    assert {status: curl(exchange.request) for status, exchange in controller.operations[key].examples.items()} == \
        {status: curl(exchange.request) for status, exchange in worker.operations[key].examples.items()}


def test_two_workers_observations_add_up():
    controller = observed.Observations()
    for _ in range(2):
        workers.merge_observations(controller, sent(workers.observations_data(a_workers_observations())))
    row = next(row for row in controller.report()["operations"] if row["operation_id"] == "marketplace_site_agent_services_list")
    assert row["statuses"] == {"200": 4, "404": 2} and row["rules"]["passed"] == [RULE.name]
    assert controller.successes() == 4 and len(controller.skipped) == 2


def test_a_violation_keeps_its_rule_and_curl_lines():
    violation = RULE.violation("the service", "404", answered(404), answered(201, b'{"name": "x"}').request)
    arrived = workers.violation_from(sent(workers.violation_data(violation)))
    assert arrived.rule == RULE and arrived.message() == violation.message()
    assert "reproduce: curl -i -X POST" in arrived.message() and "secret" not in arrived.message()
    assert '"authorization: Token $WALDUR_TOKEN"' in arrived.message()
