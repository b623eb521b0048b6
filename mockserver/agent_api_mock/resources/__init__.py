"""The resource families, one module each: its entities (`FAMILIES`), its rules, its handlers
(each public function named after the operationId it serves) and its rendering.

    users.py                 users (tokens and roles): users/me and version
    offerings.py             customers, provider offerings, service providers and their keys, plans
    identities.py            agent identities and register_service
    services.py              site-agent services and their processors: register_processor, set_statistics
    agent_stats.py           event subscriptions, queues, tasks: connection stats and task stats
    integration_statuses.py  integration statuses, and how an agent's requests refresh them
    agent_status.py          which agent reads refresh them (no entities of its own)
    prefactor_agents.py      Prefactor agents and idempotency keys: create_agent
    provider_resources.py    projects, resources and the agent's writes to them (set_backend_id ...)
    orders.py                orders and their state machine (approve_by_provider ...), POST /__admin/orders
    usages.py                component usages (set_usage), user usages, user usage limits
    offering_users.py        offering users
    event_queues.py          register_queue (events.py: the consumers and what writes publish)

FAMILIES is the state's load order: an entity refers only to families loaded before it (users,
whose roles may name any scope, come last). The store (agent_api_mock.store) knows no family by
name: it loads, dumps, indexes and stores what these declare. A `<list>_count` operation (HEAD)
that no module serves is answered by its list handler, without the body: Waldur's count is the
list's `X-Result-Count` and `Link`.
"""
import functools

from agent_api_mock.resources import (agent_stats, event_queues, identities, integration_statuses, offering_users, offerings, orders,
                                      prefactor_agents, provider_resources, services, usages, users)
from agent_api_mock.responses import headers_only

MODULES = (services, agent_stats, integration_statuses, prefactor_agents, identities, users, offerings,
           provider_resources, orders, usages, offering_users,
           event_queues)
FAMILIES = (*offerings.BASE_FAMILIES, *identities.FAMILIES, *services.FAMILIES, *agent_stats.FAMILIES,
            *integration_statuses.FAMILIES, *prefactor_agents.FAMILIES, *offerings.FAMILIES,
            *provider_resources.FAMILIES, *orders.FAMILIES, *usages.FAMILIES, *offering_users.FAMILIES,
            *users.FAMILIES)
FAMILY_NAMED = {family.name: family for family in FAMILIES}
ADMIN_ROUTES = orders.ADMIN_ROUTES


def handler_for(operation_id: str):
    for module in MODULES:
        function = getattr(module, operation_id, None)
        if function is not None:
            return function
    if operation_id.endswith("_count"):
        return counting(handler_for(operation_id.removesuffix("_count") + "_list"))
    raise LookupError(f"no handler serves operationId {operation_id!r}")


def counting(list_handler):
    @functools.wraps(list_handler)
    async def count(*args, **kwargs):
        answer = await list_handler(*args, **kwargs)
        return headers_only({name: answer.headers[name] for name in ("Link", "X-Result-Count")})
    return count
