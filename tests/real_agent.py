"""Running the real waldur-site-agent (1.0.7) against the mock, as its users would.

- `start_mock()`: `python -m agent_api_mock --port 0`, the base URL read from its banner.
- `agent_home(tmp, base_url)`: an agent config for the built-in data (offering HPC cluster,
  token waldur-owner) and a bare `*.dist-info` that registers the agent's own MockBackend under
  the entry-point group `waldur_site_agent.backends` (the package registers no backend itself).
- `run_cycle(home, mode)`: one cycle of a mode, unchanged, in a subprocess with a timeout (the
  agent retries an unexpected answer 10 x 5 s, which must not block a test run): what the
  agent's `main()` does once, `load_configuration` then the mode's `_process_offerings`.

`python tests/real_agent.py [order_process report membership_sync]` runs the cycles against a
fresh mock and prints each one's wall time and the calls the agent made;
`python tests/real_agent.py --home DIR [BASE_URL]` only writes the config and the registration
into DIR, for running the agent's own command against a mock started by hand.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

OFFERING_UUID = "fce5a890b4e15e57980a83931fcee79c"  # HPC cluster, owned by Alpha University
OWNER_TOKEN = "waldur-owner"
MODES = {
    "order_process": "waldur_site_agent.polling_processing.agent_order_process",
    "report": "waldur_site_agent.polling_processing.agent_report",
    "membership_sync": "waldur_site_agent.polling_processing.agent_membership_sync",
}
CYCLE_TIMEOUT = 90  # seconds; a healthy cycle against the mock takes about one

CONFIG = """\
# waldur-site-agent configuration for the mock's built-in data
timezone: UTC
offerings:
- name: HPC cluster (mock)
  waldur_api_url: {base_url}/api/
  waldur_api_token: {token}
  waldur_offering_uuid: {offering}
  backend_type: mock
  order_processing_backend: mock
  reporting_backend: mock-between-cycles
  membership_sync_backend: mock-between-cycles
  backend_settings: {{}}
  backend_components:
    cpu:
      measured_unit: hours
      unit_factor: 1
      accounting_type: usage
      label: CPU
    mem:
      measured_unit: GB-hours
      unit_factor: 1
      accounting_type: usage
      label: Memory
"""

ENTRY_POINTS = """\
[waldur_site_agent.backends]
mock = waldur_site_agent.testing.mock_backend:MockBackend
mock-between-cycles = mock_backend_between_cycles:MockBackendBetweenCycles
"""

# MockBackend keeps no state between cycles, so a report cycle's pull_resource finds no
# resource and reports (or syncs) nothing, where a real backend still holds what order_process created.
# The report and membership_sync cycles use this subclass: a resource with a backend id is there.
BETWEEN_CYCLES = '''\
"""MockBackend, with the resources an earlier cycle created still there."""
from waldur_site_agent.testing.mock_backend import MockBackend


class MockBackendBetweenCycles(MockBackend):
    def pull_resource(self, waldur_resource):
        found = super().pull_resource(waldur_resource)
        if found is None and waldur_resource.backend_id:
            found = self.create_resource_with_id(waldur_resource, waldur_resource.backend_id)
        return found
'''

CYCLE = textwrap.dedent("""\
    import importlib, sys, time
    from waldur_site_agent.common import utils
    mode, config = sys.argv[1], sys.argv[2]
    configuration = utils.load_configuration(config, user_agent_suffix=mode)
    configuration.waldur_site_agent_mode = mode  # what main() takes from `-m`
    utils.log_versions(configuration)
    started = time.perf_counter()
    importlib.import_module(sys.argv[3])._process_offerings(configuration, {})
    print(f"cycle-seconds {time.perf_counter() - started:.3f}")
""")


@contextmanager
def start_mock(*arguments: str):
    """The mock started as a user starts it; yields its base URL."""
    process = subprocess.Popen([sys.executable, "-m", "agent_api_mock", "--port", "0", *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        base_url = None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                base_url = found.group(1)
                break
        if base_url is None:
            raise RuntimeError(f"the mock did not start: {process.stdout.read() if process.poll() is not None else ''}")
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def agent_home(directory: Path, base_url: str) -> Path:
    """A config file and the MockBackend registration in `directory`."""
    dist_info = directory / "mock_backend_registration-0.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: mock-backend-registration\nVersion: 0\n")
    (dist_info / "entry_points.txt").write_text(ENTRY_POINTS)
    (directory / "mock_backend_between_cycles.py").write_text(BETWEEN_CYCLES)
    (directory / "agent-config.yaml").write_text(CONFIG.format(base_url=base_url, token=OWNER_TOKEN,
                                                                offering=OFFERING_UUID))
    return directory


def run_cycle(home: Path, mode: str) -> tuple[float, str]:
    """One cycle of `mode`; returns its wall time (seconds) and the agent's output."""
    environment = {"PYTHONPATH": str(home), "PATH": "/usr/bin:/bin", "HOME": str(home),
                   "WALDUR_SITE_AGENT_HEARTBEAT_FILE": str(home / "heartbeat")}
    completed = subprocess.run([sys.executable, "-c", CYCLE, mode, str(home / "agent-config.yaml"), MODES[mode]],
                               capture_output=True, text=True, timeout=CYCLE_TIMEOUT, env=environment, cwd=home)
    output = completed.stdout + completed.stderr
    found = re.search(r"cycle-seconds (\S+)", output)
    if completed.returncode != 0 or found is None:
        raise AssertionError(f"the {mode} cycle failed (exit {completed.returncode}):\n{output[-4000:]}")
    return float(found.group(1)), output


def admin(base_url: str, path: str) -> object:
    with urllib.request.urlopen(f"{base_url}/__admin/{path}") as answer:
        return json.load(answer)


def api(base_url: str, path: str, token: str = OWNER_TOKEN) -> object:
    request = urllib.request.Request(f"{base_url}{path}", headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def main(modes: list[str]) -> None:
    import tempfile
    with start_mock() as base_url, tempfile.TemporaryDirectory() as directory:
        home = agent_home(Path(directory), base_url)
        for mode in modes:
            before = len(admin(base_url, "requests"))
            started = time.perf_counter()
            seconds, _ = run_cycle(home, mode)
            process = time.perf_counter() - started
            calls = admin(base_url, "requests")[before:]
            print(f"{mode}: cycle {seconds:.2f} s (agent process start to exit {process:.2f} s), {len(calls)} calls")
            for call in calls:
                print(f"  {call['method']:<5} {call['status']}  {call['operation_id']}  {call['path']}"
                      f"{'?' + call['query'] if call['query'] else ''}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--home"]:  # --home DIR [BASE_URL]: only write the config and the registration
        home = agent_home(Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "http://127.0.0.1:8000")
        print(f"PYTHONPATH={home} waldur_site_agent -m order_process -c {home / 'agent-config.yaml'}")
    else:
        main(sys.argv[1:] or list(MODES))
