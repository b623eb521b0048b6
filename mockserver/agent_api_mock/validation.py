"""Request validation from the spec's schemas, with each API's own messages and error format.

Connexion's default validators stop at the first error and answer application/problem+json.
These collect every error and answer as the real services do:
- Waldur: a Django REST Framework map `{field: [messages]}` (400). DRF validates a write's
  body only after it found the object (404) and checked permissions (403), so a Waldur
  body's verdict is kept in the request scope and the handler asks for it at that point.
- Prefactor: the `validation_errors` envelope (422), or `bad_request` (400) for a body that
  is not a JSON object.
"""
from __future__ import annotations

import codecs
import functools
from urllib.parse import parse_qsl, urlencode

import fastjsonschema

from connexion.context import scope as request_scope
from connexion.json_schema import Draft4RequestValidator
from connexion.lifecycle import ConnexionRequest
from connexion.validators import AbstractRequestBodyValidator
from connexion.utils import is_null, is_nullable, make_type
from connexion.validators.parameter import ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from jsonschema.exceptions import best_match

from agent_api_mock.errors import ApiError, prefactor_error, waldur_detail, waldur_field_errors
from agent_api_mock.wire import strict_json

BODY_STATE_KEY = "mock_body"


def compiled(schema: dict, _cache: dict = {}) -> Draft4Validator:  # noqa: B006 - a cache, keyed by the spec's schema objects
    validator = _cache.get(id(schema))
    if validator is None:
        validator = _cache[id(schema)] = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    return validator


# --- the fast path: bodies that certainly pass ------------------------------------------------
#
# jsonschema is the judge of every body, and writes the messages; checking a body with it costs
# tens of microseconds. fastjsonschema compiles a schema to plain Python, ten times faster. It
# is trusted only one way: a body it passes is valid without asking jsonschema, and only for
# schemas of keywords both read the same in draft 4 (enum and type compare types as jsonschema
# does; its patterns end with `\Z` where jsonschema's `$` also passes a final newline, so it is
# stricter there; it knows no `nullable`, so it refuses a null that Connexion's validator
# accepts; formats are jsonschema's own checks). A body it refuses, and a body of any other
# schema, goes to jsonschema. tests/test_validation_fast_path.py holds it to that.

FAST_KEYWORDS = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "allOf", "anyOf", "oneOf", "not", "enum",
    "minLength", "maxLength", "pattern", "format", "minItems", "maxItems", "minProperties", "maxProperties",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "nullable",
    # annotations: neither validator checks them
    "description", "title", "example", "examples", "readOnly", "writeOnly", "default", "deprecated",
})
SUBSCHEMA_LISTS, SUBSCHEMAS = ("allOf", "anyOf", "oneOf"), ("not", "additionalProperties")
DRAFT4 = "http://json-schema.org/draft-04/schema#"


def read_alike(schema: object) -> bool:
    """Whether every keyword of `schema` (and of its subschemas) reads the same in both."""
    if not isinstance(schema, dict):
        return isinstance(schema, bool)  # additionalProperties: false
    for keyword, value in schema.items():
        if keyword.startswith("x-"):
            continue
        if keyword not in FAST_KEYWORDS:
            return False
        if keyword == "enum" and not all(isinstance(choice, (str, bool, int, type(None))) for choice in value):
            return False
        if keyword == "properties" and not all(read_alike(sub) for sub in value.values()):
            return False
        if keyword in SUBSCHEMA_LISTS and not all(read_alike(sub) for sub in value):
            return False
        if keyword in SUBSCHEMAS and not read_alike(value):
            return False
        if keyword == "items" and not all(read_alike(sub) for sub in (value if isinstance(value, list) else [value])):
            return False
    return True


def _jsonschema_format(name: str, value: str) -> bool:
    return Draft4Validator.FORMAT_CHECKER.conforms(value, name)


def fast_check(schema: dict, _cache: dict = {}):  # noqa: B006 - as compiled()
    """fastjsonschema's check of `schema` (raises on an invalid body), or None if not trusted for it."""
    if id(schema) not in _cache:
        check = None
        # Connexion hands a body schema over with the document's `components` beside it (for $refs)
        own = {keyword: value for keyword, value in schema.items() if keyword != "components"}
        if read_alike(own):
            formats = {name: functools.partial(_jsonschema_format, name) for name in Draft4Validator.FORMAT_CHECKER.checkers}
            check = fastjsonschema.compile({**own, "$schema": DRAFT4}, formats=formats, use_default=False)
        _cache[id(schema)] = (schema, check)  # the schema kept: its id stays its own
    return _cache[id(schema)][1]


def certainly_valid(schema: dict, body: object) -> bool:
    check = fast_check(schema)
    if check is None:
        return False
    try:
        check(body)
    except Exception:  # noqa: BLE001 - any refusal (or trouble) leaves the verdict to jsonschema
        return False
    return True


def compiled_parameter(schema: dict, _cache: dict = {}) -> Draft4Validator:  # noqa: B006 - as compiled()
    """A parameter's validator, as Connexion builds it (a plain Draft4Validator), built once."""
    validator = _cache.get(id(schema))
    if validator is None:
        validator = _cache[id(schema)] = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    return validator


def _type_name(value: object) -> str:
    return {dict: "dict", list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(type(value), "null")


# --- Waldur (Django REST Framework) messages ---------------------------------------------

def drf_message(error: ValidationError) -> str:
    value, keyword, rule = error.instance, error.validator, error.validator_value
    if value is None and keyword in ("type", "anyOf", "oneOf"):
        return "This field may not be null."
    if keyword == "minLength" and value == "":
        return "This field may not be blank."
    if keyword == "maxLength":
        return f"Ensure this field has no more than {rule} characters."
    if keyword == "type":
        return {"string": "Not a valid string.", "integer": "A valid integer is required.",
                "boolean": "Must be a valid boolean.", "array": f'Expected a list of items but got type "{_type_name(value)}".',
                "object": f'Expected a dictionary of items but got type "{_type_name(value)}".'}.get(rule, "Invalid value.")
    if keyword == "enum":
        return f'"{value}" is not a valid choice.'
    if keyword == "pattern":
        return "Must be a valid UUID." if "0-9a-fA-F" in str(rule) else "Enter a valid value."
    return "Invalid value."


def drf_body_errors(schema: dict, body: object) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        return {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {_type_name(body)}."]}
    errors: dict[str, list[str]] = {}
    if certainly_valid(schema, body):
        return errors
    for error in compiled(schema).iter_errors(body):
        if error.validator == "required" and not error.path:
            for name in error.validator_value:
                if name not in body:
                    errors[name] = ["This field is required."]
            continue
        field = str(error.path[0]) if error.path else "non_field_errors"
        errors.setdefault(field, [drf_message(error)])  # DRF stops at a field's first error
    return errors


def drf_trimmed(schema: dict, body: object) -> tuple[object, dict[str, list[str]]]:
    """DRF's CharField: surrounding white space is trimmed and NUL characters refused."""
    if not isinstance(body, dict):
        return body, {}
    trimmed, errors = dict(body), {}
    for name, field in schema.get("properties", {}).items():
        value = trimmed.get(name)
        if field.get("type") == "string" and isinstance(value, str):
            if "\x00" in value:
                errors[name] = ["Null characters are not allowed."]
            trimmed[name] = value.strip()
    return trimmed, errors


def filter_message(parameter: dict, raw: object) -> str:
    """django-filter's message for a query value the spec does not allow."""
    schema = parameter.get("schema", {})
    item = schema.get("items", schema)
    if "enum" in item:
        # django-filter names the first value that is not a choice, not merely the first value.
        values = raw if isinstance(raw, list) else [raw]
        choices = {str(choice) for choice in item["enum"]}
        value = next((value for value in values if str(value) not in choices), values[0] if values else raw)
        return f"Select a valid choice. {value} is not one of the available choices."
    if "0-9a-fA-F" in str(item.get("pattern", "")):
        return "Enter a valid UUID."
    if item.get("format") == "date-time":
        return "Enter a valid date/time."
    if item.get("type") in ("integer", "number"):
        return "Enter a number."
    return "Enter a valid value."


def conforms(raw: str, schema: dict) -> bool:
    try:
        value = make_type(raw, schema.get("type", "string"), schema.get("format"))
    except (ValueError, TypeError, KeyError):
        return False
    return compiled(schema).is_valid(value)


class WaldurParameterValidator(ParameterValidator):
    """Collects every invalid query filter into one DRF map.

    Path uuids are not checked here: a malformed uuid names no object, which the handler
    answers with the object's 404. Empty list filters, and invalid values of parameters
    marked `x-lenient` in the spec, are dropped from the request, as the real service ignores
    them (`page_size` then falls back to its default). An invalid `page` is 404 "Invalid page.", as Django's
    paginator answers.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.declared = {p["name"]: p for p in self.parameters.get("query", [])}

    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        """Connexion's check of one value, with the schema's validator built once: Connexion
        deep-copies the parameter and builds a validator for it on every request."""
        if is_nullable(param) and is_null(value):
            return None
        if value is not None:
            validator = compiled_parameter(param.get("schema", param))
            if not validator.is_valid(value):
                return str(best_match(validator.iter_errors(value)))
            return None
        if param.get("required"):
            return f"Missing {parameter_type} parameter '{param['name']}'"
        return None

    def validate(self, scope) -> None:
        if scope.get("query_string"):
            declared = self.declared
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(name, value) for name, value in pairs if not self.ignored(declared.get(name), value)]
            if len(kept) != len(pairs):
                scope["query_string"] = urlencode(kept).encode("latin-1")
        super().validate(scope)

    @staticmethod
    def ignored(parameter: dict | None, value: str) -> bool:
        """An empty comma-separated list means no filter; x-lenient parameters skip invalid values.

        (A repeated parameter's empty value, `?status=`, is an invalid choice, as in Django.)"""
        if parameter is None:
            return False
        if value == "" and parameter["schema"].get("type") == "array" and parameter.get("explode") is False:
            return True
        return bool(parameter.get("x-lenient")) and not conforms(value, parameter["schema"])

    def validate_request(self, request: ConnexionRequest) -> None:
        errors: dict[str, list[str]] = {}
        given = request.query_params if request.scope.get("query_string") else {}
        for parameter in self.parameters.get("query", []):
            name = parameter["name"]
            if name not in given and not parameter.get("required"):
                continue
            if name == "page":
                if request.query_params.get(name) not in (None, "last") and self.validate_query_parameter(parameter, request):
                    raise waldur_detail(404, "Invalid page.")
                continue
            if self.validate_query_parameter(parameter, request):
                errors[name] = [filter_message(parameter, request.query_params.get(name))]
        if errors:
            raise waldur_field_errors(errors)


async def received_body(receive) -> tuple[list[dict], bytes]:
    """Every ASGI message of the request body, kept to be replayed to the app, and its bytes."""
    messages, chunks = [], []
    more_body = True
    while more_body:
        message = await receive()
        messages.append(message)
        chunks.append(message.get("body", b""))
        more_body = message.get("more_body", False)
    return messages, b"".join(chunks)


def known_encoding(charset: str | None) -> str:
    """The body's charset, as Django reads it (HttpRequest._set_content_type_params): one Python
    does not know is ignored, and the body read as UTF-8."""
    try:
        return codecs.lookup(charset).name if charset else "utf-8"
    except LookupError:
        return "utf-8"


class WaldurBodyValidator(AbstractRequestBodyValidator):
    """Parses and validates a Waldur write's body, and keeps the verdict for the handler."""

    async def wrap_receive(self, receive, *, scope):
        messages, raw = await received_body(receive)
        scope.setdefault("state", {})[BODY_STATE_KEY] = self.verdict(raw)
        return self._insert_messages(receive, messages=messages), scope

    def verdict(self, raw: bytes) -> tuple[object, ApiError | None]:
        if not raw.strip():
            body: object = {}
        else:
            try:
                body = strict_json(raw.decode(known_encoding(self._encoding)))
            except (ValueError, UnicodeDecodeError) as error:
                return None, waldur_detail(400, f"JSON parse error - {error}")
        body, null_characters = drf_trimmed(self._schema, body)
        errors = {**drf_body_errors(self._schema, body), **null_characters}
        return body, (waldur_field_errors(errors) if errors else None)


def request_body() -> dict:
    """The body the validator parsed for this request (once: handlers take no `body` argument, so
    Connexion does not parse it again); for a Waldur write, raises its 400 if it was invalid."""
    body, problem = request_scope["state"].get(BODY_STATE_KEY, ({}, None))
    if problem is not None:
        raise problem
    return body if body is not None else {}


# --- Prefactor messages --------------------------------------------------------------------

def prefactor_message(error: ValidationError) -> str:
    keyword, rule, value = error.validator, error.validator_value, error.instance
    if keyword == "minLength" and value == "":
        return "can't be blank"
    if keyword == "maxLength":
        return f"should be at most {rule} character(s)"
    if keyword == "pattern":
        return "has invalid format"
    return "is invalid"


def prefactor_body_errors(schema: dict, body: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if certainly_valid(schema, body):
        return errors
    for error in compiled(schema).iter_errors(body):
        prefix = ".".join(str(part) for part in error.path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    errors[f"{prefix}.{name}" if prefix else name] = ["can't be blank"]
            continue
        errors.setdefault(prefix or "body", []).append(prefactor_message(error))
    return errors


class PrefactorBodyValidator(AbstractRequestBodyValidator):
    @staticmethod
    def parsed(raw: bytes, encoding: str) -> object:
        if not raw.strip():
            raise prefactor_error(400, "The request body must be a JSON object.")
        try:
            return strict_json(raw.decode(encoding))
        except (ValueError, UnicodeDecodeError):
            raise prefactor_error(400, "The request body is not valid JSON.") from None

    def _validate(self, body: object) -> None:
        if not isinstance(body, dict):
            raise prefactor_error(400, "The request body must be a JSON object.")
        errors = prefactor_body_errors(self._schema, body)
        if errors:
            raise prefactor_error(422, "The request is invalid.", errors=errors)

    async def wrap_receive(self, receive, *, scope):
        messages, raw = await received_body(receive)
        body = self.parsed(raw, known_encoding(self._encoding))
        self._validate(body)
        scope.setdefault("state", {})[BODY_STATE_KEY] = (body, None)
        return self._insert_messages(receive, messages=messages), scope
