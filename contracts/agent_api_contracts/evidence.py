"""The first home of Rule and curl, kept so that `from agent_api_contracts.evidence import Rule` works."""
from agent_api_contracts.rules import Rule, RuleFailure, Violation, curl, enforce  # noqa: F401
