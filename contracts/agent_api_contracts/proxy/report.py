"""What the proxy saw, as a report: per-operation coverage (statuses seen, operations never
exercised), each rule with the exchanges it judged and its violations, the server's apart from
the clients' (conformance.party), undocumented paths by path, and the files for CI: the JSON
report (its violations streamed from a spool file, so memory stays bounded) and JUnit, one test
case per operation and rule that was judged.

    FILE.json               the report
    FILE.violations.jsonl   every violation, one JSON object a line, written as they happen
    FILE.junit.xml          JUnit: <operation> x <rule> test cases of what was judged, failures carry violations
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
from agent_api_contracts.proxy.conformance import ERROR_FORMAT, party
from agent_api_contracts.rules.answers import ANSWERED

EXAMPLES_KEPT = 5  # violations kept in memory per operation and rule, for JUnit and /__admin/report
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNDOCUMENTED = "(undocumented paths)"
UNDOCUMENTED_PATHS_KEPT = 1_000  # distinct paths counted one by one; beyond, under OTHER_PATHS
OTHER_PATHS = "(other paths)"
WHOSE = {"server": "the server", "client": "the clients' own requests"}
WHERE_SHOWN = 3  # operations named per rule in the table on exit


def paths_of(report: str | os.PathLike) -> tuple[Path, Path, Path]:
    path = Path(report)
    stem = path.with_suffix("") if path.suffix in (".json", ".html") else path
    return path.with_suffix(".json") if path.suffix == ".html" else path, \
        Path(f"{stem}.violations.jsonl"), Path(f"{stem}.junit.xml")


class Report:
    def __init__(self, operations, judges, upstreams: dict[str, str], file: str | None = None):
        self.operations = {op.operation_id: op for op in operations}
        self.rules = {rule.name: rule for judge in judges for rule in judge.rules}  # every rule a judge may apply
        self.rules.update({ANSWERED.name: ANSWERED, ERROR_FORMAT.name: ERROR_FORMAT})
        self.upstreams = upstreams
        self.statuses = collections.defaultdict(collections.Counter)  # operation -> status -> count
        self.undocumented = collections.Counter()  # (method, path, status) -> count
        self.judged = collections.Counter()        # (operation, rule) -> exchanges judged
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

    def record(self, method: str, path: str, operation_id: str | None, status: int, violations: list[dict],
               judged=()) -> None:
        """One exchange: its violations, and the names of the rules judged on it."""
        self.exchanges += 1
        key = operation_id or UNDOCUMENTED
        if operation_id:
            self.statuses[operation_id][status] += 1
        else:
            method = method if method in METHODS else "OTHER"
            if (method, path, status) not in self.undocumented and len(self.undocumented) >= UNDOCUMENTED_PATHS_KEPT:
                path = OTHER_PATHS
            self.undocumented[(method, path, status)] += 1
        for rule in {*judged, *(violation["rule"] for violation in violations)}:
            self.judged[(key, rule)] += 1
        for violation in violations:
            self.counts[(key, violation["rule"])] += 1
            kept = self.examples[(key, violation["rule"])]
            if len(kept) < EXAMPLES_KEPT:
                kept.append(violation)
            if self.spool:
                self.spool.write(orjson.dumps({"operation_id": operation_id, **violation}) + b"\n")

    def violations_of(self, who: str) -> int:
        return sum(n for (_, rule), n in self.counts.items() if party(rule) == who)

    @property
    def violations(self) -> int:
        """The server's (the clients' own invalid requests are counted apart)."""
        return self.violations_of("server")

    def by_rule(self) -> list[dict]:
        """Each rule judged at least once: whose rule it is, the exchanges it judged, its
        violations and where; the server's violated rules first, then the clients'."""
        rows = {}
        for (key, rule), judged in self.judged.items():
            row = rows.setdefault(rule, {"rule": rule, "party": party(rule), "judged": 0, "violations": 0, "where": {}})
            row["judged"] += judged
        for (key, rule), count in self.counts.items():
            row = rows.setdefault(rule, {"rule": rule, "party": party(rule), "judged": 0, "violations": 0, "where": {}})
            row["violations"] += count
            row["where"][key] = count
        for row in rows.values():
            row["where"] = dict(sorted(row["where"].items(), key=lambda item: (-item[1], item[0])))
        return sorted(rows.values(), key=lambda row: (not row["violations"], row["party"] != "server",
                                                      -row["violations"], row["rule"]))

    def summary(self) -> dict:
        operations = []
        for operation_id, op in self.operations.items():
            violated = {rule: n for (key, rule), n in sorted(self.counts.items()) if key == operation_id}
            operations.append({
                "api": op.api, "operation_id": operation_id, "method": op.method, "path": op.template,
                "exchanges": sum(self.statuses[operation_id].values()),
                "statuses_seen": {str(s): n for s, n in sorted(self.statuses[operation_id].items())},
                "statuses_documented": list(op.spec.get("responses", {})),
                "rules_judged": sorted(rule for key, rule in self.judged if key == operation_id),
                "violations": {rule: n for rule, n in violated.items() if party(rule) == "server"},
                "client_violations": {rule: n for rule, n in violated.items() if party(rule) == "client"},
            })
        return {
            "started": self.started.isoformat(), "written": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "upstreams": self.upstreams, "exchanges": self.exchanges,
            "violations_total": self.violations, "client_violations_total": self.violations_of("client"),
            "operations": operations,
            "never_exercised": [op["operation_id"] for op in operations if not op["exchanges"]],
            "undocumented_paths": [{"method": m, "path": p, "status": s, "exchanges": n}
                                   for (m, p, s), n in sorted(self.undocumented.items())],
            "rules": self.by_rule(),
            "violations_by_rule": {f"{op} {rule}": n for (op, rule), n in sorted(self.counts.items())
                                   if party(rule) == "server"},
            "client_violations_by_rule": {f"{op} {rule}": n for (op, rule), n in sorted(self.counts.items())
                                          if party(rule) == "client"},
            "examples": {f"{op} {rule}": kept for (op, rule), kept in sorted(self.examples.items())},
        }

    def table(self) -> str:
        """The summary printed on exit: one line per rule judged."""
        rows = self.by_rule()
        clients = self.violations_of("client")
        lines = [f"{self.exchanges} exchanges; the server: {self.violations} violation(s); "
                 f"the clients' own requests: {clients} violation(s)"]
        if not rows:
            return lines[0]
        width = max(len("rule"), *(len(row["rule"]) for row in rows))
        lines.append(f"  {'rule':<{width}}  party   judged  violations  where")
        for row in rows:
            where = ", ".join(f"{key} ({n})" for key, n in list(row["where"].items())[:WHERE_SHOWN])
            if len(row["where"]) > WHERE_SHOWN:
                where += f", +{len(row['where']) - WHERE_SHOWN} more"
            lines.append(f"  {row['rule']:<{width}}  {row['party']:<6}  {row['judged']:>6}  {row['violations']:>10}"
                         f"  {where}".rstrip())
        return "\n".join(lines)

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
        """A test suite per API and party (the server's rules, the clients' requests), a test case
        per operation and rule that was judged; nothing for what no exchange let a judge judge."""
        suites = ElementTree.Element("testsuites", name="mockserver proxy")
        by_suite = collections.defaultdict(list)
        for (operation_id, name) in sorted(self.judged):
            op = self.operations.get(operation_id)
            api = op.api if op else "undocumented"
            by_suite[(api, party(name))].append((api, operation_id, name))
        for (api, who), cases in by_suite.items():
            suite = ElementTree.SubElement(suites, "testsuite", name=f"{api} traffic: {WHOSE[who]}")
            failures = 0
            for api, operation_id, name in cases:
                case = ElementTree.SubElement(suite, "testcase", classname=f"{api}.{operation_id}", name=name)
                count = self.counts[(operation_id, name)]
                if count:
                    failures += 1
                    rule = self.rules.get(name)
                    said = f': "{rule.quote}" ({rule.source})' if rule else ""
                    failure = ElementTree.SubElement(case, "failure", message=f"{count} violation(s) of {name}{said} "
                                                     f"in {self.judged[(operation_id, name)]} exchange(s) judged")
                    failure.text = "\n\n".join(message(v) for v in self.examples[(operation_id, name)])
            suite.set("tests", str(len(cases)))
            suite.set("failures", str(failures))
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
