#!/usr/bin/env bash
# Short robustness runs for CI, about 2 minutes in all, each against its own mock on a free
# loopback port: fuzzing (2,000 requests), the bad-input table, 64 concurrent clients for 10 s.
# Needs .venv (python3 run.py test makes it); no wrk, no Prism, no py-spy.
# Runs all three, then exits 1 if any of them failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=.venv/bin/python
if [[ ! -x "$PYTHON" ]]; then
    echo "ci_robustness: $PYTHON is missing; create it first (python3 run.py test does)" >&2
    exit 1
fi

failed=()
run() {
    local name="$1"; shift
    echo "== $name: $*"
    # timeout: a hung run fails CI instead of holding it; SIGTERM lets the script stop its mock.
    if ! timeout --kill-after=10 "$1" "${@:2}"; then
        failed+=("$name")
    fi
    echo
}

run fuzz        100 "$PYTHON" bench/fuzz.py --requests 2000 --seconds 60 --round 20
run bad_input    60 "$PYTHON" bench/bad_input.py
run concurrency  60 "$PYTHON" bench/concurrency.py --clients 64 --seconds 10

if (( ${#failed[@]} )); then
    echo "ci_robustness: FAILED: ${failed[*]}"
    exit 1
fi
echo "ci_robustness: all passed"
