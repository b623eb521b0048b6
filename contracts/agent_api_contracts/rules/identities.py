"""Agent identities and their services: how waldur-site-agent registers itself (beyond the
published pages)."""
from agent_api_contracts.rules import Rule

SOURCE = "docs/sources.md#agent-identities"

IDENTITY_REGISTRATION_IS_IDEMPOTENT = Rule(
    "identity_registration_is_idempotent_by_name",
    "Registering an identity creates it, or updates it on the same name", SOURCE)
SERVICE_REGISTRATION_IS_IDEMPOTENT = Rule(
    "service_registration_is_idempotent_by_name",
    "register_service creates a service, or returns the one of that name", SOURCE)
REGISTERED_SERVICE_IS_LISTED = Rule(
    "registered_service_is_listed_once",
    "That service is then what GET /api/marketplace-site-agent-services/ lists", SOURCE)
REGISTERED_SERVICE_IS_IN_CONNECTION_STATS = Rule(
    "registered_service_shows_in_connection_stats",
    "That service is then what GET /api/marketplace-site-agent-services/ lists, and connection stats show it", SOURCE)
