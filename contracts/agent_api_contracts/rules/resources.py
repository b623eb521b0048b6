"""What the agent writes to a provider resource (beyond the published pages)."""
from agent_api_contracts.rules import Rule

SOURCE = "docs/sources.md#provider-resources"

RESOURCE_KEEPS_WHAT_THE_AGENT_SETS = Rule(
    "resource_keeps_what_the_agent_sets",
    "A resource keeps the backend_id, limits and backend metadata the agent sets", SOURCE)
BACKEND_ID_FILTER_FINDS_IT = Rule(
    "backend_id_filter_finds_the_resource",
    "?backend_id= lists only resources with exactly this backend id", SOURCE)

# Waldur: marketplace/serializers.py ComponentUsageCreateSerializer.validate ("Resource is not in
# valid state."); test_usage.py SubmitUsageTest.test_it_should_not_be_possible_to_submit_usage_for_pending_resource.
USAGE_ONLY_FOR_A_RESOURCE_IN_SERVICE = Rule(
    "usage_is_refused_for_a_resource_not_in_service",
    "set_usage on a resource that is not OK, Updating or Terminating answers 400 and stores nothing",
    "docs/sources.md#usage-reports")
