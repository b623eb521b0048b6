"""Waldur's pagination on every list (docs/sources.md, "Lists and pagination")."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_api_contracts.discovery import INTEGRATION_STATUSES, SERVICES, links
from agent_api_contracts.judges.exchanges import observe
from agent_api_contracts.judges.lists import pages_agree_with_their_count_and_links
from agent_api_contracts.rules import enforce
from agent_api_contracts.rules.answers import objects
from agent_api_contracts.rules.errors import waldur_error
from agent_api_contracts.rules.lists import BAD_PAGE_IS_404, COUNT_IS_TOTAL, LINKS_POINT_RIGHT, PAGES_PARTITION, PAGE_BOUNDED

pytestmark = pytest.mark.waldur
LISTS = {SERVICES: "marketplace_site_agent_services_list", INTEGRATION_STATUSES: "marketplace_integration_statuses_list"}


def identity(item: dict) -> str:
    return item.get("url") or item.get("uuid")


def count_of(response) -> int:
    """X-Result-Count as a number, -1 when absent or not a number (COUNT_IS_TOTAL judges it)."""
    count = response.headers.get("x-result-count", "")
    return int(count) if count.isdigit() else -1


@settings(settings.get_profile("contracts"))
@given(path=st.sampled_from(sorted(LISTS)), page_size=st.integers(1, 7))
def test_pages_partition_the_list_and_link_to_each_other(waldur_support, path, page_size):
    """Each page is judged as the proxy judges pages in passing (its size, its count, its Link
    header); walking the next links must then visit every object once."""
    first = waldur_support.get(path, params={"page_size": page_size})
    total = count_of(first)
    COUNT_IS_TOTAL.check(total >= 0, f"X-Result-Count is {first.headers.get('x-result-count')!r}", first)
    pages, response, number = [], first, 1
    while True:
        items = objects(response, PAGE_BOUNDED)
        enforce(pages_agree_with_their_count_and_links(observe(response, LISTS[path])))
        count = count_of(response)
        COUNT_IS_TOTAL.check(count == total, f"page {number} says {count}, page 1 said {total}", response)
        rels = links(response)
        LINKS_POINT_RIGHT.check(all(url.startswith(("http://", "https://")) for url in rels.values()),
                                f"Link holds relative URLs: {response.headers.get('link')!r}", response)
        LINKS_POINT_RIGHT.check(
            parse_qs(urlsplit(rels["first"]).query).get("page_size") == [str(page_size)],
            f"first link {rels['first']!r} lost page_size={page_size}", response)
        pages.append(items)
        if "next" not in rels:
            break
        response = waldur_support.get(rels["next"])
        number += 1
        PAGES_PARTITION.check(number <= total // page_size + 2, f"more than {total // page_size + 1} pages", response)
    walked = [identity(item) for page in pages for item in page]
    PAGES_PARTITION.check(len(walked) == len(set(walked)), "an object appears on two pages", response)
    PAGES_PARTITION.check(len(walked) == total, f"the pages hold {len(walked)} objects, X-Result-Count says {total}", response)


@pytest.mark.parametrize("path", sorted(LISTS))
def test_default_page_size_is_ten_and_large_sizes_are_capped(waldur_support, path):
    default = waldur_support.get(path)
    total = count_of(default)
    PAGE_BOUNDED.check(len(objects(default, PAGE_BOUNDED)) == min(10, total), f"{len(objects(default, PAGE_BOUNDED))} items by default, {total} in all", default)
    huge = waldur_support.get(path, params={"page_size": 100000})
    PAGE_BOUNDED.check(len(objects(huge, PAGE_BOUNDED)) == min(300, total), f"{len(objects(huge, PAGE_BOUNDED))} items for page_size=100000", huge)


@pytest.mark.parametrize("path", sorted(LISTS))
@pytest.mark.parametrize("page", ["0", "999999", "abc"])
def test_pages_that_do_not_exist_are_404(waldur_support, path, page):
    enforce(waldur_error(waldur_support.get(path, params={"page": page}), 404, BAD_PAGE_IS_404))


@pytest.mark.parametrize("path", sorted(LISTS))
def test_head_counts_like_the_list(waldur_support, path):
    listed = waldur_support.get(path)
    counted = waldur_support.head(path)
    COUNT_IS_TOTAL.check(counted.status_code == 200 and counted.headers.get("x-result-count") == listed.headers.get("x-result-count")
                         and not counted.content,
                         f"HEAD answered {counted.status_code} X-Result-Count={counted.headers.get('x-result-count')!r}, "
                         f"GET said {listed.headers.get('x-result-count')!r}", counted, listed)
