"""The contract suites' pytest plugin (entry point `pytest11`): `pytest --pyargs agent_api_contracts`
checks our own mock (started on a free port); with `--base-url URL` (or PYTEST_BASE_URL) any
implementation."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from agent_api_contracts import clients
from agent_api_contracts.target import choose_target

PROFILES = {
    # Enough to catch what the mutation harness injects, in seconds per run.
    "quick": dict(max_examples=8, schemathesis_examples=6),
    # The default: the conformance layer's phases and the rules' properties in earnest.
    "full": dict(max_examples=40, schemathesis_examples=25),
}


def pytest_addoption(parser):
    group = parser.getgroup("contracts", "API contract suites")
    group.addoption("--api", action="append", choices=["waldur", "prefactor"],
                    help="check only this API (repeatable; default: both)")
    group.addoption("--read-only", action="store_true", help="never send a request that changes state (shared staging)")
    group.addoption("--waldur-url", help="Waldur's base URL when it differs from --base-url (env WALDUR_URL)")
    group.addoption("--prefactor-url", help="Prefactor's base URL when it differs from --base-url (env PREFACTOR_URL)")
    group.addoption("--waldur-token", help="an account that manages at least one site-agent service (env WALDUR_TOKEN)")
    group.addoption("--waldur-support-token", help="a support account (env WALDUR_SUPPORT_TOKEN)")
    group.addoption("--prefactor-token", help="a Prefactor API token (env PREFACTOR_TOKEN)")
    group.addoption("--contract-profile", choices=sorted(PROFILES), default=os.environ.get("CONTRACTS_PROFILE", "full"),
                    help="how many generated cases (env CONTRACTS_PROFILE; default: full)")


def pytest_configure(config):
    config.addinivalue_line("markers", "waldur: checks the Waldur API")
    config.addinivalue_line("markers", "prefactor: checks the Prefactor API")
    config.addinivalue_line("markers", "writes: changes state on the target (skipped with --read-only)")
    profile = PROFILES[config.getoption("contract_profile")]
    settings.register_profile("contracts", max_examples=profile["max_examples"], deadline=None, derandomize=True,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                     HealthCheck.function_scoped_fixture])


def pytest_collection_modifyitems(config, items):
    apis = set(config.getoption("api") or ("waldur", "prefactor"))
    read_only = config.getoption("read_only")
    for item in items:
        for api in ("waldur", "prefactor"):
            if item.get_closest_marker(api) and api not in apis:
                item.add_marker(pytest.mark.skip(reason=f"--api excludes {api}"))
        if read_only and item.get_closest_marker("writes"):
            item.add_marker(pytest.mark.skip(reason="--read-only: this check changes state"))


@pytest.fixture(scope="session")
def target(request):
    chosen = choose_target(request.config)
    yield chosen
    chosen.stop()


@pytest.fixture(scope="session")
def contract_profile(request) -> dict:
    return PROFILES[request.config.getoption("contract_profile")]


@pytest.fixture
def fresh_target(target):
    """The target, reset to its seed data first where it can be (our mock and its variants)."""
    target.reset()
    return target


@pytest.fixture
def waldur_manager(fresh_target):
    with clients.waldur(fresh_target, fresh_target.waldur_token, "WALDUR_TOKEN") as client:
        yield client


@pytest.fixture
def waldur_support(fresh_target):
    with clients.waldur(fresh_target, fresh_target.waldur_support_token, "WALDUR_SUPPORT_TOKEN") as client:
        yield client


@pytest.fixture
def waldur_anonymous(fresh_target):
    if not fresh_target.waldur_url:
        pytest.skip("no Waldur URL: give --base-url, --waldur-url or WALDUR_URL")
    with clients.client(fresh_target.waldur_url, None) as client:
        yield client


@pytest.fixture
def prefactor_client(fresh_target):
    with clients.prefactor(fresh_target) as client:
        yield client


@pytest.fixture
def prefactor_anonymous(fresh_target):
    if not fresh_target.prefactor_url:
        pytest.skip("no Prefactor URL: give --base-url, --prefactor-url or PREFACTOR_URL")
    with clients.client(fresh_target.prefactor_url, None) as client:
        yield client
