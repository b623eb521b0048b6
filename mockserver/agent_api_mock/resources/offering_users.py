"""Offering users: the accounts an offering's users have on the provider's side.

Listed with `offering_uuid`, `is_restricted`, `user_uuid`, `state`; visible to staff, support
and the owners of the offering's customer.
"""
from __future__ import annotations

from agent_api_mock.blanks import renders
from agent_api_mock.responses import mock
from agent_api_mock.resources.common import list_answer, uuid_filter, visible
from agent_api_mock.resources.family import Family, InvalidItem, moment, reference, uuid_of

OFFERING_USERS_PATH = "/api/marketplace-offering-users/"
STATES = ("Requested", "Creating", "OK", "Pending account linking", "Pending additional validation",
          "Requested deletion", "Deleting", "Deleted", "Error creating", "Error deleting")


def parse_offering_user(item: dict, state: dict) -> dict:
    key = uuid_of(item["uuid"], "offering user")
    if item.get("state", "OK") not in STATES:
        raise InvalidItem(f"offering user {key}: unknown state {item.get('state')!r}")
    return {"uuid": key, "offering": reference(item["offering"], state["offerings"], "offering"),
            "username": item.get("username"), "user_uuid": uuid_of(item["user_uuid"], "offering user user_uuid"),
            "user_username": str(item.get("user_username", item.get("username") or "")),
            "user_full_name": str(item.get("user_full_name", "")), "user_email": str(item.get("user_email", "")),
            "state": item.get("state", "OK"), "is_restricted": bool(item.get("is_restricted", False)),
            "created": moment(item.get("created", "2025-01-01T00:00:00Z")),
            "modified": moment(item.get("modified", item.get("created", "2025-01-01T00:00:00Z")))}


FAMILIES = (Family("offering_users", parse_offering_user, row="offering_users"),)


@renders("OfferingUser")
def render(offering_user: dict, base: str) -> dict:
    store = mock().store
    offering = store.offerings[offering_user["offering"]]
    customer = store.customers[offering["customer"]]
    return {"url": f"{base}{OFFERING_USERS_PATH}{offering_user['uuid']}/", "uuid": offering_user["uuid"],
            "user": f"{base}/api/users/{offering_user['user_uuid']}/",
            "offering": f"{base}/api/marketplace-provider-offerings/{offering['uuid']}/",
            "username": offering_user["username"], "offering_uuid": offering["uuid"], "offering_name": offering["name"],
            "user_uuid": offering_user["user_uuid"], "user_username": offering_user["user_username"],
            "user_full_name": offering_user["user_full_name"], "user_email": offering_user["user_email"],
            "created": offering_user["created"], "modified": offering_user["modified"],
            "customer_uuid": customer["uuid"], "customer_name": customer["name"],
            "is_restricted": offering_user["is_restricted"], "state": offering_user["state"]}


async def marketplace_offering_users_list(offering_uuid=None, is_restricted=None, user_uuid=None, state=None,
                                          field=None):
    offerings, users = uuid_filter(offering_uuid), uuid_filter(user_uuid)
    states = set(state if isinstance(state, list) else [state] if state else [])
    items = [u for u in mock().store.offering_users.values()
             if (offerings is None or u["offering"] in offerings) and (users is None or u["user_uuid"] in users)
             and (is_restricted is None or u["is_restricted"] == is_restricted) and (not states or u["state"] in states)]
    return list_answer(visible(items, lambda u: u["offering"]), render, field)
