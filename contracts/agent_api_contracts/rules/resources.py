"""What the agent writes to a provider resource (beyond the published pages)."""
from agent_api_contracts.rules import Rule

SOURCE = "docs/sources.md#provider-resources"

RESOURCE_KEEPS_WHAT_THE_AGENT_SETS = Rule(
    "resource_keeps_what_the_agent_sets",
    "A resource keeps the backend_id, limits and backend metadata the agent sets", SOURCE)
BACKEND_ID_FILTER_FINDS_IT = Rule(
    "backend_id_filter_finds_the_resource",
    "?backend_id= lists only resources with exactly this backend id", SOURCE)
