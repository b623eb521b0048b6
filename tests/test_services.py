"""Site-agent services: what each role lists, every filter, retrieve, register_processor and
set_statistics, and that a refused write changes nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_api import (
    BASE_URL, HEX_UUID, JSON_VALUES, OWNER, PERMISSION_DENIED, PROPERTIES, SERVICE_NOT_FOUND, SERVICES, STAFF, SUPPORT, USER,
    WALDUR_TIME, by_created, hyphenated, list_everything, load_state, owned_and_foreign, service_path,
    services_of, state_of, when,
)
from agent_api_mock.resources.services import SERVICE_STATES

STATE_CODES = {label: code for code, label in SERVICE_STATES.items()}


def listed_uuids(client, headers=STAFF, **params) -> list[str]:
    return [service["uuid"] for service in list_everything(client, SERVICES, headers, **params)]


def register(client, uuid, headers=STAFF, **body):
    return client.post(service_path(uuid, "register_processor"), headers=headers, json=body)


def set_statistics(client, uuid, statistics, headers=STAFF):
    return client.post(service_path(uuid, "set_statistics"), headers=headers, json={"statistics": statistics})


@pytest.fixture
def service(seed) -> dict:
    """A service of the owner's customer that already has a processor."""
    own, _ = owned_and_foreign(seed)
    return next(service for service in services_of(seed, own) if service["processors"])


@pytest.fixture
def foreign_service(seed) -> dict:
    _, foreign = owned_and_foreign(seed)
    return services_of(seed, foreign)[0]


# --- listing -------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [STAFF, SUPPORT], ids=["staff", "support"])
def test_staff_and_support_list_every_service_ordered_by_created(client, seed, headers):
    assert listed_uuids(client, headers) == by_created(seed["services"])


def test_an_owner_lists_exactly_the_services_of_its_customers_offerings(client, seed):
    own, _ = owned_and_foreign(seed)
    assert listed_uuids(client, OWNER) == by_created(services_of(seed, own))
    assert 0 < len(services_of(seed, own)) < len(seed["services"])


def test_a_user_without_permissions_lists_nothing(client):
    answer = client.get(SERVICES, headers=USER)
    assert answer.status_code == 200
    assert answer.json() == []
    assert answer.headers["X-Result-Count"] == "0"


def test_a_listed_service_has_the_documented_wire_format(client, seed):
    identities = {identity["uuid"]: identity for identity in seed["identities"]}
    for service in list_everything(client, SERVICES, STAFF):
        assert HEX_UUID.match(service["uuid"])
        assert service["url"] == f"{BASE_URL}{service_path(service['uuid'])}"
        assert service["identity"] in identities
        assert service["identity_name"] == identities[service["identity"]]["name"]
        assert service["state"] in STATE_CODES
        assert WALDUR_TIME.match(service["created"]) and WALDUR_TIME.match(service["modified"])
        for processor in service["processors"]:
            assert HEX_UUID.match(processor["uuid"])
            assert processor["url"].startswith(BASE_URL) and processor["url"].endswith(f"/{processor['uuid']}/")
            assert processor["last_run"] is None or WALDUR_TIME.match(processor["last_run"])


def test_a_listed_service_shows_what_the_state_holds(client, seed):
    listed = {service["uuid"]: service for service in list_everything(client, SERVICES, STAFF)}
    for stored in seed["services"]:
        shown = listed[stored["uuid"]]
        for field in ("identity", "name", "mode", "state", "statistics", "created", "modified"):
            assert shown[field] == stored[field], field
        assert [p["name"] for p in shown["processors"]] == [p["name"] for p in stored["processors"]]


# --- filters -------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", [str, hyphenated, str.upper], ids=["hex", "hyphenated", "uppercase"])
def test_identity_uuid_filter_takes_any_uuid_spelling(client, seed, spelling):
    for identity in seed["identities"]:
        expected = by_created([s for s in seed["services"] if s["identity"] == identity["uuid"]])
        assert listed_uuids(client, identity_uuid=spelling(identity["uuid"])) == expected


def test_identity_uuid_filter_refuses_a_value_that_is_no_uuid(client):
    answer = client.get(SERVICES, headers=STAFF, params={"identity_uuid": "not-a-uuid"})
    assert answer.status_code == 400
    assert answer.json() == {"identity_uuid": ["Enter a valid UUID."]}


def test_mode_filter_matches_exactly(client, seed):
    modes = {service["mode"] for service in seed["services"] if service["mode"]}
    assert len(modes) >= 3
    for mode in modes:
        assert listed_uuids(client, mode=mode) == by_created([s for s in seed["services"] if s["mode"] == mode])
    some_mode = sorted(modes)[0]
    assert listed_uuids(client, mode=some_mode.upper()) == []
    assert listed_uuids(client, mode=some_mode[:-1]) == []


@pytest.mark.parametrize("code", sorted(SERVICE_STATES))
def test_state_filter_takes_the_numeric_code(client, seed, code):
    expected = by_created([s for s in seed["services"] if s["state"] == SERVICE_STATES[code]])
    assert expected
    assert listed_uuids(client, state=code) == expected


def test_state_filter_repeats_for_several_states(client, seed):
    wanted = {SERVICE_STATES[1], SERVICE_STATES[3]}
    expected = by_created([s for s in seed["services"] if s["state"] in wanted])
    assert listed_uuids(client, state=[1, 3]) == expected


@pytest.mark.parametrize(("query", "invalid"), [
    ({"state": 7}, "7"),
    ({"state": "Active"}, "Active"),
    ({"state": 0}, "0"),
    ({"state": [1, 7]}, "7"),  # the message names the value that is not a choice
])
def test_state_filter_refuses_anything_but_the_codes(client, query, invalid):
    answer = client.get(SERVICES, headers=STAFF, params=query)
    assert answer.status_code == 400
    assert answer.json() == {"state": [f"Select a valid choice. {invalid} is not one of the available choices."]}


def test_modified_after_and_before_bound_the_modification_time_inclusively(client, seed):
    moments = sorted(when(service["modified"]) for service in seed["services"])
    middle = moments[len(moments) // 2]

    def modified(test):
        return by_created([s for s in seed["services"] if test(when(s["modified"]))])

    assert listed_uuids(client, modified_after=middle.isoformat()) == modified(lambda m: m >= middle)
    assert listed_uuids(client, modified_before=middle.isoformat()) == modified(lambda m: m <= middle)
    both = listed_uuids(client, modified_after=middle.isoformat(), modified_before=middle.isoformat())
    assert both == modified(lambda m: m == middle) and len(both) >= 1


def test_modified_filters_take_a_z_suffix(client, seed):
    earliest = min(when(service["modified"]) for service in seed["services"])
    zulu = earliest.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert len(listed_uuids(client, modified_after=zulu)) == len(seed["services"])


@pytest.mark.parametrize("name", ["modified_after", "modified_before"])
def test_modified_filters_refuse_what_is_no_date_time(client, name):
    answer = client.get(SERVICES, headers=STAFF, params={name: "yesterday"})
    assert answer.status_code == 400
    assert answer.json() == {name: ["Enter a valid date/time."]}


def test_stale_filter_splits_on_24_hours_without_modification(client, seed):
    now = datetime.now(timezone.utc)
    assert all(when(s["modified"]) < now - timedelta(hours=24) for s in seed["services"]), "the seed is old"
    fresh = seed["services"][0]["uuid"]
    assert set_statistics(client, fresh, {"fresh": True}).status_code == 200
    everyone_else = [uuid for uuid in by_created(seed["services"]) if uuid != fresh]
    assert listed_uuids(client, stale="false") == [fresh]
    assert listed_uuids(client, stale="true") == everyone_else


def test_stale_filter_ignores_values_that_are_no_boolean(client, seed):
    assert listed_uuids(client, stale="maybe") == by_created(seed["services"])


def test_filters_combine(client, seed):
    identity = seed["identities"][0]["uuid"]
    expected = by_created([s for s in seed["services"] if s["identity"] == identity and s["state"] == SERVICE_STATES[1]])
    assert expected
    assert listed_uuids(client, identity_uuid=identity, state=1) == expected


def test_filters_apply_within_what_the_caller_may_see(client, seed):
    own, foreign = owned_and_foreign(seed)
    foreign_identity = next(i["uuid"] for i in seed["identities"] if i["offering"] in foreign)
    assert listed_uuids(client, OWNER, identity_uuid=foreign_identity) == []
    assert listed_uuids(client, STAFF, identity_uuid=foreign_identity) != []


# --- retrieve ------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", [str, hyphenated, str.upper], ids=["hex", "hyphenated", "uppercase"])
def test_retrieve_takes_any_uuid_spelling(client, service, spelling):
    answer = client.get(service_path(spelling(service["uuid"])), headers=STAFF)
    assert answer.status_code == 200
    assert answer.json()["uuid"] == service["uuid"]
    assert answer.json()["name"] == service["name"]


def test_retrieve_answers_what_the_list_shows(client, seed):
    for listed in list_everything(client, SERVICES, STAFF):
        assert client.get(service_path(listed["uuid"]), headers=STAFF).json() == listed


@pytest.mark.parametrize("uuid", ["0" * 32, "not-a-uuid", "1234"])
def test_retrieve_of_no_such_service_is_404(client, uuid):
    answer = client.get(service_path(uuid), headers=STAFF)
    assert answer.status_code == 404
    assert answer.json() == SERVICE_NOT_FOUND


def test_an_owner_cannot_see_another_customers_service(client, foreign_service):
    answer = client.get(service_path(foreign_service["uuid"]), headers=OWNER)
    assert answer.status_code == 404
    assert answer.json() == SERVICE_NOT_FOUND


# --- register_processor --------------------------------------------------------------------

def test_registering_a_new_processor_creates_it(client, service):
    answer = register(client, hyphenated(service["uuid"]), name="new-processor", backend_type="SLURM",
                      backend_version="23.11")
    assert answer.status_code == 201
    processor = answer.json()
    assert processor["name"] == "new-processor"
    assert processor["backend_type"] == "SLURM" and processor["backend_version"] == "23.11"
    assert processor["service"] == service["uuid"] and processor["service_name"] == service["name"]
    assert processor["last_run"] is None
    assert HEX_UUID.match(processor["uuid"])
    assert WALDUR_TIME.match(processor["created"]) and processor["created"] == processor["modified"]
    listed = client.get(service_path(service["uuid"]), headers=STAFF).json()["processors"]
    assert [p["uuid"] for p in listed if p["name"] == "new-processor"] == [processor["uuid"]]
    assert len(listed) == len(service["processors"]) + 1


def test_backend_version_is_optional_and_nullable(client, service):
    assert register(client, service["uuid"], name="a", backend_type="SLURM").json()["backend_version"] is None
    answer = register(client, service["uuid"], name="b", backend_type="SLURM", backend_version=None)
    assert answer.status_code == 201 and answer.json()["backend_version"] is None


def test_registering_a_known_name_updates_that_processor(client, service):
    known = service["processors"][0]
    answer = register(client, service["uuid"], name=known["name"], backend_type="Rancher", backend_version="9.9")
    assert answer.status_code == 200
    updated = answer.json()
    assert updated["uuid"] == known["uuid"]
    assert (updated["backend_type"], updated["backend_version"]) == ("Rancher", "9.9")
    assert updated["created"] == known["created"]
    assert when(updated["modified"]) > when(known["modified"])
    assert updated["last_run"] is not None
    assert abs(when(updated["last_run"]) - datetime.now(timezone.utc)) < timedelta(minutes=1)
    processors = client.get(service_path(service["uuid"]), headers=STAFF).json()["processors"]
    assert [p["uuid"] for p in processors if p["name"] == known["name"]] == [known["uuid"]]
    assert len(processors) == len(service["processors"])


def test_each_update_moves_last_run_and_modified_on(client, service):
    name = service["processors"][0]["name"]
    first = register(client, service["uuid"], name=name, backend_type="SLURM").json()
    second = register(client, service["uuid"], name=name, backend_type="SLURM").json()
    assert when(second["last_run"]) > when(first["last_run"])
    assert when(second["modified"]) > when(first["modified"])


def test_processor_names_are_per_service(client, seed):
    first, second = seed["services"][0]["uuid"], seed["services"][1]["uuid"]
    one = register(client, first, name="shared-name", backend_type="SLURM")
    other = register(client, second, name="shared-name", backend_type="SLURM")
    assert one.status_code == other.status_code == 201
    assert one.json()["uuid"] != other.json()["uuid"]


# Texts DRF keeps as sent: no surrounding white space (it is trimmed), no NUL (refused).
NAMES = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=1,
                max_size=40).filter(lambda text: text.strip() == text)
BACKEND_TYPES = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=1,
                        max_size=100).filter(lambda text: text.strip() == text)


@PROPERTIES
@given(name=NAMES, first_type=BACKEND_TYPES, second_type=BACKEND_TYPES)
def test_any_name_registers_once_then_updates(client, service, name, first_type, second_type):
    uuid = service["uuid"]
    existed = any(p["name"] == name for p in client.get(service_path(uuid), headers=STAFF).json()["processors"])
    first = register(client, uuid, name=name, backend_type=first_type)
    again = register(client, uuid, name=name, backend_type=second_type)
    assert first.status_code == (200 if existed else 201)
    assert again.status_code == 200
    assert again.json()["uuid"] == first.json()["uuid"]
    assert again.json()["backend_type"] == second_type
    processors = client.get(service_path(uuid), headers=STAFF).json()["processors"]
    assert [p["uuid"] for p in processors if p["name"] == name] == [first.json()["uuid"]]


def test_register_processor_trims_surrounding_white_space_like_drf(client, service):
    answer = register(client, service["uuid"], name="  padded name \t", backend_type=" SLURM ")
    assert answer.status_code == 201
    assert (answer.json()["name"], answer.json()["backend_type"]) == ("padded name", "SLURM")


@pytest.mark.parametrize(("body", "errors"), [
    ({"name": "   ", "backend_type": "SLURM"}, {"name": ["This field may not be blank."]}),
    ({"name": "a\x00b", "backend_type": "SLURM"}, {"name": ["Null characters are not allowed."]}),
    ({}, {"name": ["This field is required."], "backend_type": ["This field is required."]}),
    ({"backend_type": "SLURM"}, {"name": ["This field is required."]}),
    ({"name": "", "backend_type": "SLURM"}, {"name": ["This field may not be blank."]}),
    ({"name": None, "backend_type": "SLURM"}, {"name": ["This field may not be null."]}),
    ({"name": "p", "backend_type": "x" * 101}, {"backend_type": ["Ensure this field has no more than 100 characters."]}),
    ({"name": "p", "backend_type": "SLURM", "backend_version": "v" * 101},
     {"backend_version": ["Ensure this field has no more than 100 characters."]}),
    (["name", "backend_type"], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
])
def test_register_processor_refuses_an_invalid_body_field_by_field(client, service, body, errors):
    before = state_of(client)
    answer = client.post(service_path(service["uuid"], "register_processor"), headers=STAFF, json=body)
    assert answer.status_code == 400
    assert answer.json() == errors
    assert state_of(client) == before


def test_an_owner_registers_processors_on_its_customers_services(client, service):
    assert register(client, service["uuid"], OWNER, name="owned", backend_type="SLURM").status_code == 201


# --- set_statistics ------------------------------------------------------------------------

def test_set_statistics_replaces_the_whole_value_and_moves_modified_on(client, service):
    first = set_statistics(client, service["uuid"], {"a": 1, "nested": {"b": 2}})
    assert first.status_code == 200
    assert first.json()["statistics"] == {"a": 1, "nested": {"b": 2}}
    assert when(first.json()["modified"]) > when(service["modified"])
    second = set_statistics(client, service["uuid"], {"c": 3})
    assert second.json()["statistics"] == {"c": 3}
    assert when(second.json()["modified"]) > when(first.json()["modified"])
    assert client.get(service_path(service["uuid"]), headers=STAFF).json()["statistics"] == {"c": 3}


def test_set_statistics_answers_the_whole_service(client, service):
    answer = set_statistics(client, hyphenated(service["uuid"]), {"x": 1})
    retrieved = client.get(service_path(service["uuid"]), headers=STAFF).json()
    assert answer.json() == retrieved


@pytest.mark.parametrize("value", [{}, [], [1, "two", None], "text", "", 0, -1.5, 10**20, True, False,
                                   {"deep": {"deeper": [{"deepest": None}]}}],
                         ids=repr)
def test_set_statistics_stores_any_json_value_but_null(client, service, value):
    answer = set_statistics(client, service["uuid"], value)
    assert answer.status_code == 200
    assert answer.json()["statistics"] == value
    assert client.get(service_path(service["uuid"]), headers=STAFF).json()["statistics"] == value


ANY_STATISTICS = JSON_VALUES.filter(lambda value: value is not None)


@PROPERTIES
@given(value=ANY_STATISTICS)
def test_any_json_statistics_round_trip(client, service, value):
    answer = set_statistics(client, service["uuid"], value)
    assert answer.status_code == 200, answer.text
    assert answer.json()["statistics"] == value
    assert client.get(service_path(service["uuid"]), headers=STAFF).json()["statistics"] == value


@pytest.mark.parametrize(("body", "errors"), [
    ({"statistics": None}, {"statistics": ["This field may not be null."]}),
    ({}, {"statistics": ["This field is required."]}),
    ({"stats": {"a": 1}}, {"statistics": ["This field is required."]}),
])
def test_set_statistics_refuses_null_and_missing_statistics(client, service, body, errors):
    before = state_of(client)
    answer = client.post(service_path(service["uuid"], "set_statistics"), headers=STAFF, json=body)
    assert answer.status_code == 400
    assert answer.json() == errors
    assert state_of(client) == before


def test_an_owner_sets_statistics_of_its_customers_services(client, service):
    assert set_statistics(client, service["uuid"], {"by": "owner"}, OWNER).status_code == 200


def test_writes_are_visible_in_the_state_dump(client, service):
    register(client, service["uuid"], name="dumped", backend_type="SLURM")
    set_statistics(client, service["uuid"], {"dumped": True})
    stored = next(s for s in state_of(client)["services"] if s["uuid"] == service["uuid"])
    assert stored["statistics"] == {"dumped": True}
    assert "dumped" in [p["name"] for p in stored["processors"]]


# --- refused writes ------------------------------------------------------------------------

VALID_BODIES = {
    "set_statistics": b'{"statistics": {"refused": true}}',
    "register_processor": b'{"name": "refused", "backend_type": "SLURM"}',
}
REFUSED_WRITES = {
    # case: (caller, whose service, content type, body sent, status, answer)
    "support may not write": (SUPPORT, "own", "application/json", "valid", 403, PERMISSION_DENIED),
    "an owner cannot see another customer's service": (OWNER, "foreign", "application/json", "valid", 404,
                                                        SERVICE_NOT_FOUND),
    "a user sees no service": (USER, "own", "application/json", "valid", 404, SERVICE_NOT_FOUND),
    "plain text is no accepted media type": (STAFF, "own", "text/plain", "valid", 415,
                                             {"detail": 'Unsupported media type "text/plain" in request.'}),
    "a truncated JSON body": (STAFF, "own", "application/json", "truncated", 400, None),
}


@pytest.mark.parametrize("action", sorted(VALID_BODIES))
@pytest.mark.parametrize("case", REFUSED_WRITES)
def test_a_refused_write_changes_nothing(client, service, foreign_service, case, action):
    headers, whose, content_type, sent, status, error = REFUSED_WRITES[case]
    uuid = service["uuid"] if whose == "own" else foreign_service["uuid"]
    body = VALID_BODIES[action] if sent == "valid" else VALID_BODIES[action][:-5]
    before = state_of(client)
    answer = client.post(service_path(uuid, action), headers={**headers, "Content-Type": content_type}, content=body)
    assert answer.status_code == status
    if error is not None:
        assert answer.json() == error
    else:
        assert answer.json()["detail"].startswith("JSON parse error - ")
    assert state_of(client) == before


def test_permission_is_checked_before_the_body(client, service, foreign_service):
    """As in DRF: the object is found (404) and permissions checked (403) before the body is read."""
    assert client.post(service_path(service["uuid"], "set_statistics"), headers=SUPPORT, json={}).status_code == 403
    assert client.post(service_path(foreign_service["uuid"], "set_statistics"), headers=OWNER,
                       json={}).status_code == 404


def test_services_of_a_loaded_state_are_listed(client, seed):
    """What /__admin/state loads is what the API answers."""
    trimmed = {**seed, "services": seed["services"][:2]}
    load_state(client, trimmed)
    assert listed_uuids(client) == by_created(trimmed["services"])


# --- a processor's own url -------------------------------------------------------------------

PROCESSOR_NOT_FOUND = {"detail": "No AgentProcessor matches the given query."}


def processors_with_services(state: dict) -> list[tuple[dict, dict]]:
    return [(service, processor) for service in state["services"] for processor in service["processors"]]


@pytest.mark.parametrize("role", ["staff", "support", "owner"])
def test_a_processors_url_answers_the_processor_to_whoever_sees_its_service(client, seed, role):
    headers = {"staff": STAFF, "support": SUPPORT, "owner": OWNER}[role]
    visible = {s["uuid"] for s in list_everything(client, SERVICES, headers)}
    for service in client.get(SERVICES, headers=headers, params={"page_size": 300}).json():
        for processor in service["processors"]:
            answer = client.get(processor["url"].removeprefix(BASE_URL), headers=headers)
            assert answer.status_code == 200, processor["url"]
            assert answer.json() == {**processor, "service": service["uuid"], "service_name": service["name"]}
            assert service["uuid"] in visible


def test_a_processor_of_a_service_the_caller_cannot_see_is_404(client, seed):
    owned, foreign = owned_and_foreign(seed)
    foreign_processors = [p for s, p in processors_with_services({**seed, "services": services_of(seed, foreign)})]
    assert foreign_processors, "the built-in data has a processor outside the owner's offerings"
    for processor in foreign_processors:
        path = f"/api/marketplace-site-agent-processors/{processor['uuid']}/"
        assert client.get(path, headers=OWNER).json() == PROCESSOR_NOT_FOUND
        assert client.get(path, headers=USER).status_code == 404
        assert client.get(path, headers=STAFF).status_code == 200


def test_a_registered_processor_is_retrievable_at_its_url_in_either_uuid_spelling(client, seed):
    service = seed["services"][0]
    created = client.post(service_path(service["uuid"], "register_processor"), headers=STAFF,
                          json={"name": "retrievable", "backend_type": "SLURM"}).json()
    assert client.get(created["url"].removeprefix(BASE_URL), headers=STAFF).json() == created
    hyphens = f"/api/marketplace-site-agent-processors/{hyphenated(created['uuid'])}/"
    assert client.get(hyphens, headers=STAFF).json() == created
    assert client.get(f"/api/marketplace-site-agent-processors/{'0' * 32}/", headers=STAFF).json() == PROCESSOR_NOT_FOUND
