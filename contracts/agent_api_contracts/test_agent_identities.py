"""Rules of agent identities and their services: how waldur-site-agent registers itself
(beyond the published pages; docs/sources.md, "Agent identities")."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts import strategies
from agent_api_contracts.discovery import CONNECTION_STATS, SERVICES, everything, manageable_services
from agent_api_contracts.judges.exchanges import Watching
from agent_api_contracts.judges.identities import REGISTER_SERVICE, RegistrationsAreIdempotent
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.identities import (IDENTITY_KEEPS_ITS_OFFERING, IDENTITY_UPDATE_KEEPS_THE_IDENTITY,
                                                  QUEUE_REGISTRATION_IS_IDEMPOTENT,
                                                  REGISTERED_SERVICE_IS_IN_CONNECTION_STATS, REGISTERED_SERVICE_IS_LISTED,
                                                  SERVICE_REGISTRATION_IS_IDEMPOTENT)

pytestmark = [pytest.mark.waldur, pytest.mark.writes]

IDENTITIES = "/api/marketplace-site-agent-identities/"
versions = st.from_regex(r"[0-9]\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True)
modes = st.sampled_from(["order_process", "report", "membership_sync", "event_process"])


def agent_offering(client) -> str:
    """An offering the caller runs agents for: the offering of a service it manages."""
    service = manageable_services(client)[0]
    identity = client.get(f"{IDENTITIES}{service['identity']}/")
    if identity.status_code != 200:
        pytest.skip(f"the identity of service {service['uuid']} is not readable ({identity.status_code})")
    return identity.json()["offering"]


def identities_named(client, name: str) -> list[dict]:
    return everything(client, IDENTITIES, {"name": name})


def register_like_the_agent(client, offering: str, name: str, version: str):
    """What waldur-site-agent 1.0.7 does at start: find its identity by name, then create or update it."""
    body = {"offering": offering, "name": name, "version": version, "dependencies": [], "config_file_path": None,
            "config_file_content": None}
    found = [i for i in identities_named(client, name) if i["offering"] == offering]
    if found:
        return client.put(f"{IDENTITIES}{found[0]['uuid']}/", json=body)
    return client.post(IDENTITIES, json=body)


@settings(settings.get_profile("contracts"))
@given(name=strategies.names, first=versions, second=versions)
def test_an_agent_registering_twice_has_one_identity_with_what_it_said_last(waldur_manager, name, first, second):
    offering = agent_offering(waldur_manager)
    name = strategies.unique(name)

    created = register_like_the_agent(waldur_manager, offering, name, first)
    IDENTITY_UPDATE_KEEPS_THE_IDENTITY.check(
        created.status_code == 201, f"a new name answered {created.status_code}: {created.text[:300]}", created)
    updated = register_like_the_agent(waldur_manager, offering, name, second)
    IDENTITY_UPDATE_KEEPS_THE_IDENTITY.check(
        updated.status_code == 200 and updated.json().get("uuid") == created.json()["uuid"],
        f"re-registering answered {updated.status_code} with uuid {updated.json().get('uuid')!r}, "
        f"the first registration made {created.json()['uuid']!r}", created, updated)

    listed = identities_named(waldur_manager, name)
    IDENTITY_UPDATE_KEEPS_THE_IDENTITY.check(
        [(i["uuid"], i["version"]) for i in listed] == [(created.json()["uuid"], second)],
        f"?name={name!r} lists {[(i['uuid'], i['version']) for i in listed]}, expected one identity "
        f"{created.json()['uuid']!r} with version {second!r}", created, updated)


def test_an_identity_keeps_its_offering(waldur_manager):
    """Waldur: marketplace_site_agent/serializers.py AgentIdentitySerializer.validate_offering."""
    offering = agent_offering(waldur_manager)
    created = waldur_manager.post(IDENTITIES, json={"offering": offering, "name": strategies.unique("agent")})
    IDENTITY_KEEPS_ITS_OFFERING.check(created.status_code == 201, f"create answered {created.status_code}", created)
    others = sorted({r["offering_uuid"] for r in everything(waldur_manager, "/api/marketplace-provider-resources/", {})
                     if hex_form(r["offering_uuid"]) != hex_form(offering)})
    if not others:
        pytest.skip("the target has one offering only")
    moved = waldur_manager.put(f"{IDENTITIES}{created.json()['uuid']}/",
                             json={"offering": others[0], "name": created.json()["name"]})
    IDENTITY_KEEPS_ITS_OFFERING.check(
        moved.status_code == 400 and "offering" in (moved.json() if moved.headers.get("content-type", "").startswith(
            "application/json") else {}),
        f"a PUT onto offering {others[0]} answered {moved.status_code}: {moved.text[:300]}", created, moved)
    read = waldur_manager.get(f"{IDENTITIES}{created.json()['uuid']}/")
    IDENTITY_KEEPS_ITS_OFFERING.check(
        hex_form(read.json()["offering"]) == hex_form(offering),
        f"the identity now names offering {read.json()['offering']!r}", created, moved, read)


def hex_form(uuid: str) -> str:
    return str(uuid).replace("-", "").lower()


def register_service(client, identity: str, name: str, mode: str):
    return client.post(f"{IDENTITIES}{identity}/register_service/", json={"name": name, "mode": mode})


def new_identity(client) -> dict:
    answer = client.post(IDENTITIES, json={"offering": agent_offering(client), "name": strategies.unique("agent")})
    IDENTITY_UPDATE_KEEPS_THE_IDENTITY.check(answer.status_code == 201, f"status {answer.status_code}", answer)
    return answer.json()


@settings(settings.get_profile("contracts"))
@given(name=strategies.names, mode=modes, times=st.integers(2, 4))
def test_registering_a_service_again_answers_the_same_service(waldur_manager, name, mode, times):
    identity = new_identity(waldur_manager)
    name = strategies.unique(name)

    judged = Watching(RegistrationsAreIdempotent())  # as the proxy judges registrations in passing

    first = register_service(waldur_manager, identity["uuid"], name, mode)
    SERVICE_REGISTRATION_IS_IDEMPOTENT.check(
        first.status_code == 201 and first.json().get("name") == name and first.json().get("identity") == identity["uuid"],
        f"a new name answered {first.status_code}: {first.text[:300]}", first)
    enforce(judged(first, REGISTER_SERVICE))
    for _ in range(times - 1):
        again = register_service(waldur_manager, identity["uuid"], name, mode)
        SERVICE_REGISTRATION_IS_IDEMPOTENT.check(again.status_code in (200, 201), f"status {again.status_code}", again)
        enforce(judged(again, REGISTER_SERVICE))

    listed = everything(waldur_manager, SERVICES, {"identity_uuid": identity["uuid"]})
    REGISTERED_SERVICE_IS_LISTED.check(
        [s["uuid"] for s in listed if s["name"] == name] == [first.json()["uuid"]],
        f"the identity's services named {name!r}: {[s['uuid'] for s in listed if s['name'] == name]}", first)
    read = waldur_manager.get(f"{IDENTITIES}{identity['uuid']}/")
    REGISTERED_SERVICE_IS_LISTED.check(
        [s["uuid"] for s in read.json()["services"] if s["name"] == name] == [first.json()["uuid"]],
        f"the identity lists {[s['uuid'] for s in read.json()['services'] if s['name'] == name]}", first, read)


def test_a_registered_service_shows_in_the_connection_stats(waldur_manager, waldur_support):
    identity = new_identity(waldur_manager)
    service = register_service(waldur_manager, identity["uuid"], strategies.unique("order_processing"), "order_process")
    SERVICE_REGISTRATION_IS_IDEMPOTENT.check(service.status_code == 201, f"status {service.status_code}", service)

    stats = waldur_support.get(CONNECTION_STATS)
    agents = [a for a in stats.json().get("agents", []) if a.get("uuid") == identity["uuid"]]
    REGISTERED_SERVICE_IS_IN_CONNECTION_STATS.check(
        len(agents) == 1 and [s["uuid"] for s in agents[0]["services"]] == [service.json()["uuid"]],
        f"the agent in the stats: {agents}", service, stats)


def test_registering_the_queue_again_answers_the_same_queue(waldur_manager):
    """What waldur-site-agent 1.0.7's event_process mode does at each start."""
    identity = new_identity(waldur_manager)
    first = waldur_manager.post(f"{IDENTITIES}{identity['uuid']}/register_queue/", json={})
    if first.status_code == 400 and isinstance(first.json(), list):
        pytest.skip(f"the server's message broker refused the provisioning: {first.text[:200]}")
    body = first.json() if first.status_code == 201 else {}
    QUEUE_REGISTRATION_IS_IDEMPOTENT.check(
        first.status_code == 201 and re.fullmatch(r"consumer_[0-9a-f]{32}", str(body.get("queue_name"))) is not None,
        f"the first registration answered {first.status_code}: {first.text[:300]}", first)
    me = waldur_manager.get("/api/users/me/")
    QUEUE_REGISTRATION_IS_IDEMPOTENT.check(body.get("vhost") == me.json().get("uuid"),
                                           f"vhost {body.get('vhost')!r}, the caller's uuid {me.json().get('uuid')!r}",
                                           first, me)
    again = waldur_manager.post(f"{IDENTITIES}{identity['uuid']}/register_queue/", json={})
    QUEUE_REGISTRATION_IS_IDEMPOTENT.check(
        again.status_code == 200 and again.json() == body,
        f"registering again answered {again.status_code}: {again.text[:300]}", first, again)
