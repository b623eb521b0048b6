"""Projects and the marketplace resources a provider's agent manages.

- list (`offering_uuid`, repeated `state`, `project_uuid`, `backend_id`, `field=`), retrieve, `team/`.
- The agent's writes: `set_backend_id`, `set_limits`, `set_backend_metadata`, `refresh_last_sync`,
  `set_as_ok`, `set_as_erred`. A resource keeps what they set, and later reads show it.
- Who may write: staff and the owners of the offering's customer; support reads only.
"""
from __future__ import annotations

from agent_api_mock.blanks import renders
from agent_api_mock.responses import headers_only, json_response, mock, site
from agent_api_mock.resources.agent_status import RESOURCE_READ, RESOURCES_LISTED, refresh_agent_status
from agent_api_mock.resources.common import changeable, found, list_answer, object_answer, uuid_filter, visible
from agent_api_mock.resources.common import (plan_fields, provider_fields)
from agent_api_mock.resources.family import Family, InvalidItem, moment, optional_reference, reference, uuid_of
from agent_api_mock.validation import request_body
from agent_api_mock.wire import waldur_time

RESOURCES_PATH = "/api/marketplace-provider-resources/"
PROJECTS_PATH = "/api/projects/"
OFFERINGS_PATH = "/api/marketplace-provider-offerings/"
MODEL = "Resource"
STATES = ("Creating", "OK", "Erred", "Updating", "Terminating", "Terminated")
PROJECT_ROLES = ("PROJECT.ADMIN", "PROJECT.MANAGER", "PROJECT.MEMBER")


# --- entities ----------------------------------------------------------------------------------

def parse_project(item: dict, state: dict) -> dict:
    key = uuid_of(item["uuid"], "project")
    members = []
    for member in item.get("members", []):
        if member.get("role", "PROJECT.MEMBER") not in PROJECT_ROLES:
            raise InvalidItem(f"project {key}: unknown role {member.get('role')!r}")
        members.append({"uuid": uuid_of(member["uuid"], "project member"), "username": str(member["username"]),
                        "full_name": str(member.get("full_name", member["username"])),
                        "role": member.get("role", "PROJECT.MEMBER"),
                        "offering_user_username": member.get("offering_user_username")})
    return {"uuid": key, "name": str(item["name"]), "slug": str(item.get("slug", item["name"])),
            "customer": reference(item["customer"], state["customers"], "customer"), "members": members}


def parse_resource(item: dict, state: dict) -> dict:
    key = uuid_of(item["uuid"], "resource")
    if item.get("state", "Creating") not in STATES:
        raise InvalidItem(f"resource {key}: unknown state {item.get('state')!r}")
    created = moment(item.get("created", "2025-01-01T00:00:00Z"))
    return {
        "uuid": key, "name": str(item["name"]), "slug": str(item.get("slug", item["name"])),
        "offering": reference(item["offering"], state["offerings"], "offering"),
        "project": reference(item["project"], state["projects"], "project"),
        "plan": optional_reference(item.get("plan"), state["plans"], "plan"),
        "state": item.get("state", "Creating"),
        "backend_id": str(item.get("backend_id") or ""),
        "limits": dict(item.get("limits") or {}),
        "attributes": dict(item.get("attributes") or {}),
        "backend_metadata": dict(item.get("backend_metadata") or {}),
        "error_message": str(item.get("error_message") or ""),
        "error_traceback": str(item.get("error_traceback") or ""),
        "last_sync": moment(item.get("last_sync") or created),  # Waldur: defaults to the creation time
        "created": created, "modified": moment(item.get("modified", created)),
    }


FAMILIES = (Family("projects", parse_project, row="projects"), Family("resources", parse_resource, row="resources"))


# --- rendering ---------------------------------------------------------------------------------

@renders("Resource")
def render(resource: dict, base: str) -> dict:
    store = mock().store
    offering, project = store.offerings[resource["offering"]], store.projects[resource["project"]]
    customer = store.customers[project["customer"]]
    plan = store.plans.get(resource["plan"]) if resource["plan"] else None
    return {
        "url": f"{base}{RESOURCES_PATH}{resource['uuid']}/",
        "uuid": resource["uuid"],
        "name": resource["name"],
        "slug": resource["slug"],
        "state": resource["state"],
        "resource_type": offering.get("type", "Marketplace.Basic"),
        "backend_id": resource["backend_id"],
        "effective_id": "",
        "limits": resource["limits"],
        "attributes": resource["attributes"],
        "backend_metadata": resource["backend_metadata"],
        "error_message": resource["error_message"],
        "error_traceback": resource["error_traceback"],
        "last_sync": resource["last_sync"],
        "created": resource["created"],
        "modified": resource["modified"],
        "offering": f"{base}{OFFERINGS_PATH}{offering['uuid']}/",
        "offering_uuid": offering["uuid"],
        "offering_name": offering["name"],
        "offering_slug": offering["slug"],
        "offering_type": offering.get("type", "Marketplace.Basic"),
        "offering_plugin_options": offering.get("plugin_options", {}),
        "project": f"{base}{PROJECTS_PATH}{project['uuid']}/",
        "project_uuid": project["uuid"],
        "project_name": project["name"],
        "project_slug": project["slug"],
        "customer_uuid": customer["uuid"],
        "customer_name": customer["name"],
        **plan_fields(plan, base),
        "plan_uuid": plan["uuid"] if plan else None,
        "plan_name": plan["name"] if plan else None,
        **provider_fields(store, offering),
        # ResourceSerializer.is_usage_based: offering.is_usage_based, a component billed by usage.
        "is_usage_based": any(c.get("billing_type") == "usage" for c in offering.get("components", [])),
    }


@renders("ProjectUser")
def render_member(member: dict, base: str) -> dict:
    return {"url": f"{base}/api/users/{member['uuid']}/", "uuid": member["uuid"], "username": member["username"],
            "full_name": member["full_name"], "role": member["role"], "expiration_time": None,
            "offering_user_username": member["offering_user_username"],
            "offering_user_state": "OK" if member["offering_user_username"] else None}


def offering_of(resource: dict) -> str:
    return resource["offering"]


def changed(resource: dict, **fields) -> dict:
    """A new version of the resource: the store keeps the old one if the write cannot be stored."""
    return {**resource, **fields, "modified": waldur_time(mock().store.now())}


# What each provider action asks of the caller: Waldur's ProviderResourceViewSet
# `<action>_permissions` (permission_factory(permission, scope paths)), as Waldur 8.0.5's schema
# publishes them (x-permissions; the newer code we read lost the entries of set_as_ok and
# set_limits to a copy-paste slip, docs/sources.md).
ACTION_PERMISSIONS = {
    "set_backend_id": ("RESOURCE.SET_BACKEND_ID", "offering", "offering.customer"),
    "set_backend_metadata": ("RESOURCE.SET_BACKEND_METADATA", "offering.customer"),
    "set_limits": ("RESOURCE.SET_STATE", "offering.customer"),
    "refresh_last_sync": ("RESOURCE.SET_STATE", "offering.customer"),
    "set_as_ok": ("RESOURCE.SET_STATE", "offering.customer"),
    "set_as_erred": ("RESOURCE.SET_STATE", "offering.customer"),
}


def changeable_resource(uuid: str, action: str) -> dict:
    return changeable(mock().store.resources, uuid, offering_of, MODEL, *ACTION_PERMISSIONS[action])


def status(message: str):
    return json_response({"status": message})


# --- handlers ----------------------------------------------------------------------------------

def matching_resources(offering_uuid=None, state=None, project_uuid=None, backend_id=None) -> list[dict]:
    offerings, projects, states = uuid_filter(offering_uuid), uuid_filter(project_uuid), set(state or ())
    return visible([
        resource for resource in mock().store.resources.values()
        if (offerings is None or resource["offering"] in offerings)
        and (projects is None or resource["project"] in projects)
        and (not states or resource["state"] in states)
        and (backend_id is None or resource["backend_id"] == backend_id)
    ], offering_of)


async def marketplace_provider_resources_list(offering_uuid=None, state=None, project_uuid=None, backend_id=None,
                                              field=None):
    refresh_agent_status(RESOURCES_LISTED)
    return list_answer(matching_resources(offering_uuid, state, project_uuid, backend_id), render, field)


async def marketplace_provider_resources_retrieve(uuid: str, field=None):
    refresh_agent_status(RESOURCE_READ)
    return object_answer(render(found(mock().store.resources, uuid, offering_of, MODEL), site()), field)


async def marketplace_provider_resources_team_list(uuid: str, field=None):
    resource = found(mock().store.resources, uuid, offering_of, MODEL)
    return list_answer(mock().store.projects[resource["project"]]["members"], render_member, field)


async def marketplace_provider_resources_set_backend_id(uuid: str):
    resource = changeable_resource(uuid, "set_backend_id")
    backend_id = request_body()["backend_id"]
    mock().store.put(("resources", changed(resource, backend_id=backend_id)))
    return status("Resource backend_id has been changed." if backend_id != resource["backend_id"]
                  else "Resource backend_id is not changed.")


# The writes below follow the newest marketplace/views.py ProviderResourceViewSet (set_limits,
# set_backend_metadata, set_as_ok, set_as_erred, refresh_last_sync): their answers and what each
# one changes.

async def marketplace_provider_resources_set_limits(uuid: str):
    """set_limits: `resource.limits = new_limits`, stored whole. The view checks no key against the
    offering's components (it only logs changes of limit-billed ones); docs/sources.md, set_limits."""
    resource = changeable_resource(uuid, "set_limits")
    limits = request_body()["limits"]
    mock().store.put(("resources", changed(resource, limits=dict(limits))))
    return status("The resource limits are updated")


async def marketplace_provider_resources_set_backend_metadata(uuid: str):
    resource = changeable_resource(uuid, "set_backend_metadata")
    metadata = request_body()["backend_metadata"]
    mock().store.put(("resources", changed(resource, backend_metadata=dict(metadata))))
    return status("The backend metadata is updated")


async def marketplace_provider_resources_refresh_last_sync(uuid: str):
    """refresh_last_sync: `last_sync = now`, 200 with no body."""
    resource = changeable_resource(uuid, "refresh_last_sync")
    now = waldur_time(mock().store.now())
    mock().store.put(("resources", {**resource, "last_sync": now, "modified": now}))
    return headers_only({})


async def marketplace_provider_resources_set_as_ok(uuid: str):
    """set_as_ok: a resource already OK is left as it is; any other becomes OK with its error
    message and traceback cleared. 200 with no body."""
    resource = changeable_resource(uuid, "set_as_ok")
    if resource["state"] != "OK":
        mock().store.put(("resources", changed(resource, state="OK", error_message="", error_traceback="")))
    return headers_only({})


async def marketplace_provider_resources_set_as_erred(uuid: str):
    """set_as_erred: the error message and traceback are replaced only by non-empty ones given
    (`if serializer.validated_data.get("error_message")`); the state becomes Erred. 200, no body."""
    resource = changeable_resource(uuid, "set_as_erred")
    body = request_body()
    given = {name: str(body[name]) for name in ("error_message", "error_traceback") if body.get(name)}
    mock().store.put(("resources", changed(resource, state="Erred", **given)))
    return headers_only({})
