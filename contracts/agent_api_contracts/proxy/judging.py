"""Every judge watching one exchange: the spec's (conformance.py) and the documented rules'
(agent_api_contracts.judges, the active suites' own). The verdict goes to the journal and the report."""
from __future__ import annotations

import logging

import httpx

from agent_api_contracts.proxy.conformance import SPEC_JUDGES, errors_of_undocumented_paths
from agent_api_contracts.judges import rule_judges
from agent_api_contracts.judges.exchanges import Observed
from agent_api_contracts.proxy.report import message
from agent_api_contracts.rules.answers import ANSWERED
from agent_api_spec.operations import OperationIndex

log = logging.getLogger("mockserver.proxy")
# A mock's (WireMock's) state resets, forwarded through the proxy: what the sequence judges
# remember of the old state no longer holds.
STATE_RESETS = {("POST", "/__admin/reset"), ("PUT", "/__admin/state")}
CURL_KEPT = 4096  # characters of a curl line in the journal and report: a 10 MB body stays out of memory


class Judging:
    def __init__(self, index: OperationIndex, journal, report_factory):
        self.index, self.journal = index, journal
        self.judges = SPEC_JUDGES + rule_judges()
        self.report = report_factory(index.all, self.judges + [errors_of_undocumented_paths])

    def forget(self) -> None:
        """Fresh sequence judges: what they remembered is forgotten."""
        self.judges = SPEC_JUDGES + rule_judges()

    def __call__(self, exchange) -> list:
        """The violations of one exchange (journaled and reported)."""
        if (exchange.method, exchange.path.rstrip("/")) in STATE_RESETS and 200 <= exchange.status < 300:
            self.forget()
        operation = self.index.find(exchange.method, exchange.path)
        api = operation.api if operation else self.index.api_of(exchange.path)
        violations = []
        if api is not None:
            seen = Observed(exchange.response(), operation, api, overlapped=exchange.overlapped)
            watching = [errors_of_undocumented_paths] if operation is None else [
                judge for judge in self.judges if judge.operations is None or operation.operation_id in judge.operations]
            for judge in watching:
                try:
                    violations += judge(seen)
                except Exception:  # a judge's bug must never touch the traffic
                    log.exception("judge %s failed on %s %s", getattr(judge, "__name__", judge), exchange.method,
                                  exchange.path)
        self._record(exchange, operation, violations)
        return violations

    def unanswered(self, exchange, error: Exception) -> None:
        """The upstream gave no HTTP answer (refused, reset, timed out, bad certificate)."""
        request = exchange.response().request
        kind = "timed out" if isinstance(error, httpx.TimeoutException) else "got no answer"
        violation = ANSWERED.violation("an HTTP answer", f"the request {kind}: {type(error).__name__}: {error}", request)
        self._record(exchange, self.index.find(exchange.method, exchange.path), [violation])

    def _record(self, exchange, operation, violations) -> None:
        found = [bounded(violation.as_dict()) for violation in violations]
        operation_id = operation.operation_id if operation else None
        self.journal.record(exchange, operation_id, found)
        self.report.record(exchange.method, operation_id, exchange.status, found)
        for violation in found:
            log.warning("%s", message(violation))


def bounded(violation: dict) -> dict:
    for request in violation["requests"]:
        if len(request["curl"]) > CURL_KEPT:
            request["curl"] = request["curl"][:CURL_KEPT] + f" ... ({len(request['curl']):,} characters, cut)"
    return violation
