"""Rules that tie reads together: a list and a retrieve say the same, a `url` names its object."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.discovery import (CONNECTION_STATS, INTEGRATION_STATUSES, SERVICES, everything, manageable_services,
                                 uuid_of_url)
from agent_api_contracts.rules import answers
from agent_api_contracts.rules.answers import dig
from agent_api_contracts.rules.consistency import BUILT_FROM_CURRENT_STATE, HYPHENATED_PATHS, LIST_AGREES_WITH_RETRIEVE, SUMMARY_ADDS_UP, URL_NAMES_ITS_OBJECT

pytestmark = pytest.mark.waldur


@settings(settings.get_profile("contracts"))
@given(data=st.data())
def test_a_listed_service_is_what_its_retrieve_and_url_answer(waldur_manager, data):
    listed = data.draw(st.sampled_from(manageable_services(waldur_manager)), label="service")
    retrieved = waldur_manager.get(f"{SERVICES}{listed['uuid']}/")
    LIST_AGREES_WITH_RETRIEVE.check(retrieved.status_code == 200 and retrieved.json() == listed,
                                    f"list had {listed!r}, retrieve answered {retrieved.text[:400]}", retrieved)
    hyphenated = waldur_manager.get(f"{SERVICES}{uuid.UUID(listed['uuid'])}/")
    HYPHENATED_PATHS.check(hyphenated.status_code == 200 and hyphenated.json() == listed,
                           f"answered {hyphenated.status_code}: {hyphenated.text[:200]}", hyphenated)
    by_url = waldur_manager.get(listed["url"])
    URL_NAMES_ITS_OBJECT.check(by_url.status_code == 200 and by_url.json().get("uuid") == listed["uuid"],
                               f"{listed['url']} answered {by_url.status_code}: {by_url.text[:200]}", by_url)


@settings(settings.get_profile("contracts"))
@given(data=st.data())
def test_a_listed_integration_status_is_what_its_url_answers(waldur_support, data):
    statuses = everything(waldur_support, INTEGRATION_STATUSES)
    if not statuses:
        pytest.skip("the target has no integration statuses")
    listed = data.draw(st.sampled_from(statuses), label="integration status")
    by_url = waldur_support.get(listed["url"])
    URL_NAMES_ITS_OBJECT.check(by_url.status_code == 200, f"{listed['url']} answered {by_url.status_code}", by_url)
    LIST_AGREES_WITH_RETRIEVE.check(by_url.json() == listed, f"list had {listed!r}, url answered {by_url.text[:400]}", by_url)
    by_uuid = waldur_support.get(f"{INTEGRATION_STATUSES}{uuid.UUID(uuid_of_url(listed['url']))}/")
    HYPHENATED_PATHS.check(by_uuid.status_code == 200 and by_uuid.json() == listed,
                           f"retrieve by hyphenated uuid answered {by_uuid.status_code}: {by_uuid.text[:400]}", by_uuid)


def test_connection_stats_show_every_service_in_its_current_state(waldur_support):
    stats = waldur_support.get(CONNECTION_STATS)
    SUMMARY_ADDS_UP.check(stats.status_code == 200, answers.shown(stats), stats)
    agents = dig(stats, "agents", rule=BUILT_FROM_CURRENT_STATE)
    summary = dig(stats, "summary", rule=SUMMARY_ADDS_UP)
    SUMMARY_ADDS_UP.check(summary["total_agents"] == len(agents)
                          and summary["connected_agents"] + summary["disconnected_agents"] == summary["total_agents"],
                          f"summary {summary} for {len(agents)} agents", stats)
    services = {s["uuid"]: s for s in everything(waldur_support, SERVICES)}
    for agent in agents:
        for shown in agent["services"]:
            service = services.get(shown["uuid"])
            BUILT_FROM_CURRENT_STATE.check(
                service is not None and service["identity"] == agent["uuid"] and service["name"] == shown["name"]
                and service["state"].upper() == shown["state"].upper(),
                f"agent {agent['name']!r} shows {shown!r}; the services list has {service!r}", stats)
    shown_uuids = {shown["uuid"] for agent in agents for shown in agent["services"]}
    agent_uuids = {agent["uuid"] for agent in agents}
    missing = [s["name"] for s in services.values() if s["identity"] in agent_uuids and s["uuid"] not in shown_uuids]
    BUILT_FROM_CURRENT_STATE.check(not missing, f"services missing from their agent: {missing[:5]}", stats)
