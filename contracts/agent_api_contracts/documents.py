"""The contract: the OpenAPI documents in spec/, as data."""
from __future__ import annotations

from agent_api_spec.operations import document as _load  # the parsed documents, shared (read once)


def document(api: str) -> dict:
    """A fresh copy each time: Schemathesis may annotate what it loads."""
    import copy
    return copy.deepcopy(_load(api))


def lenient_query_parameters(api: str) -> dict[str, dict]:
    """Query parameters marked `x-lenient`: the service ignores or defaults invalid values."""
    parameters = _load(api).get("components", {}).get("parameters", {})
    return {p["name"]: p["schema"] for p in parameters.values() if p.get("in") == "query" and p.get("x-lenient")}
