"""Garbage collection with short pauses while the state grows.

A full (generation 2) collection walks every object the collector tracks, on the event loop.
What start-up built (the parsed spec, validators, routes, the seed) lives as long as the
process, so it is frozen (`gc.freeze`) once the server is up. A mock taking writes grows too:
CPython runs a full collection each time its long-lived objects grew by a quarter, and under
create-agent load that was 8 collections in 6 s taking 4 to 23 ms each, longer as the agents
added up: the p99 of writes. So what survives a full collection is frozen as well, and each
later one walks only what came after it. Every `RELEASE_EVERY_S` the frozen objects are handed
back (`gc.unfreeze`) and collected with the rest, so garbage cycles among them (a deleted
session's objects) are still freed: one full pause a minute instead of several a second.
"""
from __future__ import annotations

import asyncio
import gc

RELEASE_EVERY_S = 60.0


def _freeze_survivors(phase: str, info: dict) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


async def _release_frozen(every: float) -> None:
    while True:
        await asyncio.sleep(every)
        gc.unfreeze()
        gc.collect()  # a full collection: its survivors are frozen again


def keep_pauses_short(every: float = RELEASE_EVERY_S) -> asyncio.Task:
    """Call on the server's event loop once start-up is done; the task runs until the loop ends."""
    gc.collect()
    gc.freeze()
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)
    return asyncio.get_running_loop().create_task(_release_frozen(every))
