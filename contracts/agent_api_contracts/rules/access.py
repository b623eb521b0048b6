"""Who may call what, and the error answers of those who may not."""
from agent_api_contracts.rules import Rule

ANONYMOUS = Rule("anonymous_requests_are_401",
                 'No credentials: 401 {"detail": "Authentication credentials were not provided."} (Waldur), '
                 "the error envelope (Prefactor)", "docs/sources.md#authentication-and-roles")
UNKNOWN_TOKEN = Rule("unknown_tokens_are_401", 'Unknown token: 401 {"detail": "Invalid token."} (Waldur), the error envelope (Prefactor)',
                     "docs/sources.md#authentication-and-roles")
SUPPORT_ONLY = Rule("support_only_endpoints_refuse_other_accounts_with_403",
                    "Requires support user permissions; everyone else: 403 {\"detail\": ...}",
                    "001_9ef0908d22537e32.txt, 003_f346a92e67d3796b.txt; docs/sources.md#authentication-and-roles")
SUPPORT_ALLOWED = Rule("support_accounts_read_support_only_endpoints", "Requires support user permissions",
                       "001_9ef0908d22537e32.txt, 003_f346a92e67d3796b.txt")
UNKNOWN_OBJECT = Rule("unknown_uuids_are_404", 'An object the user cannot see: 404 {"detail": "No AgentService matches the given query."}',
                      "docs/sources.md#errors")
OFFERING_MANAGER_MANAGES_AGENTS = Rule(
    "offering_managers_manage_their_offerings_agents",
    "resolve_offering_agent_authorization: allowed for ... 3. Offering managers (offering-scoped role): "
    "they see their offering, its agent identities and services, and register them",
    "docs/sources.md#authentication-and-roles (waldur-mastermind marketplace_site_agent/utils.py "
    "resolve_offering_agent_authorization; views.py AgentIdentityViewSet.get_queryset: Offering.filter_for_user)")
