"""What the agent writes to a resource stays written (beyond the published pages;
docs/sources.md, "Provider resources")."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.discovery import everything
from agent_api_contracts.judges.exchanges import Watching, same_json
from agent_api_contracts.judges.lists import listed_objects_match_the_filters
from agent_api_contracts.judges.resources import RESOURCE_RETRIEVE, RESOURCES_LIST, ResourcesKeepWhatTheAgentSet
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.resources import BACKEND_ID_FILTER_FINDS_IT, RESOURCE_KEEPS_WHAT_THE_AGENT_SETS

pytestmark = [pytest.mark.waldur, pytest.mark.writes]

RESOURCES = "/api/marketplace-provider-resources/"

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

    judged = Watching(ResourcesKeepWhatTheAgentSet(), listed_objects_match_the_filters)  # as the proxy judges them
    enforce(*(judged(write, f"marketplace_provider_resources_{write.request.url.path.rstrip('/').rsplit('/', 1)[-1]}")
              for write in writes))
    read = waldur_manager.get(path)
    RESOURCE_KEEPS_WHAT_THE_AGENT_SETS.check(read.status_code == 200, f"the read answered {read.status_code}", read)
    enforce(judged(read, RESOURCE_RETRIEVE))
    RESOURCE_KEEPS_WHAT_THE_AGENT_SETS.check(
        all(name in read.json() for name in ("backend_id", "limits", "backend_metadata")),
        f"the resource reads without what was set: {read.text[:300]}", *writes, read)
    RESOURCE_KEEPS_WHAT_THE_AGENT_SETS.check(
        same_json(read.json()["limits"], new_limits), f"limits {read.json()['limits']!r}, set {new_limits!r}", writes[1], read)

    found = waldur_manager.get(RESOURCES, params={"backend_id": backend_id})
    enforce(judged(found, RESOURCES_LIST))
    BACKEND_ID_FILTER_FINDS_IT.check(
        resource["uuid"] in [r["uuid"] for r in found.json()],
        f"?backend_id={backend_id!r} lists {[(r['uuid'], r.get('backend_id')) for r in found.json()]}", writes[0], found)
