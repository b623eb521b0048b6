"""Where a rule's source is, for a user of the installed package: docs/sources.md ships inside it
(agent_api_contracts/sources.md; in the repository a link to docs/sources.md, so there is one copy),
spec/ is the agent_api_spec package, and a published page, cited by its file name
(`001_9ef0908d22537e32.txt`), is listed under sources.md#published-pages.

    cited("docs/sources.md#errors")  ->  "/…/site-packages/agent_api_contracts/sources.md#errors"
"""
from __future__ import annotations

import re
from pathlib import Path

import agent_api_spec

SOURCES = Path(__file__).parent.resolve() / "sources.md"  # its own name, not the file the link in the repository leads to
SPEC = agent_api_spec.DIRECTORY
PUBLISHED_PAGE = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")
SOURCES_ANCHOR = re.compile(r"docs/sources\.md(#[a-z0-9_-]+)?")


def cited(source: str) -> str:
    """The source with each citation made a path that opens where the package is installed."""
    text = SOURCES_ANCHOR.sub(lambda match: f"{SOURCES}{match.group(1) or ''}", source)
    text = re.sub(r"(?<![\w/.])spec/", f"{SPEC}/", text)
    pages = sorted(set(PUBLISHED_PAGE.findall(source)))
    if pages and "#published-pages" not in text:
        text += f"; published pages: {SOURCES}#published-pages"
    return text


def targets(source: str) -> list[tuple[Path, str | None]]:
    """(file, anchor or None) of every citation in `source`, resolved (for the tests and CI)."""
    found = [(SOURCES, anchor.lstrip("#") or None) for anchor in (m.group(1) or "" for m in SOURCES_ANCHOR.finditer(source))]
    if re.search(r"(?<![\w/.])spec/", source):
        found.append((SPEC, None))
    if PUBLISHED_PAGE.search(source):
        found.append((SOURCES, "published-pages"))
    return found
