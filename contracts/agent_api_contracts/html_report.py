"""A run as one self-contained HTML file (no script, no file or network fetch: it opens offline),
for the suite (`--html-report FILE`) and the validating proxy (`--report FILE.html`,
`GET /__admin/report` with `Accept: text/html`).

It reads one shape, whoever fills it:

    {"title": ..., "lead": [verdict lines], "header": [lines],
     "operations": [{"api", "operation_id", "method", "path", "statuses": {"200": 3},
                     "rules_run": [...], "rules_passed": [...], "rules_failed": [...]}],
     "failures": [{"check", "rule", "quote", "citation", "expected", "found",
                   "requests": [{"method", "url", "status", "curl"}]}]}

Operations never exercised come first, then those that never answered 2xx, then each failure
with its rule, the docs' words, the exchange and its curl line, then every operation's row."""
from __future__ import annotations

import datetime
import os
from html import escape
from pathlib import Path

from agent_api_contracts.citations import cited

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1b1b1b;max-width:90em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
.lead li.failed,.failed{color:#a40000}.passed{color:#146c2e}.muted{color:#666}
pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap;word-break:break-all;margin:.3em 0}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.25em .5em;vertical-align:top;text-align:left}
th{background:#f0f0f0}section.failure{border-left:4px solid #a40000;padding:.2em 1em;margin:1em 0;background:#fff8f8}
.rule{font-weight:bold;font-family:monospace;font-size:1.05em}code{font-family:monospace}
"""


def is_success(status: str) -> bool:
    return status.isdigit() and 200 <= int(status) < 300


def render(data: dict) -> str:
    operations = data.get("operations", [])
    never = [op for op in operations if not op["statuses"]]
    no_success = [op for op in operations if op["statuses"] and not any(map(is_success, op["statuses"]))]
    failures = data.get("failures", [])
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{escape(data.get('title', 'contract report'))}</title><style>{STYLE}</style></head><body>",
           f"<h1>{escape(data.get('title', 'contract report'))}</h1>",
           f'<p class="muted">written {escape(datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))}; '
           f"{len(operations)} operations, {len(failures)} violation(s)</p>"]
    if data.get("lead"):
        out.append('<ul class="lead" id="verdict">' + "".join(
            f'<li class="{"failed" if line.startswith("FAILED") else ""}">{escape(line)}</li>' for line in data["lead"]) + "</ul>")
    if data.get("header"):
        out.append(f'<pre class="muted">{escape(chr(10).join(data["header"]))}</pre>')
    out.append(f'<h2 id="never-exercised">Never exercised ({len(never)})</h2>')
    out.append(_operation_list(never) if never else '<p class="passed">Every operation got at least one request.</p>')
    out.append(f'<h2 id="never-succeeded">Never answered 2xx ({len(no_success)})</h2>')
    out.append(_operation_list(no_success, statuses=True) if no_success else
               '<p class="passed">Every exercised operation answered 2xx at least once.</p>')
    out.append(f'<h2 id="failures">Failures ({len(failures)} violations)</h2>')
    out += [_failure(failure) for failure in failures] or ['<p class="passed">No rule was broken.</p>']
    out.append('<h2 id="operations">Operations</h2><table><tr><th>operation</th><th>statuses seen</th>'
               "<th>rules run</th><th>passed</th><th>failed</th></tr>")
    out += [_row(op) for op in operations]
    out.append("</table></body></html>\n")
    return "\n".join(out)


def _operation_list(operations: list[dict], statuses: bool = False) -> str:
    return "<ul>" + "".join(
        f"<li><code>{escape(op['method'])} {escape(op['path'])}</code> ({escape(op['api'])} {escape(op['operation_id'])})"
        + (f": {escape(_statuses(op))}" if statuses else "") + "</li>" for op in operations) + "</ul>"


def _statuses(op: dict) -> str:
    return " ".join(f"{status}x{count}" for status, count in op["statuses"].items()) or "-"


def _failure(failure: dict) -> str:
    parts = [f'<section class="failure"><div class="rule">{escape(failure["rule"])} violated</div>',
             f'<div class="muted">{escape(failure.get("check", ""))}</div>']
    if failure.get("quote"):
        parts.append(f'<div>rule: &ldquo;{escape(failure["quote"])}&rdquo; <span class="muted">'
                     f'({escape(failure.get("citation") or failure.get("source", ""))})</span></div>')
    parts.append(f"<div>expected: {escape(str(failure.get('expected', '')))}</div>")
    parts.append(f"<div>found: {escape(str(failure.get('found', '')))}</div>")
    for request in failure.get("requests", []):
        parts.append(f"<div>after: <code>{escape(request['method'])} {escape(request['url'])}</code> &rarr; "
                     f"{escape(str(request.get('status') or 'no answer'))}</div><pre>{escape(request['curl'])}</pre>")
    parts.append("</section>")
    return "\n".join(parts)


def _row(op: dict) -> str:
    def names(rules: list[str]) -> str:
        return "<br>".join(escape(name) for name in rules)
    return (f"<tr><td><code>{escape(op['method'])} {escape(op['path'])}</code><br>"
            f'<span class="muted">{escape(op["api"])} {escape(op["operation_id"])}</span></td>'
            f"<td>{escape(_statuses(op))}</td><td>{len(op['rules_run'])}</td>"
            f'<td class="passed">{names(op["rules_passed"])}</td><td class="failed">{names(op["rules_failed"])}</td></tr>')


def write(path: str | os.PathLike, data: dict) -> None:
    """Writes the report whole (never half-written)."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(render(data), encoding="utf-8")
    os.replace(partial, path)


def of_suite(coverage: dict, verdicts, header: list[str], lead: list[str]) -> dict:
    """The suite's run: its coverage report (`observed.Observations.report()`) and verdicts."""
    failures = [{"check": check, **violation.as_dict()} for check, violations in verdicts.failures.items()
                for violation in violations]
    failures += [{"check": check, "rule": "(no rule: a setup error or a bug of the suite)", "expected": "", "found": text}
                 for check, text in verdicts.other.items()]
    operations = [{**{key: row[key] for key in ("api", "operation_id", "method", "path", "statuses")},
                   "rules_run": row["rules"]["run"], "rules_passed": row["rules"]["passed"],
                   "rules_failed": row["rules"]["failed"]} for row in coverage["operations"]]
    return {"title": "Contract suites (agent_api_contracts)", "lead": lead, "header": header,
            "operations": operations, "failures": failures}


def of_proxy(report) -> dict:
    """The validating proxy's report so far (`proxy.report.Report`)."""
    summary = report.summary()
    operations, failures = [], []
    for row in summary["operations"]:
        run = sorted(report.rules.get(row["operation_id"], {}))
        failed = sorted(row["violations"])
        operations.append({"api": row["api"], "operation_id": row["operation_id"], "method": row["method"],
                           "path": row["path"], "statuses": row["statuses_seen"], "rules_run": run,
                           "rules_failed": failed,
                           "rules_passed": [name for name in run if name not in failed] if row["exchanges"] else []})
    for key, kept in summary["examples"].items():
        failures += [{"check": f"{key} ({summary['violations_by_rule'][key]} violation(s))",
                      "citation": cited(example.get("source", "")), **example} for example in kept]
    lead = [f"{'FAILED: ' if summary['violations_total'] else ''}{summary['exchanges']} exchanges, "
            f"{summary['violations_total']} violations; upstreams: "
            + ", ".join(f"{api} {url}" for api, url in summary["upstreams"].items())]
    return {"title": "mockserver proxy", "lead": lead, "operations": operations, "failures": failures}
