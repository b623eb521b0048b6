"""A failure's citations open where the package is installed: docs/sources.md ships inside the
wheel as agent_api_contracts/sources.md (one copy: in the repository it links to docs/sources.md),
spec/ is the agent_api_spec package, and published pages are listed in sources.md."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from agent_api_contracts import citations
from test_rules import every_rule

ROOT = Path(__file__).resolve().parent.parent


def anchors_of(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-") for heading in re.findall(r"^#+ (.+)$", text, re.M)}


def test_every_rule_cites_a_file_and_section_that_exist_in_the_package():
    packages = (citations.SOURCES.parent, citations.SPEC)
    for rule in every_rule():
        message = rule.violation("x", "y").message()
        found = citations.targets(rule.source)
        assert found, f"{rule.name} cites nothing that resolves: {rule.source}"
        for path, anchor in found:
            assert path.exists() and any(path == package or package in path.parents for package in packages), (rule.name, path)
            assert anchor is None or anchor in anchors_of(path), f"{rule.name}: no section #{anchor} in {path}"
            assert str(path) in message, f"{rule.name}'s failure does not show {path}:\n{message}"
        assert "docs/sources.md" not in message.split("rule: ", 1)[1].splitlines()[0], message


def test_every_published_page_a_rule_cites_is_listed_in_the_sources():
    listed = citations.SOURCES.read_text(encoding="utf-8").split("# Published pages", 1)[1]
    for rule in every_rule():
        for page in citations.PUBLISHED_PAGE.findall(rule.source):
            assert f"`{page}`" in listed, f"{rule.name} cites {page}, which sources.md#published-pages does not list"


def test_the_wheel_ships_the_sources_document_once(tmp_path):
    # From a copy, as .ci/installed-suite builds it: a build/ in the checkout could ship stale files.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", ".venv", "build", "node_modules", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=300, stdin=subprocess.DEVNULL, cwd=tmp_path)
    wheel = next(tmp_path.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("agent_api_contracts/sources.md")
        assert shipped == (ROOT / "docs" / "sources.md").read_bytes()
        assert "agent_api_spec/waldur-marketplace-site-agent.yaml" in archive.namelist()
    assert (ROOT / "contracts" / "agent_api_contracts" / "sources.md").is_symlink()
