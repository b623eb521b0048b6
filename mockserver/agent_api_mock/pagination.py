"""Waldur's list pagination: `page`/`page_size`, a bare array, `Link` and `X-Result-Count`."""
from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import URL, QueryParams

from agent_api_mock.errors import waldur_detail

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 300


def page_size_from(raw: str | None) -> int:
    """Waldur's rule: capped at 300; 0, negative or not a number falls back to 10."""
    try:
        size = int(raw) if raw is not None else DEFAULT_PAGE_SIZE
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return DEFAULT_PAGE_SIZE if size <= 0 else min(size, MAX_PAGE_SIZE)


def page_number_from(raw: str | None, page_count: int) -> int:
    if raw is None:
        return 1
    if raw == "last":
        return page_count
    try:
        number = int(raw)
    except ValueError:
        raise waldur_detail(404, "Invalid page.") from None
    if not 1 <= number <= page_count:
        raise waldur_detail(404, "Invalid page.")
    return number


def mounted_path(scope, path: str) -> str:
    """`path` with the `root_path` the app is mounted on (a session's /sessions/<name>), which
    Starlette's `request.url` leaves out, unless the server already put it in. Waldur's links are
    `request.build_absolute_uri()` (waldur_core/core/pagination.py, LinkHeaderPagination), which
    keeps the prefix Django is mounted on (SCRIPT_NAME) the same way."""
    root_path = scope.get("root_path", "")
    return path if not root_path or path.startswith(root_path + "/") else root_path + path


def paginate(request, items: Sequence) -> tuple[Sequence, dict[str, str]]:
    """The requested page of `items` and the headers that describe it.

    The request's scope is read once: each attribute read of Connexion's `request` proxy builds
    a new request (and parses its query anew). The query and URL are Starlette's, as the proxy
    gives them."""
    scope = request.scope
    query = QueryParams(scope.get("query_string", b""))
    size = page_size_from(query.get("page_size"))
    page_count = max(1, -(-len(items) // size))
    number = page_number_from(query.get("page"), page_count)
    url = URL(scope=scope)
    base = str(url.replace(path=mounted_path(scope, url.path), query="")).partition("?")[0]
    others = [(key, value) for key, value in parse_qsl(url.query, keep_blank_values=True) if key != "page"]

    def link(page: int) -> str:
        """The request's URL with `page` set (dropped for the first page), other parameters
        kept in order: what Starlette's include/remove_query_params give, parsed once."""
        query = urlencode(others + [("page", str(page))] if page != 1 else others)
        return f"{base}?{query}" if query else base

    links = [f'<{link(1)}>; rel="first"']
    if number > 1:
        links.append(f'<{link(number - 1)}>; rel="prev"')
    if number < page_count:
        links.append(f'<{link(number + 1)}>; rel="next"')
    links.append(f'<{link(page_count)}>; rel="last"')
    start = (number - 1) * size
    return items[start:start + size], {"Link": ", ".join(links), "X-Result-Count": str(len(items))}
