"""Judges of reads that must agree with each other and with the writes before them
(agent_api_contracts.rules.consistency, and statistics_read_back_as_set)."""
from __future__ import annotations

from agent_api_contracts.judges.exchanges import (MISSING, Observed, Recent, fingerprint, hex_uuid, light, snippet,
                                                 value_fingerprint, watches)
from agent_api_contracts.judges.services import REGISTER, SERVICE_RETRIEVE, SERVICES_LIST, SET_STATISTICS
from agent_api_contracts.rules.consistency import BUILT_FROM_CURRENT_STATE, LIST_AGREES_WITH_RETRIEVE, SUMMARY_ADDS_UP
from agent_api_contracts.rules.services import ROUND_TRIP

STATUSES_LIST, STATUS_RETRIEVE = "marketplace_integration_statuses_list", "marketplace_integration_statuses_retrieve"
CONNECTION_STATS = "marketplace_site_agent_connection_stats_retrieve"


@watches(SUMMARY_ADDS_UP, operations=(CONNECTION_STATS,))
def connection_summary_counts_the_agents(seen: Observed) -> list:
    if seen.status != 200 or not isinstance(seen.body, dict):
        return []
    agents, summary = seen.body.get("agents"), seen.body.get("summary")
    if not isinstance(agents, list) or not isinstance(summary, dict):
        return []
    try:
        adds_up = summary["total_agents"] == len(agents) and \
            summary["connected_agents"] + summary["disconnected_agents"] == summary["total_agents"]
    except (KeyError, TypeError):
        return []  # the schema judge reports a summary without its numbers
    return [] if adds_up else [SUMMARY_ADDS_UP.violation(f"total_agents {len(agents)} = connected + disconnected",
                                                         f"summary {summary}", seen.response)]


class ServicesShowWhatWasWritten:
    """A service read after set_statistics shows what was set; a retrieve answers what the
    list showed (unless a write came between); connection stats show the services' states."""

    rules = (ROUND_TRIP, LIST_AGREES_WITH_RETRIEVE, BUILT_FROM_CURRENT_STATE)
    operations = frozenset({SET_STATISTICS, SERVICES_LIST, SERVICE_RETRIEVE, REGISTER, STATUSES_LIST, STATUS_RETRIEVE,
                            CONNECTION_STATS})

    def __init__(self):
        self.statistics = Recent()  # service uuid -> (fingerprint of the statistics set, response)
        self.listed = Recent()      # object uuid -> (fingerprint as listed, response)
        self.states = Recent()      # service uuid -> (state label as last read, response)

    def __call__(self, seen: Observed) -> list:
        if seen.status != 200 or seen.body is MISSING:
            return []
        operation, found = seen.operation_id, []
        if operation in (SET_STATISTICS, REGISTER):
            service = seen.path_uuids[0]
            self.listed.pop(service, None)
            if operation == SET_STATISTICS and isinstance(seen.sent, dict) and "statistics" in seen.sent:
                self.statistics[service] = (value_fingerprint(seen.sent["statistics"]), light(seen.response))
        if operation == CONNECTION_STATS:
            return self.stats_show_the_states(seen)
        remembered = light(seen.response)
        for item in seen.body if isinstance(seen.body, list) else [seen.body]:
            if not isinstance(item, dict) or not isinstance(item.get("uuid"), str):
                continue
            uuid = hex_uuid(item["uuid"])
            if operation in (SERVICES_LIST, SERVICE_RETRIEVE, SET_STATISTICS) and "statistics" in item:
                set_before = self.statistics.get(uuid)
                if set_before and value_fingerprint(item["statistics"]) != set_before[0]:
                    found.append(ROUND_TRIP.violation("the statistics set before", f"statistics {snippet(item['statistics'])}",
                                                      set_before[1], seen.response))
                if isinstance(item.get("state"), str):
                    self.states[uuid] = (item["state"], remembered)
            if operation in (SERVICES_LIST, STATUSES_LIST) and "field" not in seen.query:
                self.listed[uuid] = (fingerprint(item), remembered)
            elif operation in (SERVICE_RETRIEVE, STATUS_RETRIEVE) and "field" not in seen.query:
                listed = self.listed.get(uuid)
                if listed and listed[0] != fingerprint(item):
                    found.append(LIST_AGREES_WITH_RETRIEVE.violation(
                        "the object as the list showed it", f"a different object: {seen.response.text[:300]}",
                        listed[1], seen.response))
        return found

    def stats_show_the_states(self, seen: Observed) -> list:
        found = []
        agents = seen.body.get("agents") if isinstance(seen.body, dict) else None
        for agent in agents if isinstance(agents, list) else []:
            for shown in (agent.get("services") or []) if isinstance(agent, dict) else []:
                if not isinstance(shown, dict):
                    continue
                before = self.states.get(hex_uuid(shown.get("uuid", "")))
                if before and str(shown.get("state", "")).upper() != before[0].upper():
                    found.append(BUILT_FROM_CURRENT_STATE.violation(
                        f"service {shown.get('name')!r} in state {before[0]}", f"state {shown.get('state')!r}",
                        before[1], seen.response))
        return found
