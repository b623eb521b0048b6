"""How values look on the wire: Waldur's hex uuids and timestamps, Prefactor's ids."""
import functools
import json
import random
import re
import time
import uuid
from datetime import datetime, timezone

import orjson

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
UUID_INPUT = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def hex_uuid() -> str:
    return uuid.uuid4().hex


def normalize_uuid(value: object) -> str | None:
    """The 32-hex-digit form of a uuid given with or without hyphens; None if it is not one."""
    if not isinstance(value, str) or not UUID_INPUT.fullmatch(value):
        return None
    return value.replace("-", "").lower()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def waldur_time(moment: datetime | None) -> str | None:
    """As Django REST Framework's encoder writes a date-time (Waldur: UTC): `isoformat()` with
    `+00:00` as `Z`, so `2025-01-06T09:00:00.123456Z`, and `2025-01-06T09:00:00Z` when the
    microseconds are zero."""
    if moment is None:
        return None
    text = moment.astimezone(timezone.utc).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def prefactor_time(moment: datetime) -> str:
    """`2025-01-06T09:00:00.123456Z` (strftime's `%Y-%m-%dT%H:%M:%S.%fZ`, at a third of its cost)."""
    return moment.isoformat(timespec="microseconds")[:26] + "Z"  # without any UTC offset isoformat adds


def parse_time(text: str | datetime | None) -> datetime | None:
    if text is None or isinstance(text, datetime):
        return text
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


CROCKFORD_PAIRS = [CROCKFORD[high] + CROCKFORD[low] for high in range(32) for low in range(32)]  # 10 bits each


def prefactor_id(partition: int) -> str:
    """A fresh id in Prefactor's layout: 48-bit milliseconds, 30-bit partition, 80 random bits,
    as 32 Crockford base32 digits (160 bits, the top two zero), most significant first."""
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    value = (millis << 110) | ((partition & ((1 << 30) - 1)) << 80) | random.getrandbits(80)
    pairs = CROCKFORD_PAIRS
    return "".join([pairs[(value >> shift) & 1023] for shift in range(150, -1, -10)])


@functools.lru_cache(maxsize=64)
def prefactor_partition(an_id: str) -> int:
    value = 0
    for char in an_id:
        value = (value << 5) | CROCKFORD.index(char)
    return (value >> 80) & ((1 << 30) - 1)


MAX_JSON_DEPTH = 400
TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels."


def _refuse_constant(name: str) -> float:
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)  # built once: json.loads with options builds one a call


def json_depth(value: object) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                level.append((child, depth + 1))
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
    return deepest


def strict_json(raw: bytes | str) -> object:
    """JSON as Django REST Framework parses it, with two refusals that keep every stored value
    readable: NaN and +/-Infinity (no JSON answer could carry them back), and nesting deeper than
    MAX_JSON_DEPTH levels (each raises ValueError, like any other parse error)."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
    # Fewer brackets than the limit cannot nest deeper than it: most bodies skip the walk.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(TOO_DEEP)
    return value


def json_bytes(data: object) -> bytes:
    """JSON for a response body; strings with lone surrogates (valid in JSON text) are escaped."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode()
