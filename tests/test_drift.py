"""`mockserver drift SCHEMA`: our Waldur spec against a Waldur schema (agent_api_spec.drift)."""
from __future__ import annotations

import copy
import functools
import http.server
import json
import subprocess
import sys
import threading

import pytest
import yaml

from agent_api_spec import DOCUMENTS
from agent_api_spec.drift import REFERENCE, compare, explanations, load

OURS = yaml.safe_load(DOCUMENTS["waldur"].read_text())
REFERENCE_DOC = yaml.safe_load(REFERENCE.read_text())


def drift(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent_api_mock", "drift", *args],
                          capture_output=True, text=True, timeout=300)


def with_spec(tmp_path, change) -> str:
    spec = copy.deepcopy(OURS)
    change(spec["components"]["schemas"])
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return str(path)


def contradictions(differences):
    return [d for d in differences if d.verdict == "contradiction"]


def test_our_spec_has_no_unexplained_contradiction_with_waldur_8_0_5():
    assert contradictions(compare(OURS, REFERENCE_DOC)) == []


def test_no_response_field_of_waldur_8_0_5_is_missing_from_our_spec():
    missing = [d for d in compare(OURS, REFERENCE_DOC)
               if d.aspect == "only theirs" and d.where.startswith("response")]
    assert missing == []


def test_a_changed_type_enum_or_nullability_is_a_contradiction_and_exits_1(tmp_path):
    def break_order(schemas):
        schemas["Order"]["properties"]["offering_name"] = {"type": "integer"}
        schemas["OrderState"]["enum"] = [*schemas["OrderState"]["enum"], "invented"]
        schemas["Order"]["properties"]["error_message"]["nullable"] = True
    spec = with_spec(tmp_path, break_order)
    found = {(d.where, d.aspect) for d in contradictions(compare(load(spec), REFERENCE_DOC))}
    assert {("response 200[]: offering_name", "type"), ("response 200[]: state", "enum"),
            ("response 200[]: error_message", "nullable")} <= found
    answer = drift(REFERENCE.as_posix(), "--spec", spec)
    assert answer.returncode == 1
    assert "offering_name" in answer.stdout


def test_a_field_only_one_side_has_is_listed_without_failing(tmp_path):
    baseline = {(d.operation, d.where) for d in compare(OURS, REFERENCE_DOC) if d.verdict == "contradiction"}
    spec = with_spec(tmp_path, lambda schemas: schemas["Order"]["properties"].pop("cost"))
    differences = compare(load(spec), REFERENCE_DOC)
    dropped = [d for d in differences if d.where.endswith(": cost") and d.operation == "GET /api/marketplace-orders/"]
    assert [(d.aspect, d.verdict) for d in dropped] == [("only theirs", "listed")]
    assert {(d.operation, d.where) for d in contradictions(differences)} == baseline


def test_a_field_only_we_require_is_a_contradiction(tmp_path):
    def require_new_field(schemas):
        schemas["Version"]["properties"]["codename"] = {"type": "string"}
        schemas["Version"]["required"] = [*schemas["Version"]["required"], "codename"]
    found = contradictions(compare(load(with_spec(tmp_path, require_new_field)), REFERENCE_DOC))
    assert [(d.operation, d.where, d.aspect) for d in found if "codename" in d.where] == [
        ("GET /api/version/", "response 200: codename", "only ours")]


def test_a_contradiction_the_sources_list_names_is_explained():
    differences = compare(OURS, REFERENCE_DOC)
    state = [d for d in differences if d.where == "response 200: agents[].services[].state" and d.aspect == "enum"]
    assert [d.verdict for d in state] == ["explained"]
    assert "get_state_display" in state[0].why
    unexplained = contradictions(compare(OURS, REFERENCE_DOC, explained=[]))
    assert any(d.where == "response 200: agents[].services[].state" for d in unexplained)
    assert all({"aspect", "why", "code"} <= set(entry) for entry in explanations())


def test_json_output_has_a_summary_and_every_difference():
    answer = drift("--json")
    report = json.loads(answer.stdout)
    assert set(report) == {"summary", "differences"}
    assert set(report["summary"]) == {"contradiction", "explained", "listed"}
    assert sum(report["summary"].values()) == len(report["differences"])
    assert {"operation", "where", "aspect", "ours", "theirs", "verdict", "why"} == set(report["differences"][0])
    assert answer.returncode == (1 if report["summary"]["contradiction"] else 0)


@pytest.fixture
def served_reference():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(REFERENCE.parent))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{REFERENCE.name}"
    server.shutdown()
    server.server_close()


def test_a_deployments_schema_url_is_read_like_the_file(served_reference):
    from_url = json.loads(drift(served_reference, "--json").stdout)
    from_file = json.loads(drift(REFERENCE.as_posix(), "--json").stdout)
    assert from_url == from_file


@pytest.mark.parametrize("content", ["paths: [unclosed", "just: a mapping\n", "\xff\xfe"])
def test_a_bad_schema_is_a_one_line_error(tmp_path, content):
    path = tmp_path / "schema.yaml"
    path.write_bytes(content.encode("latin-1"))
    answer = drift(str(path))
    assert answer.returncode == 2
    assert answer.stdout == ""
    assert len(answer.stderr.strip().splitlines()) == 1 and "mockserver drift:" in answer.stderr


def test_a_missing_file_or_unreachable_url_is_a_one_line_error(tmp_path):
    for source in (str(tmp_path / "absent.yaml"), "http://127.0.0.1:9/api/schema/"):
        answer = drift(source)
        assert answer.returncode == 2
        assert len(answer.stderr.strip().splitlines()) == 1
