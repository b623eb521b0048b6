"""`--state FILE` keeps every acknowledged write across restarts, even a SIGKILL mid-load."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx

STAFF = {"Authorization": "Token waldur-staff"}
PREFACTOR = {"Authorization": "Bearer prefactor-dev"}


def start(state_file) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, "-m", "agent_api_mock", "--port", "0", "--state", str(state_file),
                               "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in server.stdout:
        if line.startswith("mockserver listening on "):
            return server, line.split()[-1]
    raise AssertionError("the mock did not start")


def test_acknowledged_writes_survive_sigkill_in_the_middle_of_a_write_load(tmp_path):
    server, url = start(tmp_path / "state.db")
    acknowledged_processors, acknowledged_agents, stop = [], [], threading.Event()
    try:
        services = httpx.get(f"{url}/api/marketplace-site-agent-services/", headers=STAFF).json()

        def register(worker: int):
            with httpx.Client(base_url=url, timeout=5) as client:
                for number in range(10_000):
                    if stop.is_set():
                        return
                    service = services[(worker + number) % len(services)]
                    name = f"load-{worker}-{number}"
                    try:
                        answer = client.post(f"/api/marketplace-site-agent-services/{service['uuid']}/register_processor/",
                                             json={"name": name, "backend_type": "SLURM"}, headers=STAFF)
                        created = client.post("/api/v1/agent", json={"details": {"name": name}}, headers=PREFACTOR)
                    except httpx.HTTPError:
                        return
                    if answer.status_code == 201:
                        acknowledged_processors.append((service["uuid"], name, answer.json()["uuid"]))
                    if created.status_code == 201:
                        acknowledged_agents.append(created.json()["details"]["id"])

        workers = [threading.Thread(target=register, args=(worker,)) for worker in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(2.0)
        os.kill(server.pid, signal.SIGKILL)
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
    finally:
        server.kill()
        server.wait()
    assert len(acknowledged_processors) > 20, "the load did not get going before the kill"

    server, url = start(tmp_path / "state.db")
    try:
        state = httpx.get(f"{url}/__admin/state").json()
    finally:
        server.terminate()
        server.wait()
    kept = {(s["uuid"], p["name"], p["uuid"]) for s in state["services"] for p in s["processors"]}
    lost = [write for write in acknowledged_processors if write not in kept]
    assert not lost, f"{len(lost)} of {len(acknowledged_processors)} acknowledged registrations lost, e.g. {lost[:3]}"
    kept_agents = {agent["id"] for agent in state["agents"]}
    assert set(acknowledged_agents) <= kept_agents, f"lost agents {sorted(set(acknowledged_agents) - kept_agents)[:3]}"


def test_a_reset_is_kept_across_restarts_too(tmp_path):
    server, url = start(tmp_path / "state.db")
    try:
        service = httpx.get(f"{url}/api/marketplace-site-agent-services/", headers=STAFF).json()[0]
        httpx.post(f"{url}/api/marketplace-site-agent-services/{service['uuid']}/set_statistics/",
                   json={"statistics": {"kept": True}}, headers=STAFF).raise_for_status()
        httpx.post(f"{url}/__admin/reset").raise_for_status()
    finally:
        server.terminate()
        server.wait()
    server, url = start(tmp_path / "state.db")
    try:
        again = httpx.get(f"{url}/api/marketplace-site-agent-services/{service['uuid']}/", headers=STAFF).json()
    finally:
        server.terminate()
        server.wait()
    assert again["statistics"] == service["statistics"], "a reset is kept too: the restart shows the seed statistics"
