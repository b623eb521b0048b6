"""Rules of usage reporting (beyond the published pages; docs/sources.md, "Component usages")."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.discovery import everything
from agent_api_contracts.evidence import Rule

pytestmark = [pytest.mark.waldur, pytest.mark.writes]

RESOURCES = "/api/marketplace-provider-resources/"
OFFERINGS = "/api/marketplace-provider-offerings/"
USAGES = "/api/marketplace-component-usages/"
SOURCE = "docs/sources.md#component-usages"

REPORTED_USAGE_IS_LISTED = Rule(
    "reported_usage_is_listed",
    "set_usage adds component usages, which the usage lists then show", SOURCE)
REPORTING_AGAIN_REPLACES = Rule(
    "reporting_a_period_again_replaces_its_usage",
    "Waldur keeps one usage per resource, component and billing period, so a second report of the period "
    "replaces the first", SOURCE)

amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
# Days of the current billing period up to today: Waldur refuses a future date, and a date in an
# earlier period from a provider that is not staff for usage-billed components (the published
# schema, ComponentUsageCreateRequest.date; docs/sources.md, "Usage reports").
TODAY = datetime.datetime.now(datetime.timezone.utc).date()
days = st.dates(TODAY.replace(day=1), TODAY)
# ComponentUsageCreateSerializer.validate: usage is taken for resources in these states only.
REPORTABLE_STATES = ("OK", "Updating", "Terminating")


def a_resource_with_a_usage_component(client) -> tuple[dict, str]:
    resources = everything(client, RESOURCES)
    if not any(resource.get("state") in REPORTABLE_STATES for resource in resources):
        # On a server that keeps its state, earlier checks may have left every resource Erred: the
        # provider puts one back in service, as its agent does (set_as_ok).
        erred = next((resource for resource in resources if resource.get("state") == "Erred"), None)
        if erred is not None and client.post(f"{RESOURCES}{erred['uuid']}/set_as_ok/").status_code == 200:
            resources = everything(client, RESOURCES)
    for resource in resources:
        if resource.get("state") not in REPORTABLE_STATES:
            continue
        offering = client.get(f"{OFFERINGS}{resource['offering_uuid']}/", params={"field": "components"})
        types = [c["type"] for c in offering.json().get("components", []) if c.get("billing_type") == "usage"]
        if offering.status_code == 200 and types:
            return resource, types[0]
    pytest.skip("WALDUR_TOKEN's account provides no resource in service (OK, Updating, Terminating) of an offering "
                "with a usage-billed component")


def usages_of(client, resource: dict, kind: str, day: datetime.date):
    answer = client.get(USAGES, params={"resource_uuid": resource["uuid"], "billing_period": day.replace(day=1).isoformat(),
                                        "page_size": 300})
    return answer, [u for u in answer.json() if u.get("type") == kind]


@settings(settings.get_profile("contracts"))
@given(first=amounts, second=amounts, day=days)
def test_reported_usage_is_what_the_usage_list_shows(waldur_manager, first, second, day):
    resource, kind = a_resource_with_a_usage_component(waldur_manager)
    moment = f"{day.isoformat()}T00:00:00Z"

    def report(amount: Decimal):
        return waldur_manager.post(f"{USAGES}set_usage/", json={
            "resource": resource["uuid"], "date": moment, "usages": [{"type": kind, "amount": str(amount)}]})

    reported = report(first)
    REPORTED_USAGE_IS_LISTED.check(reported.status_code == 201, f"status {reported.status_code}: {reported.text[:300]}",
                                   reported)
    listed, found = usages_of(waldur_manager, resource, kind, day)
    REPORTED_USAGE_IS_LISTED.check(
        len(found) == 1 and Decimal(str(found[0].get("usage"))) == first,
        f"{kind} usages of {day:%Y-%m}: {[u.get('usage') for u in found]}, reported {first}", reported, listed)

    again = report(second)
    REPORTING_AGAIN_REPLACES.check(again.status_code == 201, f"status {again.status_code}", again)
    listed, found = usages_of(waldur_manager, resource, kind, day)
    REPORTING_AGAIN_REPLACES.check(
        len(found) == 1 and Decimal(str(found[0].get("usage"))) == second,
        f"{kind} usages of {day:%Y-%m}: {[u.get('usage') for u in found]}, reported {first} then {second}",
        reported, again, listed)


def test_usage_is_refused_for_a_resource_not_in_service(fresh_target, waldur_manager):
    """Waldur: marketplace/serializers.py ComponentUsageCreateSerializer.validate."""
    from agent_api_contracts.rules.resources import USAGE_ONLY_FOR_A_RESOURCE_IN_SERVICE
    resources = [r for state in ("Terminated", "Creating")
                 for r in everything(waldur_manager, "/api/marketplace-provider-resources/", {"state": state})]
    if not resources:
        pytest.skip("WALDUR_TOKEN's account has no Terminated or Creating resource")
    for resource in resources:
        before = everything(waldur_manager, "/api/marketplace-component-usages/", {"resource_uuid": resource["uuid"]})
        answer = waldur_manager.post("/api/marketplace-component-usages/set_usage/", json={
            "resource": resource["uuid"], "usages": [{"type": "cpu", "amount": "1.00"}]})
        after = everything(waldur_manager, "/api/marketplace-component-usages/", {"resource_uuid": resource["uuid"]})
        USAGE_ONLY_FOR_A_RESOURCE_IN_SERVICE.check(
            answer.status_code == 400 and before == after,
            f"set_usage on a {resource['state']} resource answered {answer.status_code}: {answer.text[:200]}", answer)
