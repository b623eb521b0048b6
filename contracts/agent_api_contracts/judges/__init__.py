"""Judges of the documented rules over observed exchanges, shared by the active suites (which
feed them the answers they get) and the validating proxy (which feeds them passing traffic).
exchanges.py says what a judge is; each other module judges one family of agent_api_contracts.rules."""
from __future__ import annotations

from agent_api_contracts.judges.access import (AccountsKeepToTheirRoles, OfferingManagersReachTheirOfferingsAgents,
                                               anonymous_requests_are_refused)
from agent_api_contracts.judges.consistency import ServicesShowWhatWasWritten, connection_summary_counts_the_agents
from agent_api_contracts.judges.identities import RegistrationsAreIdempotent
from agent_api_contracts.judges.lists import (FilteredListsDropNothing, PagesAreDisjoint, listed_objects_match_the_filters,
                                              listed_statuses_follow_o, pages_agree_with_their_count_and_links,
                                              selected_fields_only)
from agent_api_contracts.judges.orders import OrdersMoveAsTheMachineAllows
from agent_api_contracts.judges.prefactor import AgentsAreFreshOrReplayed, created_agent_is_new_and_named_as_sent
from agent_api_contracts.judges.resources import ResourcesKeepWhatTheAgentSet
from agent_api_contracts.judges.services import (ProcessorsKeepTheirUuid, registered_processor_names_its_service,
                                                 set_statistics_answers_what_was_set)


def rule_judges() -> list:
    """A fresh set: the sequence judges hold what they remember."""
    return [anonymous_requests_are_refused, pages_agree_with_their_count_and_links, listed_objects_match_the_filters,
            listed_statuses_follow_o, selected_fields_only, set_statistics_answers_what_was_set,
            registered_processor_names_its_service, created_agent_is_new_and_named_as_sent,
            connection_summary_counts_the_agents, AccountsKeepToTheirRoles(), OfferingManagersReachTheirOfferingsAgents(),
            PagesAreDisjoint(), FilteredListsDropNothing(), ProcessorsKeepTheirUuid(), ServicesShowWhatWasWritten(),
            AgentsAreFreshOrReplayed(), OrdersMoveAsTheMachineAllows(), ResourcesKeepWhatTheAgentSet(),
            RegistrationsAreIdempotent()]
