"""Rules of set_statistics (000_5b7b95424e9abc49.txt; docs/sources.md, "Site-agent services")."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts import strategies
from agent_api_contracts.discovery import SERVICES, manageable_services, moment
from agent_api_contracts.judges.consistency import ServicesShowWhatWasWritten
from agent_api_contracts.judges.exchanges import Watching
from agent_api_contracts.judges.services import SERVICE_RETRIEVE, SET_STATISTICS, set_statistics_answers_what_was_set
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.services import MODIFIED_MOVES, NULL_REFUSED, ROUND_TRIP, SUPPORT_MAY_NOT_WRITE

pytestmark = [pytest.mark.waldur, pytest.mark.writes]


@settings(settings.get_profile("contracts"))
@given(data=st.data(), value=strategies.statistics)
def test_any_json_statistics_are_read_back_unchanged(waldur_manager, data, value):
    """The judges the proxy applies in passing (set_statistics answers and a later read show what
    was set), fed the write and the read; then modified moves."""
    service = data.draw(st.sampled_from(manageable_services(waldur_manager)), label="service")
    path = f"{SERVICES}{service['uuid']}/"
    judged = Watching(set_statistics_answers_what_was_set, ServicesShowWhatWasWritten())
    before = waldur_manager.get(path).json()
    written = waldur_manager.post(f"{path}set_statistics/", json={"statistics": value})
    ROUND_TRIP.check(written.status_code == 200, f"status {written.status_code}: {written.text[:300]}", written)
    enforce(judged(written, SET_STATISTICS))
    read = waldur_manager.get(path)
    ROUND_TRIP.check(read.status_code == 200, f"the read answered {read.status_code}: {read.text[:300]}", written, read)
    enforce(judged(read, SERVICE_RETRIEVE))
    MODIFIED_MOVES.check(moment(read.json()["modified"]) > moment(before["modified"]),
                         f"modified went from {before['modified']!r} to {read.json()['modified']!r}", written, read)


def test_null_statistics_are_refused_and_change_nothing(waldur_manager):
    service = manageable_services(waldur_manager)[0]
    path = f"{SERVICES}{service['uuid']}/"
    before = waldur_manager.get(path).json()
    refused = waldur_manager.post(f"{path}set_statistics/", json={"statistics": None})
    NULL_REFUSED.check(refused.status_code == 400, f"status {refused.status_code}: {refused.text[:200]}", refused)
    after = waldur_manager.get(path).json()
    NULL_REFUSED.check(after["statistics"] == before["statistics"],
                       f"statistics changed from {before['statistics']!r} to {after['statistics']!r}", refused)


@pytest.mark.parametrize("action,body", [("set_statistics", {"statistics": {"by": "support"}}),
                                         ("register_processor", {"name": "support-probe", "backend_type": "SLURM"})])
def test_support_accounts_may_not_change_services(waldur_support, action, body):
    service = manageable_services(waldur_support)[0]
    before = waldur_support.get(f"{SERVICES}{service['uuid']}/").json()
    refused = waldur_support.post(f"{SERVICES}{service['uuid']}/{action}/", json=body)
    SUPPORT_MAY_NOT_WRITE.check(refused.status_code == 403, f"status {refused.status_code}: {refused.text[:200]}", refused)
    after = waldur_support.get(f"{SERVICES}{service['uuid']}/").json()
    SUPPORT_MAY_NOT_WRITE.check(after == before, "the refused write changed the service", refused)
