"""Data-driven conformance: every object the suite can list without filters (all pages, up to a
bound) is validated against its documented schema, one named check per list and account. So a
server whose data never matches the generated filters is still checked object by object."""
from __future__ import annotations

import pytest

from agent_api_contracts.found import list_operations, pages
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.answers import parsed, shown
from agent_api_contracts.rules.lists import LISTED_OBJECTS_CONFORM, LISTS_ARE_ARRAYS
from agent_api_contracts.schemas import operations, validate

pytestmark = pytest.mark.waldur


def accounts(operation_id: str) -> list[str]:
    """Who can list it: both accounts, or only support on support-only operations."""
    if operations("waldur")[operation_id].get("x-required-role") == "support":
        return ["waldur_support"]
    return ["waldur_manager", "waldur_support"]


LISTS = [(path, operation_id, account) for path, operation_id in sorted(list_operations("waldur").items())
         for account in accounts(operation_id)]


def judge_listed_objects(operation_id: str, answers) -> list:
    verdicts = []
    for response in answers:
        items = parsed(response)
        if response.status_code != 200 or not isinstance(items, list):
            verdicts += LISTS_ARE_ARRAYS.judge(False, "200 with a JSON array", shown(response), response)
            continue
        for position, item in enumerate(items):
            errors = validate("waldur", operation_id, 200, [item])
            verdicts += LISTED_OBJECTS_CONFORM.judge(
                not errors, f"object {position} of the page to match the {operation_id} schema",
                f"{'; '.join(error.replace('at /0', 'at ', 1) for error in errors[:5])} in {str(item)[:300]}", response)
    return verdicts


@pytest.mark.parametrize("path,operation_id,account", LISTS, ids=[f"{op}-{account}" for _, op, account in LISTS])
def test_every_listed_object_matches_its_schema(request, account, path, operation_id):
    client = request.getfixturevalue(account)
    enforce(judge_listed_objects(operation_id, pages(client, path)))
