"""`mockserver drift SCHEMA`: our Waldur document against a Waldur schema (drf-spectacular's
/api/schema/), operation by operation: parameters, request fields, statuses, response fields,
their types, formats, enums, nullability and required-ness.

A difference is one of
- a contradiction: both sides have the thing and say different things of it (type, format,
  enum, nullable, required), or our document requires a field the other side lacks (a server
  that follows that schema fails us); the command exits 1 on one;
- explained: a contradiction that `reference/looser-than-the-code.yaml` names, with the Waldur
  code that settles it (drf-spectacular's schema is sometimes looser than the code);
- listed: a parameter, field, status or operation only one side has.

Only our operations are compared (a deployment's schema has thousands more). A schema without
`type` (drf-spectacular's JSONField) accepts anything and is compared with nothing.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from agent_api_spec import DIRECTORY, DOCUMENTS

REFERENCE = DIRECTORY / "reference" / "waldur-openapi-8.0.5-trimmed.yaml"
EXPLAINED = DIRECTORY / "reference" / "looser-than-the-code.yaml"
METHODS = ("get", "head", "post", "put", "patch", "delete")
CONTRADICTION, EXPLAINED_VERDICT, LISTED = "contradiction", "explained", "listed"
# Formats that describe a number's or a decimal string's precision, not which values are valid
# (drf-spectacular writes them for DecimalField and FloatField): not compared.
DESCRIPTIVE_FORMATS = frozenset({"decimal", "double", "float", "int32", "int64"})


@dataclass(frozen=True)
class Difference:
    operation: str  # "GET /api/marketplace-orders/"
    where: str      # "response 200: offering_uuid", "parameter query field", "request: name"
    aspect: str     # type, format, enum, nullable, required, only ours, only theirs
    ours: object
    theirs: object
    verdict: str    # contradiction, explained, listed
    why: str = ""   # the explanation's text, for explained ones


class SchemaError(Exception):
    """A schema that cannot be read or is not an OpenAPI document."""


# --- reading -----------------------------------------------------------------------------------

def load(source: str) -> dict:
    """An OpenAPI document (YAML or JSON) from a file or an http(s) URL."""
    try:
        if source.startswith(("http://", "https://")):
            import httpx
            answer = httpx.get(source, headers={"Accept": "application/vnd.oai.openapi, application/json"},
                               follow_redirects=True, timeout=60)
            if answer.status_code != 200:
                raise SchemaError(f"{source} answered {answer.status_code}")
            text = answer.text
        else:
            text = Path(source).read_text(encoding="utf-8")
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except SchemaError:
        raise
    except OSError as error:
        raise SchemaError(f"cannot read {source}: {error.strerror or error}") from None
    except Exception as error:  # httpx's transport errors, YAML's parse errors, bad encodings
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SchemaError(f"cannot read {source}: {first_line}") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise SchemaError(f"{source} is not an OpenAPI document (no `paths`)")
    return document


def explanations(path: Path = EXPLAINED) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["explained"]


# --- what a schema says ------------------------------------------------------------------------

class View:
    """What one schema says of a value, whatever way it says it ($ref, allOf, oneOf of enums,
    an enum listing null, nullable)."""

    def __init__(self, document: dict, node: object, depth: int = 0):
        self.types: set[str] = set()
        self.formats: set[str] = set()
        self.enum: set | None = None
        self.nullable = False
        self.properties: dict[str, object] = {}
        self.required: set[str] = set()
        self.items: list[object] = []
        self.additional: list[object] = []
        self.document = document
        self._take(node, depth)

    def _take(self, node: object, depth: int) -> None:
        node = resolved(self.document, node)
        if not isinstance(node, dict) or depth > 20:
            return
        if node.get("nullable"):
            self.nullable = True
        if "type" in node:
            self.types.add(node["type"])
        if "format" in node and node["format"] not in DESCRIPTIVE_FORMATS:
            self.formats.add(node["format"])
        if "enum" in node:
            values = {value for value in node["enum"] if value is not None}
            if None in node["enum"]:
                self.nullable = True
            if values:
                self.enum = (self.enum or set()) | values
                if "type" not in node:
                    self.types |= {json_type(value) for value in values}
        self.properties.update(node.get("properties", {}))
        self.required |= set(node.get("required", []))
        if "items" in node:
            self.items.append(node["items"])
        if isinstance(node.get("additionalProperties"), dict):
            self.additional.append(node["additionalProperties"])
        for part in node.get("allOf", []) + node.get("oneOf", []) + node.get("anyOf", []):
            self._take(part, depth + 1)


def matches(value: str, pattern: str) -> bool:
    """The value itself, or an fnmatch pattern (`[]` in a field path is literal when equal)."""
    return value == pattern or fnmatch.fnmatchcase(value, pattern)


def resolved(document: dict, node: object) -> object:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 50:
        target: object = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node


def json_type(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(value), "object")


def shown(values) -> object:
    if isinstance(values, set):
        return sorted(values, key=str) if len(values) != 1 else next(iter(values))
    return values


# --- comparing ---------------------------------------------------------------------------------

class Comparison:
    def __init__(self, ours: dict, theirs: dict, explained: list[dict]):
        self.ours, self.theirs, self.explained = ours, theirs, explained
        self.differences: list[Difference] = []

    def note(self, operation: str, where: str, aspect: str, ours: object, theirs: object, contradiction: bool) -> None:
        verdict, why = (CONTRADICTION if contradiction else LISTED), ""
        if contradiction:
            entry = self.explanation(operation, where, aspect, ours, theirs)
            if entry is not None:
                verdict, why = EXPLAINED_VERDICT, f"{entry['why'].strip()} ({entry['code'].strip()})"
        self.differences.append(Difference(operation, where, aspect, shown(ours), shown(theirs), verdict, why))

    def explanation(self, operation, where, aspect, ours, theirs) -> dict | None:
        for entry in self.explained:
            if entry["aspect"] != aspect:
                continue
            if "ours" in entry and entry["ours"] != shown(ours):
                continue
            if "theirs" in entry and entry["theirs"] != shown(theirs):
                continue
            if not matches(operation, entry.get("operation", "*")) or not matches(where, entry.get("where", "*")):
                continue
            return entry
        return None

    def run(self) -> list[Difference]:
        for path, item in self.ours.get("paths", {}).items():
            for method in METHODS:
                if method not in item:
                    continue
                operation = f"{method.upper()} {path}"
                theirs_item = self.theirs["paths"].get(path, {})
                if method not in theirs_item:
                    self.note(operation, "operation", "only ours", True, None, False)
                    continue
                self.operation(operation, item, item[method], theirs_item, theirs_item[method])
        return self.differences

    def operation(self, operation: str, ours_item: dict, ours: dict, theirs_item: dict, theirs: dict) -> None:
        self.parameters(operation, parameters(self.ours, ours_item, ours), parameters(self.theirs, theirs_item, theirs))
        ours_body, theirs_body = request_schema(self.ours, ours), request_schema(self.theirs, theirs)
        if ours_body is not None and theirs_body is not None:
            self.schemas(operation, "request", ours_body, theirs_body, request=True)
        elif (ours_body is None) != (theirs_body is None):
            self.note(operation, "request body", "only ours" if theirs_body is None else "only theirs",
                      ours_body is not None, theirs_body is not None, False)
        ours_statuses, theirs_statuses = set(ours.get("responses", {})), set(theirs.get("responses", {}))
        for status in sorted(ours_statuses ^ theirs_statuses):
            if status == "default":
                continue
            self.note(operation, f"status {status}", "only ours" if status in ours_statuses else "only theirs",
                      status in ours_statuses, status in theirs_statuses, False)
        for status in sorted(ours_statuses & theirs_statuses):
            ours_schema = response_schema(self.ours, ours["responses"][status])
            theirs_schema = response_schema(self.theirs, theirs["responses"][status])
            if ours_schema is not None and theirs_schema is not None:
                self.schemas(operation, f"response {status}", ours_schema, theirs_schema, request=False)

    def parameters(self, operation: str, ours: dict, theirs: dict) -> None:
        for key in sorted(set(ours) | set(theirs)):
            where = f"parameter {key[0]} {key[1]}"
            if key not in theirs or key not in ours:
                self.note(operation, where, "only ours" if key in ours else "only theirs", key in ours, key in theirs, False)
                continue
            mine, other = ours[key], theirs[key]
            if bool(mine.get("required")) != bool(other.get("required")):
                self.note(operation, where, "required", bool(mine.get("required")), bool(other.get("required")), True)
            self.values(operation, where, View(self.ours, mine.get("schema", {})), View(self.theirs, other.get("schema", {})))

    def values(self, operation: str, where: str, ours: View, theirs: View) -> None:
        """Type, format, enum and nullability of one value (not its fields)."""
        if ours.types and theirs.types and ours.types != theirs.types:
            self.note(operation, where, "type", ours.types, theirs.types, True)
        elif ours.formats != theirs.formats and (ours.types or theirs.types) and (ours.formats or theirs.formats):
            self.note(operation, where, "format", ours.formats or None, theirs.formats or None, True)
        if ours.enum != theirs.enum and (ours.types & theirs.types or not (ours.types and theirs.types)):
            self.note(operation, where, "enum", ours.enum, theirs.enum, True)
        if ours.nullable != theirs.nullable:
            self.note(operation, where, "nullable", ours.nullable, theirs.nullable, True)

    def schemas(self, operation: str, where: str, ours_node: object, theirs_node: object, request: bool,
                depth: int = 0) -> None:
        ours, theirs = View(self.ours, ours_node), View(self.theirs, theirs_node)
        self.values(operation, where, ours, theirs)
        if depth > 12:
            return
        for name in sorted(set(ours.properties) | set(theirs.properties)):
            inner = f"{where}: {name}" if ":" not in where else f"{where}.{name}"
            if name not in theirs.properties:
                # A field only we require fails a server that sends what its schema says, unless
                # that schema leaves the object free (no properties: drf-spectacular's dict).
                self.note(operation, inner, "only ours", name in ours.required, None,
                          name in ours.required and bool(theirs.properties))
                continue
            if name not in ours.properties:
                self.note(operation, inner, "only theirs", None, name in theirs.required, False)
                continue
            if (name in ours.required) != (name in theirs.required):
                self.note(operation, inner, "required", name in ours.required, name in theirs.required, True)
            self.schemas(operation, inner, ours.properties[name], theirs.properties[name], request, depth + 1)
        if ours.items and theirs.items:
            self.schemas(operation, f"{where}[]", {"allOf": ours.items}, {"allOf": theirs.items}, request, depth + 1)
        if ours.additional and theirs.additional:
            self.schemas(operation, f"{where}{{*}}", {"allOf": ours.additional}, {"allOf": theirs.additional},
                         request, depth + 1)


def parameters(document: dict, item: dict, operation: dict) -> dict[tuple[str, str], dict]:
    found = {}
    for parameter in item.get("parameters", []) + operation.get("parameters", []):
        parameter = resolved(document, parameter)
        found[(parameter.get("in"), parameter.get("name"))] = parameter
    return found


def request_schema(document: dict, operation: dict) -> object | None:
    body = resolved(document, operation.get("requestBody"))
    return ((body or {}).get("content") or {}).get("application/json", {}).get("schema")


def response_schema(document: dict, response: object) -> object | None:
    response = resolved(document, response)
    return ((response or {}).get("content") or {}).get("application/json", {}).get("schema")


def compare(ours: dict, theirs: dict, explained: list[dict] | None = None) -> list[Difference]:
    return Comparison(ours, theirs, explanations() if explained is None else explained).run()


# --- the command -------------------------------------------------------------------------------

def table(differences: list[Difference]) -> str:
    order = {CONTRADICTION: 0, EXPLAINED_VERDICT: 1, LISTED: 2}
    rows = [("VERDICT", "OPERATION", "WHERE", "ASPECT", "OURS", "THEIRS")]
    rows += [(d.verdict, d.operation, d.where, d.aspect, json.dumps(d.ours), json.dumps(d.theirs))
             for d in sorted(differences, key=lambda d: (order[d.verdict], d.operation, d.where))]
    widths = [min(60, max(len(row[i]) for row in rows)) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def summary(differences: list[Difference]) -> dict[str, int]:
    return {verdict: sum(d.verdict == verdict for d in differences)
            for verdict in (CONTRADICTION, EXPLAINED_VERDICT, LISTED)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mockserver drift",
        description="Compare our Waldur spec with a Waldur schema (a file, or a deployment's /api/schema/ URL). "
                    "Exit 1 on a contradiction no entry of the package's looser-than-the-code.yaml explains.")
    parser.add_argument("schema", nargs="?", default=str(REFERENCE),
                        help="Waldur's OpenAPI schema: a file or an http(s) URL (default: the shipped 8.0.5 copy)")
    parser.add_argument("--spec", default=str(DOCUMENTS["waldur"]), help="our document (default: the shipped one)")
    parser.add_argument("--json", action="store_true", help="JSON: {summary, differences: [...]}")
    args = parser.parse_args(argv)
    try:
        ours, theirs = load(args.spec), load(args.schema)
    except SchemaError as error:
        print(f"mockserver drift: {error}", file=sys.stderr)
        return 2
    differences = compare(ours, theirs)
    counts = summary(differences)
    if args.json:
        print(json.dumps({"summary": counts, "differences": [asdict(d) for d in differences]}, indent=2))
    else:
        print(table(differences))
        print(f"\n{counts[CONTRADICTION]} contradiction(s), {counts[EXPLAINED_VERDICT]} explained, "
              f"{counts[LISTED]} listed (one side only)")
    return 1 if counts[CONTRADICTION] else 0
