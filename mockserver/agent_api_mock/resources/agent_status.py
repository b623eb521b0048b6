"""What an agent's reads tell Waldur about the agent: its offering's integration statuses.

Waldur's marketplace/utils.py `refresh_integration_agent_status(request, agent_type)`: when the
request's User-Agent contains "waldur-site-agent", its `offering_uuid` query parameter names an
existing offering, and the caller has OFFERING.UPDATE on the offering's customer (staff and the
customer's owners), the offering's status of that agent type (created if missing) is set
Active with `last_request_timestamp` now. Anything else skips the refresh and the read answers
as usual. Who calls it (marketplace/views.py):

    OrderViewSet.list, .retrieve              Order processing, Event processing
    BaseResourceViewSet.list                  Usage reporting, Resource sync, Event processing
    BaseResourceViewSet.retrieve              Resource sync, Event processing
"""
from __future__ import annotations

from connexion import request

from agent_api_mock.resources import integration_statuses
from agent_api_mock.resources.common import permitted, user
from agent_api_mock.responses import mock
from agent_api_mock.wire import normalize_uuid

AGENT = "waldur-site-agent"
ORDERS_LISTED = ("Order processing", "Event processing")
ORDER_READ = ORDERS_LISTED
RESOURCES_LISTED = ("Usage reporting", "Resource sync", "Event processing")
RESOURCE_READ = ("Resource sync", "Event processing")


def refresh_agent_status(agent_types: tuple[str, ...]) -> None:
    if AGENT not in request.headers.get("user-agent", ""):
        return
    values = request.query_params.getlist("offering_uuid")
    if not values:
        return
    offering = normalize_uuid(values[-1])  # Django's QueryDict.get answers the last value
    store = mock().store
    # has_permission(request, UPDATE_OFFERING, offering.customer); Waldur's IntegrationStatusCreationTest
    # grants UPDATE_OFFERING to CustomerRole.OWNER and MANAGER for it.
    if offering not in store.offerings or not permitted(user(), "OFFERING.UPDATE", offering, "offering.customer"):
        return
    integration_statuses.refresh(store, offering, agent_types)
