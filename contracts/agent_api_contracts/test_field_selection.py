"""Waldur's `field=`: answers hold only the named fields (beyond the published pages;
docs/sources.md, "Field selection"). Every GET of the spec with a `field`
parameter is checked, with field names drawn from its documented answer."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.discovery import everything
from agent_api_contracts.judges.lists import SELECTABLE
from agent_api_contracts.rules.lists import FIELDS_SELECTED
from agent_api_spec.operations import documented

pytestmark = [pytest.mark.waldur]

# Where a path's {uuid} comes from: (a list to read, the field of its first item).
UUID_SOURCES = {
    "/api/marketplace-orders/{uuid}/": ("/api/marketplace-orders/", "uuid"),
    "/api/marketplace-provider-resources/{uuid}/": ("/api/marketplace-provider-resources/", "uuid"),
    "/api/marketplace-provider-offerings/{uuid}/": ("/api/marketplace-provider-resources/", "offering_uuid"),
    "/api/marketplace-service-providers/{uuid}/keys/": ("/api/marketplace-service-providers/", "uuid"),
    "/api/marketplace-site-agent-identities/{uuid}/": ("/api/marketplace-site-agent-identities/", "uuid"),
}


def selectable_operations():
    """Every GET with a `field` parameter, with the fields its 200 answer documents (as the proxy judges them)."""
    for operation_id, fields in SELECTABLE.items():
        yield pytest.param(documented().by_id(operation_id).template, sorted(fields), id=operation_id)


def concrete_path(client, path: str) -> str:
    if "{uuid}" not in path:
        return path
    if path not in UUID_SOURCES:
        pytest.skip(f"no way known to find an object for {path}")
    source, key = UUID_SOURCES[path]
    found = [item[key] for item in everything(client, source) if item.get(key)]
    if not found:
        pytest.skip(f"WALDUR_TOKEN's account sees nothing at {source}")
    return path.replace("{uuid}", found[0])


@pytest.mark.parametrize(("path", "fields"), list(selectable_operations()))
def test_field_selection_answers_only_the_named_fields(waldur_manager, path, fields):
    url = concrete_path(waldur_manager, path)
    full = waldur_manager.get(url)
    FIELDS_SELECTED.check(full.status_code == 200, f"status {full.status_code} without field=", full)

    @settings(settings.get_profile("contracts"))
    @given(chosen=st.lists(st.sampled_from(fields), min_size=1, max_size=4, unique=True),
           unknown=st.booleans())
    def check(chosen, unknown):
        asked = chosen + (["no_such_field"] if unknown else [])
        selected = waldur_manager.get(url, params={"field": asked})
        FIELDS_SELECTED.check(selected.status_code == 200, f"status {selected.status_code}", selected)
        whole, part = full.json(), selected.json()
        pairs = list(zip(whole, part)) if isinstance(whole, list) else [(whole, part)]
        FIELDS_SELECTED.check(
            not isinstance(whole, list) or len(whole) == len(part), f"{len(part)} objects, {len(whole)} without field=",
            full, selected)
        for every, some in pairs:
            expected = {key: every[key] for key in chosen if key in every}
            documented = {key: value for key, value in some.items() if key in fields}  # extra fields are no concern here
            FIELDS_SELECTED.check(
                documented == expected, f"asked for {asked}: got {sorted(some)}, expected {sorted(expected)}",
                full, selected)

    check()
