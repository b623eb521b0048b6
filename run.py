#!/usr/bin/env python3
"""The project's two entry points, runnable with nothing but Python 3.11+.

    python3 run.py mock [mockserver options]   start the mock with its default data
    python3 run.py test [pytest options]       run the whole test suite (in parallel; -n 0: one process)

Both create ./.venv and install the project into it on first use (and again when
pyproject.toml changes), then hand over to the real command inside the venv.
"""
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".installed-from"


def ensure_venv() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("run.py: creating .venv", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    print("run.py: installing the project and its test dependencies into .venv", file=sys.stderr)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    commands = {
        "mock": [str(PYTHON), "-m", "agent_api_mock"],
        # The whole suite, spread over one worker per core (tests/conftest.py keeps a module's tests
        # together where they share a module-scoped fixture); `-n 0` after it runs in one process.
        "test": [str(PYTHON), "-m", "pytest", "-n", "auto", "--dist", "loadgroup"],
    }
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__, file=sys.stderr)
        return 0 if argv else 2
    if argv[0] not in commands:
        print(f"run.py: unknown command {argv[0]!r}; the commands are: {', '.join(commands)} "
              f"(python3 run.py --help tells more)", file=sys.stderr)
        return 2
    ensure_venv()
    os.chdir(ROOT)
    os.execv(commands[argv[0]][0], commands[argv[0]] + argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
