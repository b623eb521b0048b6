"""Judges of Prefactor's "Create a new agent" (agent_api_contracts.rules.prefactor)."""
from __future__ import annotations

import re

from agent_api_contracts.documents import _load
from agent_api_contracts.judges.exchanges import Observed, Recent, fingerprint, light, watches
from agent_api_contracts.rules.prefactor import ECHOES_NAME, FINISHED_SUM, FRESH_IDS, IDEMPOTENT, NEW_IS_PENDING

CREATE_AGENT = "create_agent"
ID = re.compile(_load("prefactor")["components"]["schemas"]["PfId"]["pattern"])
FINISHED = ("complete", "failed", "cancelled")


def agent_of(seen: Observed) -> dict | None:
    if not seen.succeeded or not isinstance(seen.body, dict) or not isinstance(seen.body.get("details"), dict):
        return None
    return seen.body["details"]


@watches(ECHOES_NAME, FINISHED_SUM, NEW_IS_PENDING, operations=(CREATE_AGENT,))
def created_agent_is_new_and_named_as_sent(seen: Observed) -> list:
    agent = agent_of(seen)
    if agent is None:
        return []
    found = []
    sent = seen.sent.get("details") if isinstance(seen.sent, dict) else None
    if isinstance(sent, dict) and "name" in sent and agent.get("name") != sent["name"]:
        found.append(ECHOES_NAME.violation(f"name {sent['name']!r}", f"name {agent.get('name')!r}", seen.response))
    counts = agent.get("instance_counts")
    if isinstance(counts, dict) and all(isinstance(counts.get(key), int) for key in ("finished",) + FINISHED):
        if counts["finished"] != sum(counts[key] for key in FINISHED):
            found.append(FINISHED_SUM.violation("finished = complete + failed + cancelled", f"instance_counts {counts}",
                                                seen.response))
    actions = agent.get("available_actions") if isinstance(agent.get("available_actions"), dict) else {}
    new = seen.status == 201 or not (isinstance(seen.sent, dict) and seen.sent.get("idempotency_key"))
    if new and (agent.get("status") != "pending" or actions.get("reinstate") is not False):
        found.append(NEW_IS_PENDING.violation("status pending, reinstate false",
                                              f"status {agent.get('status')!r}, available_actions {actions}", seen.response))
    return found


class AgentsAreFreshOrReplayed:
    """Each created agent has an id in Prefactor's format that no other agent has (the one sent
    in details.id, if any); the same idempotency key and body replay the agent created first."""

    rules, operations = (FRESH_IDS, IDEMPOTENT), frozenset({CREATE_AGENT})

    def __init__(self):
        self.ids = Recent()   # agent id -> the response that created it
        self.keys = Recent()  # (idempotency key, fingerprint of the body) -> (agent id, response)

    def __call__(self, seen: Observed) -> list:
        agent = agent_of(seen)
        if agent is None or not isinstance(agent.get("id"), str) or not isinstance(seen.sent, dict):
            return []
        found, agent_id = [], agent["id"]
        key = seen.sent.get("idempotency_key")
        replayed = self.keys.get((key, fingerprint(seen.sent))) if key else None
        chosen = seen.sent.get("details", {}).get("id") if isinstance(seen.sent.get("details"), dict) else None
        if not ID.fullmatch(agent_id) or (chosen and agent_id != chosen):
            found.append(FRESH_IDS.violation(f"the id sent, {chosen!r}" if chosen else "an id in Prefactor's format",
                                             f"id {agent_id!r}", seen.response))
        if replayed and replayed[0] != agent_id:
            found.append(IDEMPOTENT.violation(f"the agent {replayed[0]} created with this key and body",
                                              f"agent {agent_id}", replayed[1], seen.response))
        elif replayed is None and agent_id in self.ids and not seen.overlapped:
            found.append(FRESH_IDS.violation("a fresh id", f"id {agent_id} was given before", self.ids[agent_id],
                                             seen.response))
        if replayed is None:
            self.ids[agent_id] = light(seen.response)
            if key:
                self.keys[(key, fingerprint(seen.sent))] = (agent_id, light(seen.response))
        return found
