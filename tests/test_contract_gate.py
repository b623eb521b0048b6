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
from agent_api_contracts.target import OPTIONAL
from suite_runs import CREDENTIALS, run_suite

# A failure's message is its first violation's rule (its JUnit message and the short summary's line).
RULE_FAILURE = re.compile(r"^[a-z0-9_]+ violated")
PYTEST_TRACEBACK = re.compile(r"^(>   |_ _ _ _|\s+def test_)", re.M)
BARE_EXCEPTION = re.compile(r"^E?\s*\|?\s*(KeyError|TypeError|IndexError|AttributeError|JSONDecodeError|json\.decoder\.JSONDecodeError|"
                            r"ValueError|httpx\.\w+|requests\.exceptions\.\w+)\b", re.M)


def every_failure_speaks_its_rule(run):
    for test, text in run.failures.items():
        assert RULE_FAILURE.match(text) and "reproduce: curl " in text, f"{test}:\n{text[:3000]}"
        assert not PYTEST_TRACEBACK.search(text), f"{test} shows its traceback:\n{text[:3000]}"
        assert not BARE_EXCEPTION.search(text), f"{test} shows a bare Python exception:\n{text[:3000]}"


def test_a_missing_credential_is_one_failure_naming_the_variable_and_the_checks_it_enables(tmp_path):
    run = run_suite("mock", tmp_path / "report.xml", credentials={})
    required = [variable for variable in CREDENTIALS if variable not in OPTIONAL]  # an optional one only skips
    assert run.code == 1, run.output
    assert sorted(run.failures) == sorted(f"credentials::{variable}" for variable in required), list(run.failures)
    for variable in required:
        assert f"{variable}: MISSING: one failure, its checks are skipped" in run.output, run.output
        text = run.failures[f"credentials::{variable}"]
        assert f"set {variable}" in text and "--skip-missing-credentials" in text, text
        enabled = re.search(r"it would enable (\d+) checks: (.+)", text)
        assert enabled and int(enabled.group(1)) > 0 and "test_" in enabled.group(2), text
    verdict = run.output.split("contract verdict", 1)[1]
    assert all(f"FAILED: {variable} is missing" in verdict for variable in required), run.output


def test_the_explicit_opt_in_skips_what_is_missing_and_lists_the_skips(tmp_path):
    given = {key: value for key, value in CREDENTIALS.items() if key != "WALDUR_SUPPORT_TOKEN"}
    run = run_suite("mock", tmp_path / "report.xml", "--skip-missing-credentials", credentials=given)
    assert run.code == 0, run.output
    summary = run.output.split("contract checks skipped", 1)[-1]
    assert "contract checks skipped" in run.output and "set WALDUR_SUPPORT_TOKEN" in summary, run.output
    assert "test_support_only_endpoints_answer_support" in summary


def test_a_server_that_answers_an_html_404_to_everything_fails_as_checked_nothing_said_first_and_briefly(tmp_path):
    run = run_suite("html_404_everywhere", tmp_path / "report.xml")
    assert run.code == 1 and len(run.failures) > 20, run.output
    every_failure_speaks_its_rule(run)
    assert any("unknown_uuids_are_404 violated" in text and "text/html" in text for text in run.failures.values())
    lines = run.output.splitlines()
    summary = next(number for number, line in enumerate(lines) if line.startswith("="))  # the first section after the dots
    verdict = next(number for number, line in enumerate(lines) if "checked nothing: no operation ever answered with success" in line)
    assert summary <= verdict < summary + 30, "\n".join(lines[:summary + 40])
    # Each failure is one line of the short summary: the header, the verdict, the coverage table (two
    # lines an operation) and those lines make the output (7,388 lines before: every traceback).
    assert "FAILURES" not in run.output and len(lines) < len(run.failures) + 2 * 47 + 80, len(lines)
    assert "every_operation_gets_a_success_answer violated" in run.failures[HOLES]


HOLES = "test_operations_answered::test_every_operation_gets_a_success_answer"


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


def test_generated_write_bodies_reach_objects_the_suite_found(tmp_path):
    """Invalid bodies sent to register_processor and set_statistics on a found service get the
    server's 400, not a 404 for a random uuid: whether the server validates writes is checked."""
    report = tmp_path / "coverage.json"
    run = run_suite("mock", tmp_path / "report.xml", "--coverage-json", str(report), target="agent_api_contracts.test_conformance")
    assert run.code == 0, run.output
    statuses = {row["operation_id"]: row["statuses"] for row in json.loads(report.read_text())["operations"]}
    for operation_id in ("marketplace_site_agent_services_register_processor", "marketplace_site_agent_services_set_statistics"):
        answered = statuses[operation_id]
        assert answered.get("400", 0) >= 3 and answered.get("200", 0) > 0, (operation_id, answered)
        assert answered.get("404", 0) < answered.get("400", 0) + answered.get("200", 0) + answered.get("201", 0), answered
