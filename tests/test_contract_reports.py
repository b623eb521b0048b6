"""What users read: an operation that never answered with success fails the run under its own
rule (unless named on purpose), and the HTML reports of the suite and of the proxy render in a
browser (headless Chromium, the Debian package .ci/run installs) showing a broken server's failures."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import yaml

from proxy_runs import ThreadProxy, everyday_traffic, mutant_process
from suite_runs import run_suite

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "mockserver" / "agent_api_mock" / "data" / "default.yaml"


def data_without_plans(tmp_path: Path) -> Path:
    """The built-in data, but no plans (and no order or resource on one: the mock then renders `plan: null`,
    which the spec's Order does not allow, so the run has other failures; this test reads the hole's)."""
    data = yaml.safe_load(DEFAULT_DATA.read_text(encoding="utf-8"))
    data["plans"] = []
    for kind in ("resources", "orders"):
        for item in data[kind]:
            item["plan"] = None
    path = tmp_path / "no-plans.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_an_operation_that_never_answers_success_fails_the_run_naming_it_and_the_likely_cause(tmp_path):
    run = run_suite("mock", tmp_path / "report.xml", data=data_without_plans(tmp_path))
    assert run.code == 1, run.output
    text = run.failures["test_operations_answered::test_every_operation_gets_a_success_answer"]
    assert text.count("  expected: ") == 1, text  # one operation
    assert "marketplace_plans_retrieve (GET /api/marketplace-plans/{uuid}/) to answer 2xx" in text
    assert "likely cause: no object visible to WALDUR_TOKEN's account: no list it can read shows or names one" in text
    assert "reproduce: curl " in text and "/api/marketplace-plans/" in text
    verdict = run.output.split("contract verdict", 1)[1].split("contract coverage", 1)[0]
    assert "1 operation(s) never answered with success" in verdict and "marketplace_plans_retrieve" in verdict, run.output
    assert run.output.index("contract verdict") < run.output.index("every_operation_gets_a_success_answer violated")


def test_an_operation_named_by_expect_no_success_may_get_none(tmp_path):
    """Only the hole check, on the Prefactor API: its one operation got no request at all."""
    only_holes = ["-k", "every_operation_gets_a_success_answer", "--api", "prefactor"]
    run = run_suite("mock", tmp_path / "report.xml", *only_holes)
    text = run.failures["test_operations_answered::test_every_operation_gets_a_success_answer"]
    assert "create_agent (POST /api/v1/agent)" in text and "likely cause: no check sent it a request" in text
    assert "marketplace_" not in text, "--api prefactor leaves Waldur's operations out"
    named = run_suite("mock", tmp_path / "named.xml", *only_holes, "--expect-no-success", "create_agent")
    assert not named.failures, named.output


def test_an_unknown_operation_named_as_expected_to_fail_is_a_usage_error(tmp_path):
    run = run_suite("mock", tmp_path / "report.xml", "--expect-no-success", "plans_retrieve_typo",
                    target="agent_api_contracts.test_access")
    assert run.code == 4 and "no operation plans_retrieve_typo in the spec" in run.output, run.output


SELF_CONTAINED_BREAKERS = re.compile(r"<script|<link|<img|<iframe|\bsrc=|@import|url\(|href=\"(?!#)", re.I)


def rendered(page: Path) -> str:
    """The DOM headless Chromium builds from the file (offline: a file:// URL, nothing fetched)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "headless Chromium is needed (Debian: apt-get install chromium; .ci/run installs it)"
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           f"--user-data-dir={page.parent / 'chromium-profile'}", "--dump-dom", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0 and "<body" in done.stdout, done.stderr[-2000:]
    return done.stdout


def test_the_suites_html_report_shows_a_broken_servers_failures_in_a_browser(tmp_path):
    page = tmp_path / "report.html"
    run = run_suite("filtered_lists_empty_identity_name_missing", tmp_path / "report.xml", "--html-report", str(page),
                    target="agent_api_contracts.test_listed_objects")
    assert run.code == 1 and page.exists(), run.output
    assert not SELF_CONTAINED_BREAKERS.search(page.read_text()), "the report fetches something: not self-contained"
    dom = rendered(page)
    assert "every_listed_object_matches_its_schema violated" in dom
    assert "'identity_name' is a required property" in dom and "curl -i -X GET" in dom
    assert "Never exercised" in dom and "GET /api/marketplace-site-agent-services/" in dom
    assert dom.index("Never exercised") < dom.index("Failures (") < dom.index("id=\"operations\"")


def test_the_proxys_html_report_shows_the_violations_live_and_in_its_file(tmp_path):
    upstream = mutant_process("service_state_in_lower_case")
    file = tmp_path / "proxy.html"
    proxy = ThreadProxy(upstream.url, report=str(file))
    try:
        everyday_traffic(proxy.url)
        summary = httpx.get(f"{proxy.url}/__admin/report", timeout=30).json()
        live = httpx.get(f"{proxy.url}/__admin/report", headers={"Accept": "text/html"}, timeout=30)
        written = httpx.post(f"{proxy.url}/__admin/report", timeout=30).json()["files"]
    finally:
        proxy.stop()
        upstream.stop()
    assert summary["violations_total"] > 0, summary
    assert live.status_code == 200 and live.headers["content-type"].startswith("text/html")
    assert str(file) in written and file.with_suffix(".json").exists()
    broken = {key.split(" ", 1)[1] for key in summary["violations_by_rule"]}
    for page in (tmp_path / "live.html", file):
        if page != file:
            page.write_text(live.text, encoding="utf-8")
        dom = rendered(page)
        assert all(f"{rule} violated" in dom for rule in broken), (broken, dom[:3000])
        assert "curl -i -X GET" in dom and "Never exercised" in dom
