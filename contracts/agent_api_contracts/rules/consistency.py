"""Reads that must agree with each other."""
from agent_api_contracts.rules import Rule

LIST_AGREES_WITH_RETRIEVE = Rule("list_and_retrieve_agree", "list and retrieve answer the same representation of an object",
                                 "000_5b7b95424e9abc49.txt, 002_eed0c27112d17246.txt: the same fields for both")
URL_NAMES_ITS_OBJECT = Rule("url_resolves_to_the_object_it_names", "url fields are absolute URLs of the object",
                            "docs/sources.md#wire-formats")
HYPHENATED_PATHS = Rule("uuids_in_paths_work_with_or_without_hyphens",
                        "every {uuid} path parameter must accept both forms (the official client sends hyphens)",
                        "docs/sources.md#wire-formats")
BUILT_FROM_CURRENT_STATE = Rule("connection_stats_show_the_current_services",
                                "For each agent identity, provides: ... Services and their states", "001_9ef0908d22537e32.txt")
SUMMARY_ADDS_UP = Rule("connection_stats_summary_counts_the_agents",
                       "summary: total_agents, connected_agents, disconnected_agents", "001_9ef0908d22537e32.txt")
