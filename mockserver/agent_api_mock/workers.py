"""`--workers N`: N mock processes serving one port (the listening socket is bound once, then
inherited by each forked worker; the kernel hands each connection to one of them).

The parent only watches: a worker that dies (killed, crashed) is started again; SIGINT (Ctrl-C)
or SIGTERM stops every worker cleanly (uvicorn's graceful shutdown) and waits for them; a
parent killed outright takes its workers with it. Workers share nothing in memory, so they
need a shared state (--state postgresql://...).
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import time
import traceback

log = logging.getLogger("mockserver")
RESTART_DELAY_S = 1.0
PR_SET_PDEATHSIG = 1


def stop_with_parent() -> None:
    """Linux's PR_SET_PDEATHSIG: the worker gets SIGTERM when the parent dies, even by SIGKILL,
    instead of serving on alone."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: a worker outlives a killed parent


def run_workers(count: int, run_worker) -> None:
    """Fork `count` processes, each calling run_worker(number) (0 to count - 1), and watch them."""
    children: dict[int, int] = {}  # pid -> worker number
    stopping = False

    def start(number: int) -> None:
        pid = os.fork()
        if pid == 0:
            stop_with_parent()
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = 0
            try:
                run_worker(number)
            except KeyboardInterrupt:
                pass
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
                if isinstance(exit_.code, str):
                    print(exit_.code, file=sys.stderr)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = number

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for number in range(count):
            start(number)
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            number = children.pop(pid, None)
            if number is None or stopping:
                continue
            log.warning("worker %d (pid %d) ended (%s); starting another", number, pid,
                        f"signal {-os.waitstatus_to_exitcode(status)}" if os.WIFSIGNALED(status)
                        else f"exit code {os.waitstatus_to_exitcode(status)}")
            time.sleep(RESTART_DELAY_S)
            if not stopping:
                start(number)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
