"""The marketplace resource families the site agent works with, one module each:

    identities.py          agent identities and register_service
    users.py               users/me and version
    offerings.py           provider offerings, service providers and their keys, plans
    provider_resources.py  projects, resources and the agent's writes to them (set_backend_id ...)
    orders.py              orders and their state machine (approve_by_provider ...), POST /__admin/orders
    usages.py              component usages (set_usage), user usages, user usage limits
    offering_users.py      offering users
    event_queues.py        register_queue (events.py: the consumers and what writes publish)

Each module declares its entities (`FAMILIES`) and serves the operations named after its
functions. FAMILIES is in load order: an entity refers only to families loaded before it.
"""
from agent_api_mock.resources import (event_queues, identities, offering_users, offerings, orders, provider_resources,
                                      usages, users)

MODULES = (identities, users, offerings, provider_resources, orders, usages, offering_users, event_queues)
FAMILIES = (*offerings.FAMILIES, *provider_resources.FAMILIES, *orders.FAMILIES, *usages.FAMILIES,
            *offering_users.FAMILIES)
ADMIN_ROUTES = orders.ADMIN_ROUTES
