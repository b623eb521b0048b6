"""How values look on the wire: uuids in both spellings, Waldur's times, Prefactor's ids, and
JSON for anything a client may have sent."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_api import DRF_TIME, PREFACTOR_ID, STAFF, json_containers, service_path
from agent_api_mock.wire import (CROCKFORD, json_bytes, normalize_uuid, parse_time, prefactor_id, prefactor_partition,
                                 prefactor_time, waldur_time)


@given(st.uuids())
def test_a_uuid_in_any_spelling_normalizes_to_32_lowercase_hex_digits(value):
    assert normalize_uuid(value.hex) == normalize_uuid(str(value)) == normalize_uuid(str(value).upper()) == value.hex


@pytest.mark.parametrize("value", ["", "abc", "0" * 31, "0" * 33, "g" * 32, None, 42, uuid.UUID(int=0).hex + "-"])
def test_what_is_no_uuid_normalizes_to_none(value):
    assert normalize_uuid(value) is None


@given(st.datetimes(timezones=st.just(timezone.utc)))
def test_waldur_times_are_written_as_drf_writes_them_and_read_back(moment):
    text = waldur_time(moment)
    assert DRF_TIME.match(text)
    assert parse_time(text) == moment


@pytest.mark.parametrize(("moment", "text"), [
    (datetime(2025, 1, 6, 9, 0, 0, 123456, tzinfo=timezone.utc), "2025-01-06T09:00:00.123456Z"),
    (datetime(2025, 1, 6, 9, 0, 0, tzinfo=timezone.utc), "2025-01-06T09:00:00Z"),
    (datetime(2025, 1, 6, 11, 0, 0, 5, tzinfo=timezone(timedelta(hours=2))), "2025-01-06T09:00:00.000005Z"),
])
def test_a_waldur_time_is_utc_with_z_and_no_microseconds_when_they_are_zero(moment, text):
    assert waldur_time(moment) == text


def test_answers_carry_drf_times(client, seed):
    service = seed["services"][0]
    answer = client.post(service_path(service["uuid"], "register_processor"), headers=STAFF,
                         json={"name": "timed", "backend_type": "SLURM"}).json()
    assert DRF_TIME.match(answer["created"]) and answer["created"] == answer["modified"]
    listed = client.get(service_path(service["uuid"]), headers=STAFF).json()
    assert all(DRF_TIME.match(listed[field]) for field in ("created", "modified"))
    assert seed["services"][0]["created"].endswith("Z"), "the state dump writes them so too"


def test_times_without_an_offset_are_utc():
    assert parse_time("2025-01-01T00:00:00") == datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert parse_time("2025-01-01T02:00:00+02:00") == datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert parse_time("2025-01-01T00:00:00Z") - parse_time("2024-12-31T23:00:00Z") == timedelta(hours=1)


@given(st.integers(min_value=0, max_value=2**30 - 1))
def test_minted_prefactor_ids_have_the_documented_shape_and_keep_their_partition(partition):
    minted = prefactor_id(partition)
    assert PREFACTOR_ID.match(minted)
    assert prefactor_partition(minted) == partition


def test_ids_minted_together_are_distinct():
    minted = {prefactor_id(7) for _ in range(2000)}
    assert len(minted) == 2000


def test_the_documented_example_ids_share_their_partition():
    examples = ["013xrzp12g3nqk8nx0y2vfkg4s3jp2qr", "013xrzp12g3nqk8n1c7ht0mw5qzs9b4e", "013xrzp12g3nqk8n2d8jv1nx6rat0c5f"]
    assert len({prefactor_partition(example) for example in examples}) == 1


@pytest.mark.parametrize("value", [10**30, -(10**25), "\ud800", {"\udfff": [2**64]}], ids=repr)
def test_json_bytes_writes_what_a_client_may_have_sent(value):
    assert json.loads(json_bytes(value)) == value


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(), json_containers, max_leaves=10))
def test_json_bytes_round_trips_any_json_value(value):
    assert json.loads(json_bytes(value), parse_constant=refuse) == value


def refuse(constant: str):
    raise AssertionError(f"{constant} is not JSON")


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.none() | st.just(timezone.utc)))
def test_prefactor_times_are_written_with_microseconds_and_z_as_strftime_writes_them(moment):
    assert prefactor_time(moment) == moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@given(st.integers(min_value=0, max_value=2 ** 30 - 1))
def test_minted_prefactor_ids_start_with_the_time_they_were_minted(partition):
    before = int(time.time() * 1000)
    minted = prefactor_id(partition)
    millis = 0
    for char in minted[:10]:  # 50 bits: 2 zero bits, the 48-bit milliseconds
        millis = millis * 32 + CROCKFORD.index(char)
    assert before <= millis <= int(time.time() * 1000)
