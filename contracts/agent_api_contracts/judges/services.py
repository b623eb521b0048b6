"""Judges of register_processor and set_statistics (agent_api_contracts.rules.services)."""
from __future__ import annotations

from agent_api_contracts.judges.exchanges import Observed, Recent, hex_uuid, light, same_json, snippet, watches
from agent_api_contracts.rules.services import ANSWER_NAMES_ITS_SERVICE, NEW_NAME_CREATES, ROUND_TRIP, SAME_NAME_UPDATES

SERVICES_LIST, SERVICE_RETRIEVE = "marketplace_site_agent_services_list", "marketplace_site_agent_services_retrieve"
REGISTER, SET_STATISTICS = "marketplace_site_agent_services_register_processor", "marketplace_site_agent_services_set_statistics"
PROCESSOR_FIELDS = ("backend_type", "backend_version")


@watches(ROUND_TRIP, operations=(SET_STATISTICS,))
def set_statistics_answers_what_was_set(seen: Observed) -> list:
    if seen.status != 200 or not isinstance(seen.sent, dict) or "statistics" not in seen.sent or not isinstance(seen.body, dict):
        return []
    if same_json(seen.body.get("statistics"), seen.sent["statistics"]):
        return []
    return [ROUND_TRIP.violation(f"statistics {snippet(seen.sent['statistics'])}",
                                 f"statistics {snippet(seen.body.get('statistics'))}", seen.response)]


@watches(ANSWER_NAMES_ITS_SERVICE, operations=(REGISTER,))
def registered_processor_names_its_service(seen: Observed) -> list:
    if not seen.succeeded or not isinstance(seen.body, dict) or not isinstance(seen.sent, dict):
        return []
    service, name = seen.path_uuids[0], str(seen.sent.get("name", "")).strip()
    if hex_uuid(seen.body.get("service", "")) == service and seen.body.get("name") == name:
        return []
    return [ANSWER_NAMES_ITS_SERVICE.violation(f"service {service}, name {name!r}",
                                               f"service {seen.body.get('service')!r}, name {seen.body.get('name')!r}",
                                               seen.response)]


class ProcessorsKeepTheirUuid:
    """A name registered before (or listed on its service) is answered 200 with the uuid it had,
    never 201, and with what was sent; a name its service did not have when last read is
    answered 201, not 200."""

    rules, operations = (SAME_NAME_UPDATES, NEW_NAME_CREATES), frozenset({REGISTER, SERVICES_LIST, SERVICE_RETRIEVE})

    def __init__(self):
        self.uuids = Recent()     # (service, name) -> (processor uuid, the response that showed it)
        self.services = Recent()  # service uuid -> the response that showed all its processors

    def __call__(self, seen: Observed) -> list:
        if seen.operation_id != REGISTER:
            self.read(seen)
            return []
        if seen.status not in (200, 201) or not isinstance(seen.body, dict) or not isinstance(seen.sent, dict):
            return []
        service = seen.path_uuids[0]
        key, uuid = (service, str(seen.sent.get("name", "")).strip()), seen.body.get("uuid")
        before, read = self.uuids.get(key), self.services.get(service)
        self.uuids[key] = (uuid, light(seen.response))
        if seen.overlapped:
            return []  # concurrent registrations: which came first is not for traffic to tell
        if before is not None and seen.status == 201:
            return [SAME_NAME_UPDATES.violation(f"200: the name was registered before (uuid {before[0]})",
                                                f"201 with uuid {uuid!r}", before[1], seen.response)]
        if before is not None and before[0] != uuid:
            return [SAME_NAME_UPDATES.violation(f"the uuid {before[0]} registered before", f"uuid {uuid!r}",
                                                before[1], seen.response)]
        if before is not None:
            return self.updated_as_sent(seen)
        if read is not None and seen.status == 200:
            return [NEW_NAME_CREATES.violation(f"201: the service had no processor named {key[1]!r} when read",
                                               "200", read, seen.response)]
        return []

    @staticmethod
    def updated_as_sent(seen: Observed) -> list:
        """An update answers the processor with the backend_type and backend_version sent, and
        last_run set (a missing last_run is the schema judge's)."""
        unchanged = [(name, seen.sent[name], seen.body.get(name)) for name in PROCESSOR_FIELDS
                     if name in seen.sent and seen.body.get(name) != seen.sent[name]]
        if not unchanged and seen.body.get("last_run", "") is not None:
            return []
        return [SAME_NAME_UPDATES.violation(
            "the processor updated with what was sent, last_run set",
            "; ".join(f"{name} {found!r}, sent {sent!r}" for name, sent, found in unchanged)
            or f"last_run {seen.body.get('last_run')!r}", seen.response)]

    def read(self, seen: Observed) -> None:
        if seen.status != 200:
            return
        remembered = light(seen.response)
        for item in seen.body if isinstance(seen.body, list) else [seen.body]:
            if isinstance(item, dict) and isinstance(item.get("uuid"), str) and isinstance(item.get("processors"), list):
                service = hex_uuid(item["uuid"])
                self.services[service] = remembered
                for processor in item["processors"]:
                    if isinstance(processor, dict) and isinstance(processor.get("name"), str):
                        self.uuids[(service, processor["name"])] = (processor.get("uuid"), remembered)
