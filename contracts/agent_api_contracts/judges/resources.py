"""Judges of what the agent writes to a provider resource (agent_api_contracts.rules.resources)."""
from __future__ import annotations

from agent_api_contracts.judges.exchanges import Observed, Recent, hex_uuid, light, snippet, value_fingerprint
from agent_api_contracts.rules.resources import RESOURCE_KEEPS_WHAT_THE_AGENT_SETS

RESOURCES_LIST, RESOURCE_RETRIEVE = "marketplace_provider_resources_list", "marketplace_provider_resources_retrieve"
# write operation -> the request field it sets, which the resource shows under the same name. Not
# set_limits: a resource's limits also change when an Update order of it completes, which
# traffic does not tie to the resource (the active suite checks limits, in a sequence it controls).
WRITES = {"marketplace_provider_resources_set_backend_id": "backend_id",
          "marketplace_provider_resources_set_backend_metadata": "backend_metadata"}


def remembered(name: str, sent: object) -> object:
    """What to keep of a value set (fingerprints: memory stays bounded whatever the bodies)."""
    if name == "backend_metadata" and isinstance(sent, dict):
        return {key: value_fingerprint(value) for key, value in sent.items()}
    return value_fingerprint(sent)


def shown_as_set(name: str, kept: object, shown: object) -> bool:
    """backend_metadata keeps every key sent (a server may add its own); the others are equal."""
    if isinstance(kept, dict):
        return isinstance(shown, dict) and all(key in shown and value_fingerprint(shown[key]) == value for key, value in kept.items())
    return value_fingerprint(shown) == kept


class ResourcesKeepWhatTheAgentSet:
    """After set_backend_id or set_backend_metadata answered 200, the resource reads with what
    was set, until the next such write."""

    rules, operations = (RESOURCE_KEEPS_WHAT_THE_AGENT_SETS,), frozenset({RESOURCES_LIST, RESOURCE_RETRIEVE, *WRITES})

    def __init__(self):
        self.written = Recent()  # (resource uuid, field) -> (what was set, its start as text, response)

    def __call__(self, seen: Observed) -> list:
        if seen.status != 200:
            return []
        if seen.operation_id in WRITES:
            name = WRITES[seen.operation_id]
            if isinstance(seen.sent, dict) and name in seen.sent:
                self.written[(seen.path_uuids[0], name)] = (remembered(name, seen.sent[name]), snippet(seen.sent[name]),
                                                            light(seen.response))
            return []
        found = []
        for resource in seen.body if isinstance(seen.body, list) else [seen.body]:
            if not isinstance(resource, dict) or not isinstance(resource.get("uuid"), str):
                continue
            for name in WRITES.values():
                set_before = self.written.get((hex_uuid(resource["uuid"]), name))
                if set_before and name in resource and not seen.overlapped and \
                        not shown_as_set(name, set_before[0], resource[name]):
                    found.append(RESOURCE_KEEPS_WHAT_THE_AGENT_SETS.violation(
                        f"{name} {set_before[1]}, as set", f"{name} {snippet(resource[name])}", set_before[2], seen.response))
        return found
