"""Prefactor's "Create a new agent"."""
from agent_api_contracts.rules import Rule

SEED = "004_55ea5678c29a24e2.txt"
BEYOND = "docs/sources.md#prefactor-agents"

ENVELOPE = Rule("success_envelope_wraps_an_agent", 'status is always the string success; type: always "agent"', SEED)
ECHOES_NAME = Rule("created_agent_has_the_requested_name", "details.name is the agent name sent", f"{SEED}; {BEYOND}")
FRESH_IDS = Rule("created_agents_have_fresh_ids_in_prefactor_format",
                 "Ids look like 013xrzp12g3nqk8nx0y2vfkg4s3jp2qr: 32 characters matching ^[0-7][0-9abcdefghjkmnpqrstvwxyz]{31}$, "
                 "unique per object", BEYOND)
FINISHED_SUM = Rule("finished_equals_complete_failed_cancelled", "finished: complete + failed + cancelled", f"{SEED}; {BEYOND}")
NEW_IS_PENDING = Rule("a_new_agent_is_pending_and_cannot_be_reinstated",
                      "a new agent is pending; reinstate only makes sense for a retired agent", BEYOND)
INVALID_REFUSED = Rule("invalid_bodies_are_refused_in_the_error_envelope",
                       'details is required; inside it name is required; errors: {"status": "error", "code", "message"}', BEYOND)
IDEMPOTENT = Rule("an_idempotency_key_replays_its_agent",
                  "same key and same body: the same agent again, no duplicate; same key with a different body: an error", BEYOND)
