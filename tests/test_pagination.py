"""Waldur's list pagination, on both lists: page and page_size, the edges, X-Result-Count,
the Link header, and HEAD."""
from __future__ import annotations

import math
import re
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_api import (
    BASE_URL, INVALID_PAGE, PROPERTIES, SERVICES, STAFF, STATUSES, USER, list_everything, load_state, state_of,
)
from agent_api_mock.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

LISTS = [SERVICES, STATUSES]
LINK = re.compile(r'<([^>]*)>; rel="(\w+)"')
RELATION_ORDER = ["first", "prev", "next", "last"]


def links(answer: httpx.Response) -> dict[str, str]:
    header = answer.headers["Link"]
    found = LINK.findall(header)
    assert ", ".join(f'<{url}>; rel="{rel}"' for url, rel in found) == header, "Link is not `<url>; rel=...` joined by `, `"
    relations = [rel for _, rel in found]
    assert relations == sorted(relations, key=RELATION_ORDER.index), "Link relations out of order"
    return {rel: url for url, rel in found}


def url(path: str, **params) -> httpx.URL:
    return httpx.URL(f"{BASE_URL}{path}", params=params)


def same_url(actual: str, expected: httpx.URL) -> bool:
    """Same absolute URL and the same query parameters (their order aside)."""
    actual = httpx.URL(actual)
    return (actual.copy_with(query=None) == expected.copy_with(query=None)
            and sorted(actual.params.multi_items()) == sorted(expected.params.multi_items()))


def total(client, path) -> int:
    return len(list_everything(client, path, STAFF))


def many_services(seed: dict, count: int) -> dict:
    """The seed with `count` services more, all on the first identity."""
    identity = seed["identities"][0]["uuid"]
    start = datetime(2025, 2, 1, tzinfo=timezone.utc)
    extra = [{"uuid": uuid.uuid4().hex, "identity": identity, "name": f"extra-{n}", "mode": None, "state": "Active",
              "statistics": {}, "created": (start + timedelta(minutes=n)).isoformat(),
              "modified": (start + timedelta(minutes=n)).isoformat(), "processors": []} for n in range(count)]
    return {**seed, "services": seed["services"] + extra}


@pytest.mark.parametrize("path", LISTS)
def test_a_page_holds_ten_items_by_default(client, path):
    count = total(client, path)
    assert count > DEFAULT_PAGE_SIZE
    answer = client.get(path, headers=STAFF)
    assert len(answer.json()) == DEFAULT_PAGE_SIZE
    assert answer.headers["X-Result-Count"] == str(count)


@pytest.mark.parametrize("path", LISTS)
def test_links_on_the_first_page(client, path):
    count = total(client, path)
    answer = client.get(path, headers=STAFF, params={"page_size": 5})
    last = math.ceil(count / 5)
    assert last >= 3
    found = links(answer)
    assert set(found) == {"first", "next", "last"}
    assert same_url(found["first"], url(path, page_size=5))
    assert same_url(found["next"], url(path, page_size=5, page=2))
    assert same_url(found["last"], url(path, page_size=5, page=last))


@pytest.mark.parametrize("path", LISTS)
def test_prev_from_page_two_points_at_page_one_without_a_page_parameter(client, path):
    found = links(client.get(path, headers=STAFF, params={"page_size": 5, "page": 2}))
    assert set(found) == {"first", "prev", "next", "last"}
    assert same_url(found["prev"], url(path, page_size=5))
    assert same_url(found["next"], url(path, page_size=5, page=3))


@pytest.mark.parametrize("path", LISTS)
def test_the_last_page_has_no_next(client, path):
    count = total(client, path)
    last = math.ceil(count / 5)
    answer = client.get(path, headers=STAFF, params={"page_size": 5, "page": last})
    assert len(answer.json()) == count - 5 * (last - 1)
    found = links(answer)
    assert set(found) == {"first", "prev", "last"}
    assert same_url(found["prev"], url(path, page_size=5, page=last - 1))
    assert same_url(found["last"], url(path, page_size=5, page=last))


@pytest.mark.parametrize("path", LISTS)
def test_page_last_is_the_last_page(client, path):
    by_number = client.get(path, headers=STAFF, params={"page_size": 5, "page": math.ceil(total(client, path) / 5)})
    by_name = client.get(path, headers=STAFF, params={"page_size": 5, "page": "last"})
    assert by_name.status_code == 200
    assert by_name.json() == by_number.json()


def test_links_keep_the_other_query_parameters(client):
    answer = client.get(SERVICES, headers=STAFF, params={"state": [1, 2], "page_size": 2, "page": 2})
    count = int(answer.headers["X-Result-Count"])
    found = links(answer)
    assert same_url(found["first"], url(SERVICES, state=[1, 2], page_size=2))
    assert same_url(found["prev"], url(SERVICES, state=[1, 2], page_size=2))
    assert same_url(found["next"], url(SERVICES, state=[1, 2], page_size=2, page=3))
    assert same_url(found["last"], url(SERVICES, state=[1, 2], page_size=2, page=math.ceil(count / 2)))


def test_links_are_built_from_the_host_the_client_called(client):
    answer = client.get(SERVICES, headers={**STAFF, "Host": "waldur.example.org:8443"})
    assert all(link.startswith("http://waldur.example.org:8443/api/") for link in links(answer).values())


@pytest.mark.parametrize("path", LISTS)
def test_a_single_page_links_first_and_last_only(client, path):
    answer = client.get(path, headers=STAFF, params={"page_size": 300})
    found = links(answer)
    assert set(found) == {"first", "last"}
    assert same_url(found["first"], url(path, page_size=300))
    assert same_url(found["last"], url(path, page_size=300))


@pytest.mark.parametrize("path", LISTS)
def test_an_empty_result_is_an_empty_first_page(client, path):
    answer = client.get(path, headers=USER)
    assert answer.status_code == 200
    assert answer.json() == []
    assert answer.headers["X-Result-Count"] == "0"
    found = links(answer)
    assert set(found) == {"first", "last"}
    assert same_url(found["first"], url(path)) and same_url(found["last"], url(path))
    assert client.get(path, headers=USER, params={"page": "last"}).json() == []


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "99"])
def test_a_page_that_does_not_exist_is_invalid(client, path, page):
    answer = client.get(path, headers=STAFF, params={"page": page})
    assert answer.status_code == 404
    assert answer.json() == INVALID_PAGE


@pytest.mark.parametrize("path", LISTS)
def test_page_two_of_an_empty_result_is_invalid(client, path):
    answer = client.get(path, headers=USER, params={"page": 2})
    assert answer.status_code == 404
    assert answer.json() == INVALID_PAGE


@pytest.mark.parametrize("page_size", ["0", "-5", "abc", "", "2.5"])
def test_a_page_size_that_makes_no_sense_falls_back_to_ten(client, page_size):
    answer = client.get(SERVICES, headers=STAFF, params={"page_size": page_size})
    assert answer.status_code == 200
    assert len(answer.json()) == DEFAULT_PAGE_SIZE


def test_page_size_is_capped_at_300(client, seed):
    load_state(client, many_services(seed, MAX_PAGE_SIZE + 20 - len(seed["services"])))
    answer = client.get(SERVICES, headers=STAFF, params={"page_size": 1000})
    assert len(answer.json()) == MAX_PAGE_SIZE
    assert answer.headers["X-Result-Count"] == str(MAX_PAGE_SIZE + 20)
    found = links(answer)
    assert same_url(found["last"], url(SERVICES, page_size=1000, page=2))
    second = client.get(found["next"], headers=STAFF)
    assert len(second.json()) == 20


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("params", [{}, {"page_size": 3, "page": 2}, {"page": "last"}], ids=repr)
def test_head_answers_the_same_headers_without_a_body(client, path, params):
    got = client.get(path, headers=STAFF, params=params)
    head = client.head(path, headers=STAFF, params=params)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["X-Result-Count"] == got.headers["X-Result-Count"]
    assert head.headers["Link"] == got.headers["Link"]


@pytest.mark.parametrize("path", LISTS)
def test_head_of_a_page_that_does_not_exist_is_404_without_a_body(client, path):
    answer = client.head(path, headers=STAFF, params={"page": 99})
    assert answer.status_code == 404
    assert answer.content == b""


@PROPERTIES
@given(path=st.sampled_from(LISTS), page_size=st.integers(min_value=1, max_value=13))
def test_pages_are_disjoint_and_together_are_the_whole_list(client, path, page_size):
    everything = list_everything(client, path, STAFF)
    key = "uuid" if path == SERVICES else "url"
    pages, next_url = [], url(path, page_size=page_size)
    while next_url is not None:
        answer = client.get(next_url, headers=STAFF)
        assert answer.status_code == 200
        assert answer.headers["X-Result-Count"] == str(len(everything))
        pages.append([item[key] for item in answer.json()])
        next_url = links(answer).get("next")
    assert len(pages) == math.ceil(len(everything) / page_size)
    assert all(len(page) == page_size for page in pages[:-1]) and 0 < len(pages[-1]) <= page_size
    flat = [item for page in pages for item in page]
    assert len(set(flat)) == len(flat), "an item is on two pages"
    assert flat == [item[key] for item in everything]


@PROPERTIES
@given(page_size=st.integers(min_value=-1000, max_value=1000) | st.text(max_size=5))
def test_any_page_size_gives_a_valid_page(client, page_size):
    answer = client.get(SERVICES, headers=STAFF, params={"page_size": page_size})
    assert answer.status_code == 200
    count = int(answer.headers["X-Result-Count"])
    try:
        expected_size = int(page_size)
    except ValueError:
        expected_size = DEFAULT_PAGE_SIZE
    if expected_size <= 0:
        expected_size = DEFAULT_PAGE_SIZE
    assert len(answer.json()) == min(count, expected_size, MAX_PAGE_SIZE)


def test_state_is_unchanged_by_reading(client, seed):
    client.get(SERVICES, headers=STAFF, params={"page": "last"})
    client.head(STATUSES, headers=STAFF)
    assert state_of(client) == seed
