"""What the agent writes to a resource stays written (beyond the published pages;
docs/sources.md, "Provider resources")."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.discovery import everything
from agent_api_contracts.evidence import Rule

pytestmark = [pytest.mark.waldur, pytest.mark.writes]

RESOURCES = "/api/marketplace-provider-resources/"
SOURCE = "docs/sources.md#provider-resources"

RESOURCE_KEEPS_WHAT_THE_AGENT_SETS = Rule(
    "resource_keeps_what_the_agent_sets",
    "A resource keeps the backend_id, limits and backend metadata the agent sets", SOURCE)
BACKEND_ID_FILTER_FINDS_IT = Rule(
    "backend_id_filter_finds_the_resource",
    "?backend_id= lists only resources with exactly this backend id", SOURCE)

backend_ids = st.from_regex(r"[a-z][a-z0-9_-]{0,30}", fullmatch=True)
limits = st.dictionaries(st.sampled_from(["cpu", "mem", "gpu", "storage"]), st.integers(0, 10**6), min_size=1)
metadata_texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00", exclude_categories=["Cs"]), max_size=12)
backend_metadata = st.fixed_dictionaries({"state": metadata_texts, "runtime_state": metadata_texts,
                                          "action": metadata_texts, "instance_name": st.none() | metadata_texts})


def a_provided_resource(client) -> dict:
    resources = everything(client, RESOURCES)
    if not resources:
        pytest.skip("WALDUR_TOKEN's account provides no resource")
    return resources[0]


@settings(settings.get_profile("contracts"))
@given(backend_id=backend_ids, new_limits=limits, metadata=backend_metadata)
def test_a_resource_reads_back_what_the_agent_set(waldur_manager, backend_id, new_limits, metadata):
    resource = a_provided_resource(waldur_manager)
    path = f"{RESOURCES}{resource['uuid']}/"
    writes = [
        waldur_manager.post(f"{path}set_backend_id/", json={"backend_id": backend_id}),
        waldur_manager.post(f"{path}set_limits/", json={"limits": new_limits}),
        waldur_manager.post(f"{path}set_backend_metadata/", json={"backend_metadata": metadata}),
    ]
    for write in writes:
        RESOURCE_KEEPS_WHAT_THE_AGENT_SETS.check(
            write.status_code == 200 and isinstance(write.json().get("status"), str),
            f"{write.request.url.path} answered {write.status_code}: {write.text[:300]}", write)

    read = waldur_manager.get(path)
    body = read.json()
    RESOURCE_KEEPS_WHAT_THE_AGENT_SETS.check(
        body.get("backend_id") == backend_id, f"backend_id {body.get('backend_id')!r}, set {backend_id!r}",
        writes[0], read)
    RESOURCE_KEEPS_WHAT_THE_AGENT_SETS.check(
        body.get("limits") == new_limits, f"limits {body.get('limits')!r}, set {new_limits!r}", writes[1], read)
    kept = {key: body.get("backend_metadata", {}).get(key) for key in metadata}
    RESOURCE_KEEPS_WHAT_THE_AGENT_SETS.check(
        kept == metadata, f"backend_metadata {body.get('backend_metadata')!r}, set {metadata!r}", writes[2], read)

    found = waldur_manager.get(RESOURCES, params={"backend_id": backend_id})
    BACKEND_ID_FILTER_FINDS_IT.check(
        resource["uuid"] in [r["uuid"] for r in found.json()]
        and all(r.get("backend_id") == backend_id for r in found.json()),
        f"?backend_id={backend_id!r} lists {[(r['uuid'], r.get('backend_id')) for r in found.json()]}", writes[0], found)
