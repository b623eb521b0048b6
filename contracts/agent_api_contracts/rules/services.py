"""register_processor and set_statistics on site-agent services."""
from agent_api_contracts.rules import Rule

SEED = "000_5b7b95424e9abc49.txt"
BEYOND = "docs/sources.md#site-agent-services"

NEW_NAME_CREATES = Rule("new_processor_name_creates_a_processor", "a new name creates a processor and answers 201",
                        f"{SEED} (201); {BEYOND}")
SAME_NAME_UPDATES = Rule(
    "same_processor_name_updates_that_processor",
    "a name the service already has answers 200 with the same processor uuid, updates backend_type, "
    "backend_version and sets last_run to now", BEYOND)
LISTED_ONCE = Rule("registered_processor_is_listed_once_on_its_service", "there is still exactly one processor of that name", BEYOND)
ANSWER_NAMES_ITS_SERVICE = Rule(
    "registered_processor_names_its_service",
    "Response: the processor (uuid, url, service (the service's uuid), service_name, name, ...)", f"{SEED}; {BEYOND}")
ROUND_TRIP = Rule("statistics_read_back_as_set",
                  "set_statistics replaces the stored value entirely; answers 200 with the whole service", f"{SEED}; {BEYOND}")
MODIFIED_MOVES = Rule("setting_statistics_moves_modified_on",
                      "set_statistics ... replaces the stored value entirely and moves modified", BEYOND)
SUPPORT_MAY_NOT_WRITE = Rule("support_accounts_may_not_change_services",
                             "support (reads everything; ... may not call register_processor/set_statistics)",
                             "docs/sources.md#authentication-and-roles")
NULL_REFUSED = Rule("null_statistics_are_refused", "statistics*, any JSON but not null",
                    "docs/sources.md#where-the-docs-the-notes-and-the-official-clients-disagree (set_statistics body)")
MANAGER_SEES_SERVICES = Rule("the_manager_account_sees_its_services",
                             "WALDUR_TOKEN: an account that manages at least one site-agent service",
                             "docs/sources.md#what-the-suites-judge")
