"""A local RabbitMQ for the broker tests: found (or not) and driven with its own commands.

`.ci/run` installs Debian's rabbitmq-server and starts it with the rabbitmq_management and
rabbitmq_web_stomp plugins (AMQP 5672, management 15672, Web-STOMP 15674 at /ws). Locally the
tests skip with the reason when none answers; with the env var CI set they fail instead.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import httpx
import pytest

AMQP_URL = os.environ.get("MOCK_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/")
MANAGEMENT_URL = "http://127.0.0.1:15672"
WEB_STOMP_PORT, WEB_STOMP_PATH = 15674, "/ws"


def management_answers() -> str | None:
    """None when the management API answers, else why not."""
    try:
        answer = httpx.get(f"{MANAGEMENT_URL}/api/overview", auth=("guest", "guest"), timeout=2)
    except httpx.HTTPError as error:
        return f"no RabbitMQ management API at {MANAGEMENT_URL} ({error})"
    return None if answer.status_code == 200 else f"RabbitMQ management API answered {answer.status_code}"


def require_rabbitmq() -> None:
    """Skip (locally) or fail (CI) when no RabbitMQ with the management plugin runs here."""
    reason = management_answers()
    if reason is None:
        return
    message = (f"{reason}: start one with `rabbitmq-plugins enable rabbitmq_management rabbitmq_web_stomp` "
               "and `service rabbitmq-server start` (.ci/run does)")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def wait_for(condition, what: str, timeout: float = 30.0, interval: float = 0.2):
    """Poll `condition` until it returns something true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what} (last: {last!r})")


def rabbitmqctl(*arguments: str) -> None:
    """stop_app / start_app: the broker's node stops serving AMQP and the management API, and comes back."""
    command = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    subprocess.run([command, *arguments], check=True, capture_output=True, timeout=120)
