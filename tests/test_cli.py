"""The `mockserver` command on a bad day, run as a user runs it: bad data files, a taken port,
Ctrl-C, an unknown `run.py` command, a port out of range. Each answer is one line saying what is
wrong, never a traceback. And on a good day: its help, version and access log."""
from __future__ import annotations

import json
import re
import sqlite3
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import httpx
import pytest

from agent_api_mock.app import create_app
from agent_api_mock.middleware import AccessLog

ROOT = Path(__file__).resolve().parent.parent


def mockserver(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent_api_mock", "--port", "0", *args],
                          capture_output=True, text=True, timeout=timeout)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert "Traceback" not in text, text
    assert len(lines) == 1, text
    return lines[0]


# --- --data FILE ----------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "problem"), [
    pytest.param("users:\n- token: a\n  role: [staff\n", r"line 4, column 1: malformed YAML: .+", id="malformed YAML"),
    pytest.param("users:\n  - token: a\n   role: staff\n", r"line 3, column 4: malformed YAML: did not find expected '-' indicator \(while parsing a block collection\)",
                 id="bad indentation"),
    pytest.param("users:\n- username: nobody\n", r"users\[0\]\.token: is required.*", id="a user without a token"),
    pytest.param("users:\n- token: t\nservices:\n- uuid: 7d494fe8e36b5b3baf5e76ea7a0add1a\n",
                 r"services\[0\]\.identity: is required \(and \d+ more problems\)", id="an incomplete service"),
    pytest.param("{}\n", r"users: is required \(at least one is needed: without users every Waldur token answers 401\)",
                 id="no users"),
    pytest.param("- a list\n", r'the state: \["a list"\] is not of type "object"', id="a list"),
])
def test_a_bad_data_file_is_one_line_naming_the_file_the_item_and_the_problem(tmp_path, content, problem):
    data = tmp_path / "data.yaml"
    data.write_text(content)
    run = mockserver("--data", str(data))
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert run.stdout == ""
    assert re.fullmatch(rf"mockserver: cannot load {re.escape(str(data))}: {problem}", one_line(run.stderr))


def assigned(role_name: str, scope_type: str, scope_uuid: str) -> str:
    """A data file with one customer (Alpha University) and one account holding that role assignment."""
    return (f"users:\n- token: t\n  permissions:\n  - role_name: {role_name}\n    scope_type: {scope_type}\n"
            f"    scope_uuid: {scope_uuid}\ncustomers:\n- uuid: 2037d4cc02cf5404a713d4c207de392e\n  name: Alpha\n")


@pytest.mark.parametrize(("content", "problem"), [
    pytest.param(assigned("CUSTOMER.KING", "customer", "2037d4cc02cf5404a713d4c207de392e"),
                 r'users\[0\]\.permissions\[0\]\.role_name: "CUSTOMER\.KING" is not one of .+', id="an unknown role"),
    pytest.param(assigned("CUSTOMER.OWNER", "project", "2037d4cc02cf5404a713d4c207de392e"),
                 r"users\[0\]\.permissions\[0\]: Role is not valid for this scope: CUSTOMER\.OWNER is granted on a "
                 r"customer, not on a project", id="a role on the wrong kind of scope"),
    pytest.param(assigned("CUSTOMER.OWNER", "customer", "f" * 32),
                 rf"users\[0\]\.permissions\[0\]: scope_uuid: no customer {'f' * 32}", id="a scope that does not exist"),
    pytest.param("users:\n- token: t\n  permissions: [CUSTOMER.OWNER]\n",
                 r'users\[0\]\.permissions\[0\]: "CUSTOMER\.OWNER" is not of type "object"', id="a malformed assignment"),
])
def test_a_bad_role_assignment_in_a_data_file_is_one_line_naming_it(tmp_path, content, problem):
    data = tmp_path / "roles.yaml"
    data.write_text(content)
    run = mockserver("--data", str(data))
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert re.fullmatch(rf"mockserver: cannot load {re.escape(str(data))}: {problem}", one_line(run.stderr))


def test_a_missing_data_file_is_one_line(tmp_path):
    run = mockserver("--data", str(tmp_path / "nowhere.yaml"))
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert one_line(run.stderr) == f"mockserver: cannot load {tmp_path / 'nowhere.yaml'}: No such file or directory"


# --- the server's life ------------------------------------------------------------------------

def start(*args: str) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, "-m", "agent_api_mock", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    for line in server.stdout:
        if line.startswith("mockserver listening on "):
            return server, line.split()[-1]
    server.kill()
    raise AssertionError(f"the mock did not start: {server.stderr.read()}")


@pytest.mark.parametrize("state", [False, True], ids=["in memory", "--state"])
def test_ctrl_c_stops_the_server_quietly_with_exit_0(tmp_path, state):
    server, _ = start("--port", "0", *(["--state", str(tmp_path / "state.db")] if state else []))
    server.send_signal(signal.SIGINT)
    out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_a_port_in_use_is_one_line_saying_so():
    server, url = start("--port", "0", "--log-level", "warning")
    try:
        port = url.rsplit(":", 1)[1]
        run = subprocess.run([sys.executable, "-m", "agent_api_mock", "--port", port], capture_output=True, text=True,
                             timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert run.stdout == ""
    assert one_line(run.stderr) == (f"mockserver: port {port} on 127.0.0.1 is already in use "
                                    "(try another --port, or --port 0 for a free one)")


# --- run.py ------------------------------------------------------------------------------------

def test_an_unknown_run_py_command_is_one_line_naming_it():
    run = subprocess.run([sys.executable, str(ROOT / "run.py"), "serve"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert one_line(run.stderr) == ("run.py: unknown command 'serve'; the commands are: mock, test "
                                    "(python3 run.py --help tells more)")


def test_a_state_file_that_no_longer_loads_is_one_line_naming_it_and_the_item(tmp_path):
    state = tmp_path / "state.db"
    server, _ = start("--port", "0", "--state", str(state))
    server.send_signal(signal.SIGINT)
    server.communicate(timeout=30)
    with sqlite3.connect(state) as db:
        kind, key, value = db.execute("SELECT kind, key, value FROM rows WHERE kind = 'service' ORDER BY rowid").fetchone()
        db.execute("UPDATE rows SET value = ? WHERE kind = ? AND key = ?",
                   (json.dumps({**json.loads(value), "state": "Sleeping"}), kind, key))
    run = mockserver("--state", str(state))
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert one_line(run.stderr) == (f'mockserver: cannot load {state}: services[0].state: "Sleeping" is not one of '
                                    '"Active", "Idle" or "Error"')


# --- help, version, ports, the access log --------------------------------------------------------

def command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent_api_mock", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args", [["--help"], ["help"]], ids=["--help", "help"])
def test_help_lists_every_command_with_one_line_each(args):
    run = command(*args)
    assert run.returncode == 0, run.stderr
    commands = run.stdout.split("commands:\n", 1)[1].splitlines()
    assert [line.split()[1] for line in commands] == ["[serve", "proxy", "drift", "help"], run.stdout
    assert re.match(r"  mockserver proxy \[options\] +forward traffic to a real Waldur or Prefactor server", commands[1])
    assert "--port PORT" in run.stdout and "--access-log" in run.stdout


def test_help_of_a_command_is_that_commands_help():
    run = command("help", "proxy")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage: mockserver proxy") and "--upstream URL" in run.stdout
    unknown = command("help", "serve")
    assert unknown.returncode == 1 and one_line(unknown.stderr) == (
        "mockserver help: no command 'serve'; the commands are: proxy, drift")


def test_version_prints_the_installed_version():
    run = command("--version")
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"mockserver {metadata.version('agent-api-contracts')}\n"


@pytest.mark.parametrize("subcommand", [[], ["proxy", "--upstream", "http://127.0.0.1:9"]], ids=["mock", "proxy"])
@pytest.mark.parametrize(("port", "problem"), [
    ("99999", "99999 is not a port number (0 to 65535; 0 picks a free one)"),
    ("65536", "65536 is not a port number (0 to 65535; 0 picks a free one)"),
    ("-1", "-1 is not a port number (0 to 65535; 0 picks a free one)"),
    ("eighty", "'eighty' is not a port number (0 to 65535)"),
])
def test_a_port_outside_0_to_65535_is_refused_saying_so(subcommand, port, problem):
    run = command(*subcommand, "--port", port)
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].endswith(f"error: argument --port: {problem}"), run.stderr


@pytest.mark.parametrize("flag", ["--access-log", "--verbose", "-v"])
def test_the_access_log_prints_a_line_per_request_with_status_time_and_operation(flag):
    server, url = start("--port", "0", "--log-level", "warning", flag)
    try:
        httpx.get(f"{url}/api/marketplace-site-agent-services/?page_size=2", headers={"Authorization": "Token waldur-owner"})
        httpx.post(f"{url}/api/v1/agent", json={"details": {}}, headers={"Authorization": "Bearer prefactor-dev"})
        httpx.get(f"{url}/no/such/path")
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    logged = [line for line in out.splitlines() if re.match(r"\d\d:\d\d:\d\d ", line)]
    assert len(logged) == 3, out
    patterns = [r"GET /api/marketplace-site-agent-services/\?page_size=2 200 \d+\.\dms marketplace_site_agent_services_list",
                r"POST /api/v1/agent 422 \d+\.\dms create_agent",
                r"GET /no/such/path 404 \d+\.\dms -"]
    for line, pattern in zip(logged, patterns):
        assert re.fullmatch(r"\d\d:\d\d:\d\d " + pattern, line), line


def test_without_the_flag_there_is_no_access_log_and_no_layer_for_it():
    assert AccessLog not in [layer.cls for layer in create_app().user_middleware]
    server, url = start("--port", "0", "--log-level", "warning")
    try:
        httpx.get(f"{url}/api/marketplace-site-agent-services/", headers={"Authorization": "Token waldur-owner"})
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert "marketplace-site-agent-services" not in out, out
