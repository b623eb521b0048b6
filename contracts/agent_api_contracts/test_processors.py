"""Rules of register_processor (000_5b7b95424e9abc49.txt; docs/sources.md, "Site-agent services")."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts import strategies
from agent_api_contracts.discovery import SERVICES, manageable_services, moment
from agent_api_contracts.rules.services import ANSWER_NAMES_ITS_SERVICE, LISTED_ONCE, NEW_NAME_CREATES, SAME_NAME_UPDATES

pytestmark = [pytest.mark.waldur, pytest.mark.writes]


@settings(settings.get_profile("contracts"))
@given(data=st.data(), name=strategies.names, first=strategies.backend_types, second=strategies.backend_types,
       version=strategies.backend_versions)
def test_registering_a_processor_twice_creates_it_then_updates_it(waldur_manager, data, name, first, second, version):
    service = data.draw(st.sampled_from(manageable_services(waldur_manager)), label="service")
    name = strategies.unique(name)
    path = f"{SERVICES}{service['uuid']}/register_processor/"

    created = waldur_manager.post(path, json={"name": name, "backend_type": first})
    NEW_NAME_CREATES.check(created.status_code == 201, f"status {created.status_code}: {created.text[:300]}", created)
    processor = created.json()
    ANSWER_NAMES_ITS_SERVICE.check(
        processor.get("service") == service["uuid"] and processor.get("service_name") == service["name"]
        and processor.get("name") == name,
        f"service={processor.get('service')!r} service_name={processor.get('service_name')!r} name={processor.get('name')!r}, "
        f"expected {service['uuid']!r}, {service['name']!r}, {name!r}", created)

    updated = waldur_manager.post(path, json={"name": name, "backend_type": second, "backend_version": version})
    SAME_NAME_UPDATES.check(updated.status_code == 200, f"status {updated.status_code}: {updated.text[:300]}", updated)
    again = updated.json()
    SAME_NAME_UPDATES.check(
        again.get("uuid") == processor["uuid"] and again.get("backend_type") == second
        and again.get("backend_version") == version and again.get("last_run") is not None,
        f"uuid {again.get('uuid')!r} (first {processor['uuid']!r}), backend_type {again.get('backend_type')!r} "
        f"(sent {second!r}), backend_version {again.get('backend_version')!r} (sent {version!r}), "
        f"last_run {again.get('last_run')!r}", created, updated)
    SAME_NAME_UPDATES.check(moment(again["modified"]) > moment(processor["modified"]),
                            f"modified went from {processor['modified']!r} to {again['modified']!r}", created, updated)

    read = waldur_manager.get(f"{SERVICES}{service['uuid']}/")
    listed = [p for p in read.json().get("processors", []) if p.get("name") == name]
    LISTED_ONCE.check(len(listed) == 1, f"{len(listed)} processors named {name!r} on the service", updated, read)
    LISTED_ONCE.check(
        listed[0]["uuid"] == processor["uuid"] and listed[0]["backend_type"] == second,
        f"listed {listed[0]!r}, registered uuid {processor['uuid']!r} backend_type {second!r}", updated, read)
