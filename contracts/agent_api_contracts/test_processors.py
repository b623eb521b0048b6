"""Rules of register_processor (000_5b7b95424e9abc49.txt; docs/sources.md, "Site-agent services")."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts import strategies
from agent_api_contracts.discovery import SERVICES, manageable_services, moment
from agent_api_contracts.judges.exchanges import Watching
from agent_api_contracts.judges.services import (REGISTER, SERVICE_RETRIEVE, ProcessorsKeepTheirUuid,
                                                 registered_processor_names_its_service)
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.services import ANSWER_NAMES_ITS_SERVICE, LISTED_ONCE, NEW_NAME_CREATES, SAME_NAME_UPDATES

pytestmark = [pytest.mark.waldur, pytest.mark.writes]


@settings(settings.get_profile("contracts"))
@given(data=st.data(), name=strategies.names, first=strategies.backend_types, second=strategies.backend_types,
       version=strategies.backend_versions)
def test_registering_a_processor_twice_creates_it_then_updates_it(waldur_manager, data, name, first, second, version):
    """The judges the proxy applies in passing (a name the service did not have answers 201, the
    same name again 200 with the same uuid and what was sent), fed a read and two registrations;
    then what only a caller that knows the service can check."""
    service = data.draw(st.sampled_from(manageable_services(waldur_manager)), label="service")
    name = strategies.unique(name)
    path = f"{SERVICES}{service['uuid']}/"
    judged = Watching(ProcessorsKeepTheirUuid(), registered_processor_names_its_service)
    enforce(judged(waldur_manager.get(path), SERVICE_RETRIEVE))

    created = waldur_manager.post(f"{path}register_processor/", json={"name": name, "backend_type": first})
    NEW_NAME_CREATES.check(created.status_code == 201, f"status {created.status_code}: {created.text[:300]}", created)
    enforce(judged(created, REGISTER))
    processor = created.json()
    ANSWER_NAMES_ITS_SERVICE.check(processor.get("service_name") == service["name"],
                                   f"service_name {processor.get('service_name')!r}, expected {service['name']!r}", created)

    updated = waldur_manager.post(f"{path}register_processor/",
                                  json={"name": name, "backend_type": second, "backend_version": version})
    SAME_NAME_UPDATES.check(updated.status_code == 200, f"status {updated.status_code}: {updated.text[:300]}", updated)
    enforce(judged(updated, REGISTER))
    again = updated.json()
    SAME_NAME_UPDATES.check(moment(again["modified"]) > moment(processor["modified"]),
                            f"modified went from {processor['modified']!r} to {again['modified']!r}", created, updated)

    read = waldur_manager.get(path)
    listed = [p for p in read.json().get("processors", []) if p.get("name") == name]
    LISTED_ONCE.check(len(listed) == 1, f"{len(listed)} processors named {name!r} on the service", updated, read)
    LISTED_ONCE.check(
        listed[0]["uuid"] == processor["uuid"] and listed[0]["backend_type"] == second,
        f"listed {listed[0]!r}, registered uuid {processor['uuid']!r} backend_type {second!r}", updated, read)
