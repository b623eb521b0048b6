"""Rules that tie reads together: a list and a retrieve say the same, a `url` names its object."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.discovery import INTEGRATION_STATUSES, SERVICES, everything, manageable_services, uuid_of_url
from contracts.evidence import Rule

pytestmark = pytest.mark.waldur

LIST_AGREES_WITH_RETRIEVE = Rule(
    "list_and_retrieve_agree",
    "list and retrieve answer the same representation of an object", "seed 000 and 002: same fields for both")
URL_NAMES_ITS_OBJECT = Rule(
    "url_resolves_to_the_object_it_names",
    "url fields are absolute URLs of the object", "notes/waldur.md, wire formats")


@settings(settings.get_profile("contracts"))
@given(data=st.data())
def test_a_listed_service_is_what_its_retrieve_and_url_answer(waldur_manager, data):
    listed = data.draw(st.sampled_from(manageable_services(waldur_manager)), label="service")
    retrieved = waldur_manager.get(f"{SERVICES}{listed['uuid']}/")
    LIST_AGREES_WITH_RETRIEVE.check(retrieved.status_code == 200 and retrieved.json() == listed,
                                    f"list had {listed!r}, retrieve answered {retrieved.text[:400]}", retrieved)
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
    by_uuid = waldur_support.get(f"{INTEGRATION_STATUSES}{uuid_of_url(listed['url'])}/")
    LIST_AGREES_WITH_RETRIEVE.check(by_uuid.status_code == 200 and by_uuid.json() == listed,
                                    f"retrieve by uuid answered {by_uuid.status_code}: {by_uuid.text[:400]}", by_uuid)
