"""Waldur's lists: pagination, filters, ordering, and the objects they hold."""
from agent_api_contracts.rules import Rule

PAGINATION = "docs/sources.md#lists-and-pagination"

PAGE_BOUNDED = Rule("page_size_bounds_the_page", "page_size: default 10, maximum 300", PAGINATION)
COUNT_IS_TOTAL = Rule("result_count_is_the_total", "X-Result-Count: total number of matching objects", PAGINATION)
PAGES_PARTITION = Rule("pages_are_disjoint_and_cover_the_list", "page (1-based) and page_size walk the whole list", PAGINATION)
LINKS_POINT_RIGHT = Rule(
    "link_header_points_to_first_prev_next_last",
    "first and last are always present; prev is absent on page 1 (and drops page when it points at page 1); "
    "next is absent on the last page", PAGINATION)
BAD_PAGE_IS_404 = Rule("a_page_past_the_end_is_404",
                       'A page past the end, page=0 or a non-integer page: 404 {"detail": "Invalid page."}', PAGINATION)
LISTS_ARE_ARRAYS = Rule("lists_answer_a_json_array", "The body is a bare JSON array", PAGINATION)
FILTER_EXACT = Rule("filter_returns_only_and_all_matching_objects",
                    "each filter returns only matching objects and drops none of them",
                    "000_5b7b95424e9abc49.txt, 002_eed0c27112d17246.txt")
ORDERING = Rule("o_orders_by_last_request_timestamp_both_ways", "o = last_request_timestamp or -last_request_timestamp",
                "002_eed0c27112d17246.txt")
LISTED_OBJECTS_CONFORM = Rule("every_listed_object_matches_its_schema",
                              "each object of a list has the documented fields and types",
                              "000_5b7b95424e9abc49.txt, 002_eed0c27112d17246.txt; spec/ (the documented schemas)")
FIELDS_SELECTED = Rule(
    "field_selection_answers_only_the_named_fields",
    "Waldur's field= (repeatable) answers only the named fields of each object; names the object does not "
    "have are ignored", "docs/sources.md#field-selection")
