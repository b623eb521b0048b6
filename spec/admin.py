"""What the mock's and the proxy's test-control surfaces (/__admin/, WireMock's convention) share:
the journal's query filters, checked the same way by both. A typo (`?stauts=200`) or a value no
entry could have is an error saying so, since a filter that is ignored answers every entry, and
one that matches nothing answers `[]`, which reads as "no such request"."""
from __future__ import annotations

import re

FILTERS = ("method", "path", "operation_id", "status", "query")
METHOD = re.compile(r"[A-Za-z]+")


def journal_filters(params: list[tuple[str, str]], operation_ids: set[str],
                    rules: set[str] | None = None) -> dict[str, str]:
    """The journal's criteria from a query's (name, value) pairs; a ValueError saying what is wrong.
    `rules`: the rule names a `rule` filter may name (the proxy's journal; the mock's has none)."""
    names = FILTERS if rules is None else (*FILTERS, "rule")
    criteria: dict[str, str] = {}
    for name, value in params:
        if name not in names:
            raise ValueError(f"unknown filter {name!r}; the filters are: {', '.join(names)}")
        if name in criteria:
            raise ValueError(f"filter {name!r} is given twice")
        if name == "status" and not (value.isdigit() and 100 <= int(value) <= 599):
            raise ValueError(f"status must be an HTTP status code from 100 to 599, not {value!r}")
        if name == "method":
            if not METHOD.fullmatch(value):
                raise ValueError(f"method must be an HTTP method such as GET, not {value!r}")
            value = value.upper()
        if name == "operation_id" and value not in operation_ids:
            raise ValueError(f"operation_id {value!r} is no operation of the spec")
        if name == "path" and not value.startswith("/"):
            raise ValueError(f"path must start with '/', not {value!r}")
        if name == "rule" and value not in rules:
            raise ValueError(f"rule {value!r} is no rule the proxy judges")
        criteria[name] = value
    return criteria
