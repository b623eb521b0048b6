"""Where our documents and the official clients deliberately disagree, and why.

Keys are client model names; paths are dotted the way the published pages name nested
fields. The tests fail on any difference not listed here, and on any entry that no longer
is a difference, so this file always says exactly how the spec and the clients differ.
"""

from dataclasses import dataclass
from typing import Any

import attrs
from waldur_api_client.models import AgentConnectionInfo

# waldur-api-client 8.x requires these; the spec keeps them optional on purpose.
# spec/waldur-marketplace-site-agent.yaml, AgentConnectionInfo: "Newer servers (and
# `waldur-api-client` 8.x, which requires them) add the nullable consumer and token fields
# below; older servers and the published page do not have them, so they are optional here."
# The published page (seed 001) lists neither them nor `agents.queues.kind`;
# shared/notes/waldur.md: "Newer servers add nullable identity fields and `kind`
# (`legacy`/`consumer`); accept them as optional."
# waldur-api-client 8.1.2, which waldur-site-agent 1.0.7 pins, does not know these fields at all.
NEWER_SERVERS_ONLY = "newer Waldur servers only: not on the published page (seed 001), optional in the spec"
ADDED_IN_8_0_6 = "added (required) in Waldur 8.0.6; an 8.0.5 server lacks it, so optional in the spec"
CLIENT_KNOWS_NEWER_SERVERS = "user_uuid" in attrs.fields_dict(AgentConnectionInfo)
CLIENT_REQUIRED_BUT_OPTIONAL_IN_SPEC: dict[str, dict[str, str]] = {
    "AgentConnectionStatsResponse": {
        f"agents.{field}": NEWER_SERVERS_ONLY
        for field in (
            "event_consumer_uuid",
            "user_uuid",
            "user_username",
            "user_full_name",
            "user_is_staff",
            "auth_kind",
            "auth_token_prefix",
            "auth_token_name",
            "authorized_via",
            "delivery_blocked_reason",
            "queues.kind",
        )
        if CLIENT_KNOWS_NEWER_SERVERS
    },
    # Waldur 8.0.6 added these as required (shared/reference/reference-changes-8.0.6-8.0.9.md, 8.0.6:
    # "New required property: agent_type" on GET /api/marketplace-integration-statuses/ and
    # "New required property: created_by" on GET /api/marketplace-site-agent-identities/);
    # waldur-api-client 8.1.2 requires them, but an 8.0.5 server sends neither (issue 19 part 5),
    # so the spec keeps them optional and the contract suite reports their absence under
    # `field_added_after_server_version` instead of failing.
    "AgentIdentity": {"created_by": ADDED_IN_8_0_6},
    "IntegrationStatusDetails": {"agent_type": ADDED_IN_8_0_6},
    "DetailedApiError": {
        "errors": "without `errors` the body is Prefactor's plain error envelope (`Error` in the spec),"
        " which the SDK reads as an ApiError; the spec's ValidationError branch does require it",
    },
}

# The spec requires these; the client would read an answer without them.
SEED_004_SHOWS_IT = "seed 004 documents it in every agent; the SDK model gives it a default"
SPEC_REQUIRED_BUT_OPTIONAL_IN_CLIENT: dict[str, dict[str, str]] = {
    "AgentTaskStatsResponse": {
        "active_tasks.args": "shared/notes/waldur.md: the server answers each active task as"
        " {id, name, args, worker}; ActiveAgentTask reads `args` with a default",
    },
    "ApiResponse[Agent]": {
        "details.instance_counts": SEED_004_SHOWS_IT,
        **{
            f"details.instance_counts.{count}": SEED_004_SHOWS_IT
            for count in ("total", "pending", "active", "complete", "failed", "cancelled", "finished")
        },
        "details.available_actions": SEED_004_SHOWS_IT,
        **{
            f"details.available_actions.{action}": SEED_004_SHOWS_IT
            for action in ("update", "retire", "reinstate", "delete")
        },
        "details.inserted_at": SEED_004_SHOWS_IT,
        "details.updated_at": SEED_004_SHOWS_IT,
    },
    "ApiError": {
        "status": "seed 004 shows `status` in both error envelopes; ApiError defaults it to 'error'",
    },
    "DetailedApiError": {
        "status": "seed 004 shows `status` in both error envelopes; ApiError defaults it to 'error'",
    },
}


@dataclass(frozen=True)
class Unreadable:
    """A part of a documented answer that the client cannot read."""

    path: str
    why: str
    readable_stand_in: Any  # a value the spec allows there and the client reads


# operationId -> what its examples hold that the client cannot read. Remove an entry once
# the client reads the example: the test that uses it then fails to remind you.
CLIENT_CANNOT_READ: dict[str, Unreadable] = {
    "marketplace_site_agent_connection_stats_retrieve": Unreadable(
        path="agents.event_subscriptions.observable_objects",
        why="waldur-api-client 8.1.3 reads observable_objects as a JSON object"
        " (AgentEventSubscriptionWithConnectionObservableObjects.from_dict calls dict() on it),"
        " but the published page calls it a 'List of observable object configurations' and the"
        " server sends a list such as [{'object_type': 'order'}], on which dict() raises",
        readable_stand_in=[],
    ),
}


# (operationId, status) the spec documents and waldur-api-client does not accept (it raises
# UnexpectedStatus on any status its generated parser does not know).
STATUSES_THE_CLIENT_DOES_NOT_EXPECT: dict[tuple[str, str], str] = {
    ("marketplace_site_agent_identities_create", "200"): "a create with a name the offering's agents"
    " already have updates that identity (idempotent registration); the real agent lists by name"
    " first and updates with PUT, so it never sends such a create (shared/notes/waldur-site-agent.md)",
}
