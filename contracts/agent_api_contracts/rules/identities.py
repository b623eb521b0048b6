"""Agent identities and their services: how waldur-site-agent registers itself (beyond the
published pages)."""
from agent_api_contracts.rules import Rule

SOURCE = "docs/sources.md#agent-identities"

# Waldur: marketplace_site_agent/views.py AgentIdentityViewSet (create 201, update 200);
# serializers.py AgentIdentitySerializer.validate_offering ("Offering cannot be changed after the
# agent identity is created."). No uniqueness on (offering, name): models.py AgentIdentity.
IDENTITY_UPDATE_KEEPS_THE_IDENTITY = Rule(
    "identity_update_keeps_the_identity",
    "An agent that finds its identity by name and updates it (PUT) keeps one identity, with what it said last",
    SOURCE)
IDENTITY_KEEPS_ITS_OFFERING = Rule(
    "identity_keeps_its_offering",
    "An identity's offering is fixed at creation: a PUT naming another offering answers 400 and changes nothing",
    SOURCE)
SERVICE_REGISTRATION_IS_IDEMPOTENT = Rule(
    "service_registration_is_idempotent_by_name",
    "register_service creates a service, or returns the one of that name", SOURCE)
REGISTERED_SERVICE_IS_LISTED = Rule(
    "registered_service_is_listed_once",
    "That service is then what GET /api/marketplace-site-agent-services/ lists", SOURCE)
REGISTERED_SERVICE_IS_IN_CONNECTION_STATS = Rule(
    "registered_service_shows_in_connection_stats",
    "That service is then what GET /api/marketplace-site-agent-services/ lists, and connection stats show it", SOURCE)

# Waldur: marketplace_site_agent/views.py AgentIdentityViewSet.register_queue (201 on provisioning,
# 200 with the same queue when it is still provisioned); tests/test_agent_queue.py
# test_register_queue_idempotent, test_register_queue_queue_name_format, test_register_queue_vhost_is_user_uuid.
QUEUE_REGISTRATION_IS_IDEMPOTENT = Rule(
    "queue_registration_is_idempotent",
    "register_queue provisions the identity's queue consumer_<uuid> in the caller's vhost (201); "
    "registering again answers the same queue, RabbitMQ user and vhost (200)",
    "docs/sources.md#event-mode-register_queue-published-events-connection-stats-from-the-broker")
