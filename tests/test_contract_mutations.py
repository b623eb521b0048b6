"""The contract suite earns its keep: `pytest --pyargs agent_api_contracts --base-url URL` fails
against every broken variant of the mock and passes against every harmless one (tests/mutants.py).

Each variant runs in a server process of its own and the suite in another, as a CI job
would run it: only --base-url and the credential environment variables, a JUnit report.
Every failure must speak its rule: a rule's name, what came back and a curl line, never a
bare KeyError, TypeError or JSONDecodeError."""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from mutants import BY_NAME, VARIANTS, Variant
from suite_runs import Run, run_suite

PARALLEL = max(1, min(4, os.cpu_count() or 1))
# A failure's message is its first violation's rule (its JUnit message and the short summary's line).
RULE_FAILURE = re.compile(r"^[a-z0-9_]+ violated")


@pytest.fixture(scope="module")
def verdicts(request, tmp_path_factory) -> dict[str, Run]:
    """The suite's verdict on each variant whose test is selected (`-k NAME` runs one)."""
    selected = {item.callspec.params["variant"].name for item in request.session.items
                if isinstance(getattr(getattr(item, "callspec", None), "params", {}).get("variant"), Variant)}
    chosen = [v for v in VARIANTS if v.name in selected]
    reports = tmp_path_factory.mktemp("junit")
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {v.name: pool.submit(run_suite, v.name, reports / f"{v.name}.xml", *([] if v.harmless else ["-x"]))
                   for v in chosen}
    results = {name: future.result() for name, future in futures.items()}
    print("\nvariant | family | caught by")
    for variant in chosen:
        run = results[variant.name]
        print(f"{variant.name} | {variant.family} | {', '.join(run.failed_tests) or ('passes' if run.code == 0 else f'exit {run.code}')}")
    return results


def test_the_harness_covers_every_family_of_bug():
    families = {v.family for v in VARIANTS if not v.harmless}
    assert families >= {"schema", "status", "header", "auth", "pagination", "filter", "ordering", "persistence", "invariant",
                        "body", "connection", "routing"}
    assert sum(not v.harmless for v in VARIANTS) >= 25


@pytest.mark.parametrize("variant", [v for v in VARIANTS if not v.harmless], ids=lambda v: v.name)
def test_the_suite_fails_a_broken_server(verdicts, variant):
    run = verdicts[variant.name]
    assert run.code == 1 and run.failures, f"{variant.name} ({variant.bug}) was not caught (exit {run.code}):\n{run.output}"


@pytest.mark.parametrize("variant", [v for v in VARIANTS if not v.harmless], ids=lambda v: v.name)
def test_every_failure_names_its_rule_and_gives_a_curl_line(verdicts, variant):
    for test, text in verdicts[variant.name].failures.items():
        assert RULE_FAILURE.match(text) and "reproduce: curl " in text, \
            f"{variant.name}: {test} failed without naming its rule and a curl line:\n{text[:3000]}"


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.harmless], ids=lambda v: v.name)
def test_the_suite_passes_a_harmlessly_different_server(verdicts, variant):
    run = verdicts[variant.name]
    assert run.code == 0, f"{variant.name} ({variant.bug}) failed {run.failed_tests} (exit {run.code}):\n{run.output}"


@pytest.mark.parametrize("variant", [BY_NAME["waldur_8_0_5_without_later_fields"]], ids=lambda v: v.name)
def test_a_server_without_later_added_fields_passes_and_the_run_reports_them(verdicts, variant):
    """Issue 19 part 5: a Waldur 8.0.5 server lacks fields 8.0.6 added; the suite passes it and
    names each missing field under the drift rule `field_added_after_server_version`."""
    run = verdicts[variant.name]
    assert run.code == 0, run.output
    assert "drift: reported, not failures" in run.output
    for operation, field in (("marketplace_site_agent_identities_list", "created_by"),
                             ("marketplace_integration_statuses_list", "agent_type")):
        assert f"field_added_after_server_version: waldur {operation} answered without `{field}`" in run.output
