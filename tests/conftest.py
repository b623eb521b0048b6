"""A fresh mock per test (state never leaks between tests), with response validation on, so
every answer a test receives has also been checked against spec/.

The `client` fixture also fails any test that received a 5xx it did not ask for: the mock
must never leak a server error, whatever a test sends it.
"""
from __future__ import annotations

import warnings

import pytest

warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
from starlette.testclient import TestClient  # noqa: E402

from mock_api import state_of  # noqa: E402
from agent_api_mock.app import create_app  # noqa: E402
from agent_api_mock.store import DEFAULT_DATA, load_data_file  # noqa: E402

# The built-in data, parsed once: the store copies what it is given, so every app starts from it.
BUILT_IN_DATA = load_data_file(DEFAULT_DATA)


def pytest_configure(config):
    config.addinivalue_line("markers", "server_errors_expected: the test itself asks the mock for 5xx answers")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(items):
    """`python3 run.py test` spreads the tests over workers (pytest-xdist, `--dist loadgroup`); a module
    whose tests share a module-scoped fixture (a mock process, the agent's cycles, the mutation
    harness's verdicts) stays on one worker, so that fixture runs once, not once per worker."""
    for item in items:
        definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        if any(fixture.scope == "module" for fixtures in definitions.values() for fixture in fixtures):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.fixture
def app():
    return create_app(BUILT_IN_DATA, validate_responses=True)


@pytest.fixture
def store(app):
    return app.state.mock.store


@pytest.fixture
def client(app, request):
    server_errors = []

    def remember_server_errors(response):
        if response.status_code >= 500:
            server_errors.append(f"{response.request.method} {response.request.url} -> {response.status_code}")

    with TestClient(app) as client:
        client.event_hooks = {"request": [], "response": [remember_server_errors]}
        yield client
    if server_errors and request.node.get_closest_marker("server_errors_expected") is None:
        pytest.fail("the mock answered with server errors:\n" + "\n".join(server_errors))


@pytest.fixture
def seed(client) -> dict:
    """The state the test starts from (the built-in data), as /__admin/state dumps it."""
    return state_of(client)
