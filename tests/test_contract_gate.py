"""The contract gate cannot pass by checking nothing: missing credentials fail naming the
variables (an explicit opt-in skips them, listed), a server that answers an HTML 404 or `[]`
to everything fails, the listed-object check sees what filtered lists hide, the coverage report
lists every operation, and the plugin stays out of pytest sessions without contract checks."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from agent_api_contracts.schemas import operations
from suite_runs import CREDENTIALS, run_suite

RULE_FAILURE = "agent_api_contracts.rules.RuleFailure"
BARE_EXCEPTION = re.compile(r"^E?\s*\|?\s*(KeyError|TypeError|IndexError|AttributeError|JSONDecodeError|json\.decoder\.JSONDecodeError|"
                            r"ValueError|httpx\.\w+|requests\.exceptions\.\w+)\b", re.M)


def every_failure_speaks_its_rule(run):
    for test, text in run.failures.items():
        assert text.startswith(RULE_FAILURE) and " violated" in text and "reproduce: curl " in text, f"{test}:\n{text[:3000]}"
        assert not BARE_EXCEPTION.search(text), f"{test} shows a bare Python exception:\n{text[:3000]}"


def test_missing_credentials_fail_the_run_and_name_the_variables(tmp_path):
    run = run_suite("mock", tmp_path / "report.xml", credentials={})
    assert run.code == 1, run.output
    for variable in CREDENTIALS:
        assert f"{variable}: MISSING: those checks fail" in run.output, run.output
        assert any(f"set {variable}" in text for text in run.failures.values()), f"no failure names {variable}"
    assert "--skip-missing-credentials" in run.output


def test_the_explicit_opt_in_skips_what_is_missing_and_lists_the_skips(tmp_path):
    given = {key: value for key, value in CREDENTIALS.items() if key != "WALDUR_SUPPORT_TOKEN"}
    run = run_suite("mock", tmp_path / "report.xml", "--skip-missing-credentials", credentials=given)
    assert run.code == 0, run.output
    summary = run.output.split("contract checks skipped", 1)[-1]
    assert "contract checks skipped" in run.output and "set WALDUR_SUPPORT_TOKEN" in summary, run.output
    assert "test_support_only_endpoints_answer_support" in summary


def test_a_server_that_answers_an_html_404_to_everything_fails_as_checked_nothing(tmp_path):
    run = run_suite("html_404_everywhere", tmp_path / "report.xml")
    assert run.code == 1 and len(run.failures) > 20, run.output
    assert "checked nothing" in run.output and "no operation ever answered with success" in run.output
    every_failure_speaks_its_rule(run)
    assert any("unknown_uuids_are_404 violated" in text and "text/html" in text for text in run.failures.values())


def test_a_server_that_answers_an_empty_list_to_every_get_fails(tmp_path):
    run = run_suite("empty_list_for_every_get", tmp_path / "report.xml")
    assert run.code == 1, run.output
    every_failure_speaks_its_rule(run)
    caught = " ".join(run.failures.values())
    assert "the_manager_account_sees_its_services violated" in caught
    assert "response_schema_conformance violated" in caught  # a retrieve answered [] instead of an object


def test_the_listed_object_check_sees_a_missing_field_that_empty_filtered_lists_hide(tmp_path):
    run = run_suite("filtered_lists_empty_identity_name_missing", tmp_path / "report.xml",
                    target="agent_api_contracts.test_listed_objects")
    assert run.code == 1, run.output
    services = [text for test, text in run.failures.items() if "services_list" in test]
    assert len(services) == 2 and all("every_listed_object_matches_its_schema violated" in text
                                      and "'identity_name' is a required property" in text for text in services), run.failures
    assert not [test for test in run.failures if "integration_statuses" in test]


def test_the_coverage_json_lists_every_operation_with_statuses_and_rule_outcomes(tmp_path):
    report = tmp_path / "coverage.json"
    run = run_suite("mock", tmp_path / "report.xml", "--coverage-json", str(report),
                    target="agent_api_contracts.test_access")
    assert run.code == 0, run.output
    coverage = json.loads(report.read_text())
    listed = {(row["api"], row["operation_id"]) for row in coverage["operations"]}
    assert listed == {(api, operation_id) for api in ("waldur", "prefactor") for operation_id in operations(api)}
    retrieve = next(row for row in coverage["operations"] if row["operation_id"] == "marketplace_site_agent_services_retrieve")
    assert retrieve["statuses"].get("401") and retrieve["statuses"].get("404"), retrieve
    assert "unknown_uuids_are_404" in retrieve["rules"]["passed"] and not retrieve["rules"]["failed"]
    assert coverage["successful_answers"] > 0
    assert "contract coverage" in run.output and "GET /api/marketplace-site-agent-services/{uuid}/" in run.output


def test_the_plugin_stays_out_of_sessions_without_contract_checks(tmp_path):
    (tmp_path / "test_unrelated.py").write_text("def test_something():\n    assert 1 + 1 == 2\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "contract" not in run.stdout and "checked nothing" not in run.stdout, run.stdout
