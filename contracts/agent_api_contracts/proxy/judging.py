"""Every judge watching one exchange: the spec's (conformance.py) and the documented rules'
(agent_api_contracts.judges, the active suites' own). The verdict goes to the journal and the report."""
from __future__ import annotations

import logging

import httpx

from agent_api_contracts.proxy.conformance import SPEC_JUDGES, errors_of_undocumented_paths, party
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
        """The server's violations of one exchange (all its violations, the client's too, are
        journaled and reported): what --fail-on-violation answers with a 502."""
        if (exchange.method, exchange.path.rstrip("/")) in STATE_RESETS and 200 <= exchange.status < 300:
            self.forget()
        operation = self.index.find(exchange.method, exchange.path)
        api = operation.api if operation else self.index.api_of(exchange.path)
        violations, judged = [], {ANSWERED.name}
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
                    continue
                if judges(judge, operation):
                    judged.update(rule.name for rule in judge.rules)
        self._record(exchange, operation, violations, judged)
        return [violation for violation in violations if party(violation.rule.name) == "server"]

    def unanswered(self, exchange, error: Exception) -> None:
        """The upstream gave no HTTP answer (refused, reset, timed out, bad certificate)."""
        request = exchange.response().request
        kind = "timed out" if isinstance(error, httpx.TimeoutException) else "got no answer"
        violation = ANSWERED.violation("an HTTP answer", f"the request {kind}: {type(error).__name__}: {error}", request)
        self._record(exchange, self.index.find(exchange.method, exchange.path), [violation], {ANSWERED.name})

    def _record(self, exchange, operation, violations, judged) -> None:
        found = [as_reported(violation.as_dict()) for violation in violations]
        operation_id = operation.operation_id if operation else None
        self.journal.record(exchange, operation_id, found)
        self.report.record(exchange.method, exchange.path, operation_id, exchange.status, found, judged)
        for violation in found:
            log.warning("%s", message(violation))


def judges(judge, operation) -> bool:
    """Whether `judge` judges exchanges of `operation` (None: an undocumented path), not only
    watches them to remember what they show."""
    judged = getattr(judge, "judged", judge.operations)
    return judged is None or (operation is not None and operation.operation_id in judged)


def as_reported(violation: dict) -> dict:
    """The violation as journaled and reported: whose fault it is, its curl lines cut to CURL_KEPT."""
    violation["party"] = party(violation["rule"])
    for request in violation["requests"]:
        if len(request["curl"]) > CURL_KEPT:
            request["curl"] = request["curl"][:CURL_KEPT] + f" ... ({len(request['curl']):,} characters, cut)"
    return violation
