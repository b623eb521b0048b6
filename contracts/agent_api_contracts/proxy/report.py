"""What the proxy saw, as a report: per-operation coverage (statuses seen, operations never
exercised), violations per operation and rule, and the files for CI: the JSON report (its
violations streamed from a spool file, so memory stays bounded) and JUnit, one test case per
operation and rule.

    FILE.json               the report
    FILE.violations.jsonl   every violation, one JSON object a line, written as they happen
    FILE.junit.xml          JUnit: <operation> x <rule> test cases, failures carry violations
    FILE.html               with --report FILE.html: the report as one HTML page (agent_api_contracts.html_report)
"""
from __future__ import annotations

import collections
import datetime
import os
from pathlib import Path
from xml.etree import ElementTree

import orjson

from agent_api_contracts import html_report
from agent_api_contracts.proxy.conformance import ERROR_FORMAT
from agent_api_contracts.rules.answers import ANSWERED

EXAMPLES_KEPT = 5  # violations kept in memory per operation and rule, for JUnit and /__admin/report
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNDOCUMENTED = "(undocumented paths)"


def paths_of(report: str | os.PathLike) -> tuple[Path, Path, Path]:
    path = Path(report)
    stem = path.with_suffix("") if path.suffix in (".json", ".html") else path
    return path.with_suffix(".json") if path.suffix == ".html" else path, \
        Path(f"{stem}.violations.jsonl"), Path(f"{stem}.junit.xml")


class Report:
    def __init__(self, operations, judges, upstreams: dict[str, str], file: str | None = None):
        self.operations = {op.operation_id: op for op in operations}
        self.rules = {op.operation_id: {} for op in operations}  # operation -> {rule name: rule}
        for judge in judges:
            judged = getattr(judge, "judged", judge.operations)  # a judge may watch more than it judges
            for op in operations:
                if judged is None or op.operation_id in judged:
                    self.rules[op.operation_id].update({rule.name: rule for rule in judge.rules})
        for rules in self.rules.values():
            rules[ANSWERED.name] = ANSWERED
        self.rules[UNDOCUMENTED] = {ERROR_FORMAT.name: ERROR_FORMAT, ANSWERED.name: ANSWERED}
        self.upstreams = upstreams
        self.statuses = collections.defaultdict(collections.Counter)  # operation -> status -> count
        self.undocumented = collections.Counter()  # (method, status) -> count
        self.counts = collections.Counter()        # (operation, rule) -> violations
        self.examples = collections.defaultdict(list)
        self.exchanges = 0
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.file = file
        self.spool = None
        if file:
            _, spool, _ = paths_of(file)
            spool.parent.mkdir(parents=True, exist_ok=True)
            self.spool = open(spool, "wb")

    def record(self, method: str, operation_id: str | None, status: int, violations: list[dict]) -> None:
        self.exchanges += 1
        key = operation_id or UNDOCUMENTED
        if operation_id:
            self.statuses[operation_id][status] += 1
        else:
            self.undocumented[(method if method in METHODS else "OTHER", status)] += 1
        for violation in violations:
            self.counts[(key, violation["rule"])] += 1
            kept = self.examples[(key, violation["rule"])]
            if len(kept) < EXAMPLES_KEPT:
                kept.append(violation)
            if self.spool:
                self.spool.write(orjson.dumps({"operation_id": operation_id, **violation}) + b"\n")

    @property
    def violations(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> dict:
        operations = []
        for operation_id, op in self.operations.items():
            operations.append({
                "api": op.api, "operation_id": operation_id, "method": op.method, "path": op.template,
                "exchanges": sum(self.statuses[operation_id].values()),
                "statuses_seen": {str(s): n for s, n in sorted(self.statuses[operation_id].items())},
                "statuses_documented": list(op.spec.get("responses", {})),
                "violations": {rule: self.counts[(operation_id, rule)] for rule in self.rules[operation_id]
                               if self.counts[(operation_id, rule)]},
            })
        return {
            "started": self.started.isoformat(), "written": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "upstreams": self.upstreams, "exchanges": self.exchanges, "violations_total": self.violations,
            "operations": operations,
            "never_exercised": [op["operation_id"] for op in operations if not op["exchanges"]],
            "undocumented_paths": [{"method": m, "status": s, "exchanges": n}
                                   for (m, s), n in sorted(self.undocumented.items())],
            "violations_by_rule": {f"{op} {rule}": n for (op, rule), n in sorted(self.counts.items())},
            "examples": {f"{op} {rule}": kept for (op, rule), kept in sorted(self.examples.items())},
        }

    def write(self) -> list[str]:
        """Writes the report files (each replaced whole, never half-written); their paths."""
        if not self.file:
            return []
        report, spool, junit = paths_of(self.file)
        self.spool.flush()
        summary = self.summary()
        summary.pop("examples")
        partial = report.with_name(report.name + ".partial")
        with open(partial, "wb") as out, open(spool, "rb") as violations:
            out.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2)[:-2] + b',\n  "violations": [')
            for number, line in enumerate(violations):
                out.write((b"\n    " if number == 0 else b",\n    ") + line.rstrip(b"\n"))
            out.write(b"\n  ]\n}\n")
        os.replace(partial, report)
        partial = junit.with_name(junit.name + ".partial")
        ElementTree.ElementTree(self.junit()).write(partial, encoding="utf-8", xml_declaration=True)
        os.replace(partial, junit)
        if Path(self.file).suffix == ".html":  # FILE.html: the report as HTML too (FILE.json beside it)
            html_report.write(self.file, html_report.of_proxy(self))
            return [self.file, str(report), str(spool), str(junit)]
        return [str(report), str(spool), str(junit)]

    def junit(self) -> ElementTree.Element:
        suites = ElementTree.Element("testsuites", name="mockserver proxy")
        by_api = collections.defaultdict(list)
        for operation_id, rules in self.rules.items():
            op = self.operations.get(operation_id)
            by_api[op.api if op else "undocumented"].append((operation_id, rules))
        for api, entries in by_api.items():
            suite = ElementTree.SubElement(suites, "testsuite", name=f"{api} traffic")
            tests = failures = skipped = 0
            for operation_id, rules in entries:
                exercised = sum(self.statuses[operation_id].values()) if operation_id != UNDOCUMENTED \
                    else sum(self.undocumented.values())
                for name, rule in sorted(rules.items()):
                    tests += 1
                    case = ElementTree.SubElement(suite, "testcase", classname=f"{api}.{operation_id}", name=name)
                    count = self.counts[(operation_id, name)]
                    if count:
                        failures += 1
                        failure = ElementTree.SubElement(case, "failure", message=f"{count} violation(s) of {name}: "
                                                         f'"{rule.quote}" ({rule.source})')
                        failure.text = "\n\n".join(message(v) for v in self.examples[(operation_id, name)])
                    elif not exercised:
                        skipped += 1
                        ElementTree.SubElement(case, "skipped", message="the operation was never exercised")
            suite.set("tests", str(tests))
            suite.set("failures", str(failures))
            suite.set("skipped", str(skipped))
        return suites

    def close(self) -> None:
        if self.spool:
            self.spool.close()


def message(violation: dict) -> str:
    lines = [f"{violation['rule']} violated", f'  rule: "{violation["quote"]}" ({violation["source"]})',
             f"  expected: {violation['expected']}", f"  found: {violation['found']}"]
    for request in violation["requests"]:
        lines += [f"  after: {request['method']} {request['url']} -> {request['status']}", f"  reproduce: {request['curl']}"]
    return "\n".join(lines)
