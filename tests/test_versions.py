"""Fields a later Waldur version added (`x-added-in` in spec/): an answer without one is a drift
finding under `field_added_after_server_version`, never a failure (agent_api_contracts.versions)."""
from __future__ import annotations

from agent_api_contracts.observed import Observations
from agent_api_contracts.versions import RULE, later_fields, missing_later_fields

STATUSES_LIST = ("waldur", "marketplace_integration_statuses_list")
IDENTITY = ("waldur", "marketplace_site_agent_identities_retrieve")


def test_the_spec_marks_the_fields_waldur_8_0_6_added():
    assert later_fields(*STATUSES_LIST, "200") == (True, {"agent_type": "8.0.6"})
    assert later_fields(*IDENTITY, "200") == (False, {"created_by": "8.0.6"})


def test_an_answer_without_a_later_field_names_it_and_one_with_it_names_nothing():
    with_it = [{"status": "Active", "agent_type": "Order processing"}]
    assert missing_later_fields(*STATUSES_LIST, 200, with_it) == {}
    assert missing_later_fields(*STATUSES_LIST, 200, with_it + [{"status": "Active"}]) == {"agent_type": "8.0.6"}
    assert missing_later_fields(*IDENTITY, 200, {"uuid": "0" * 32}) == {"created_by": "8.0.6"}
    assert missing_later_fields(*IDENTITY, 404, {"detail": "Not found."}) == {}


def test_the_report_lists_each_finding_without_failing_a_rule():
    seen = Observations()
    url = "http://127.0.0.1/api/marketplace-integration-statuses/"
    seen.answer("GET", url, 200, body=[{"status": "Active"}])
    seen.answer("GET", url, 200, body=[{"status": "Active"}])
    seen.answer("GET", url + "?field=status", 200, body=[{"status": "Active"}])  # selected fields: not a finding
    report = seen.report()
    assert report["drift"] == [{"rule": RULE, "api": "waldur", "operation_id": STATUSES_LIST[1], "field": "agent_type",
                                "added_in": "8.0.6", "answers": 2}]
    row = next(r for r in report["operations"] if r["operation_id"] == STATUSES_LIST[1])
    assert row["rules"]["failed"] == []
    assert seen.drift_lines() == [f"{RULE}: waldur {STATUSES_LIST[1]} answered without `agent_type` (added in Waldur 8.0.6) 2 time(s)"]
