"""What Waldur lets an offering manager (OFFERING.MANAGER on an offering) do with its offering's
agents: marketplace_site_agent/views.py resolve_offering_agent_authorization, branch 3
(OFFERING.UPDATE on the offering). Needs WALDUR_OFFERING_MANAGER_TOKEN; skipped without it."""
from __future__ import annotations

import pytest

from agent_api_contracts.discovery import everything
from agent_api_contracts.rules.answers import shown
from agent_api_contracts.rules.access import OFFERING_MANAGER_MANAGES_AGENTS

pytestmark = [pytest.mark.waldur, pytest.mark.writes]
IDENTITIES = "/api/marketplace-site-agent-identities/"


def managed_offering(client) -> str:
    """The first offering /api/users/me/ lists an OFFERING.MANAGER role on."""
    me = client.get("/api/users/me/")
    roles = me.json().get("permissions", []) if me.status_code == 200 else []
    offering = next((p.get("scope_uuid") for p in roles if p.get("role_name") == "OFFERING.MANAGER"), None)
    OFFERING_MANAGER_MANAGES_AGENTS.check(
        offering is not None, f"WALDUR_OFFERING_MANAGER_TOKEN's /api/users/me/ lists no OFFERING.MANAGER role: "
        f"{shown(me)}", me)
    return offering


def test_an_offering_manager_registers_its_offerings_agent(waldur_offering_manager):
    offering = managed_offering(waldur_offering_manager)
    seen = waldur_offering_manager.get(f"/api/marketplace-provider-offerings/{offering}/")
    OFFERING_MANAGER_MANAGES_AGENTS.check(seen.status_code == 200, f"its offering answered {shown(seen)}", seen)
    created = waldur_offering_manager.post(IDENTITIES, json={
        "offering": offering, "name": "contract-offering-manager-agent", "version": "1.0.7",
        "last_restarted": "2025-02-01T10:00:00Z", "dependencies": []})
    OFFERING_MANAGER_MANAGES_AGENTS.check(created.status_code in (200, 201),
                                          f"registering an identity answered {shown(created)}", created)
    identity = created.json()["uuid"]
    service = waldur_offering_manager.post(f"{IDENTITIES}{identity}/register_service/",
                                           json={"name": "contract-offering-manager", "mode": "report"})
    OFFERING_MANAGER_MANAGES_AGENTS.check(service.status_code in (200, 201),
                                          f"register_service answered {shown(service)}", created, service)
    listed = waldur_offering_manager.get(IDENTITIES, params={"offering_uuid": offering})
    # every page: on a server that keeps its state (staging), earlier runs' identities come first
    every_identity = [i.get("uuid") for i in everything(waldur_offering_manager, IDENTITIES, {"offering_uuid": offering})]
    OFFERING_MANAGER_MANAGES_AGENTS.check(
        listed.status_code == 200 and identity in every_identity,
        f"the identity is not in its offering's list: {shown(listed)}", created, listed)
