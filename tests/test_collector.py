"""collector.py: full collections walk only what came after the last one, and the frozen objects
still go back to the collector every RELEASE_EVERY_S, so garbage cycles among them are freed."""
from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from agent_api_mock import collector


class Node:
    pass


def frozen_cycle():
    """A reference cycle alive through a full collection (so frozen), then dropped."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    gc.collect()  # a full collection: its survivors, the cycle among them, are frozen
    return weakref.ref(a)


@pytest.fixture
def installed():
    async def install(every):
        return collector.keep_pauses_short(every)
    loop = asyncio.new_event_loop()
    tasks = []
    yield loop, lambda every: tasks.append(loop.run_until_complete(install(every))) or tasks[-1]
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    gc.callbacks.remove(collector._freeze_survivors)
    gc.unfreeze()


def test_what_survives_a_full_collection_is_frozen_and_later_ones_skip_it(installed):
    loop, install = installed
    install(3600)
    before = gc.get_freeze_count()
    kept = [Node() for _ in range(1000)]
    gc.collect()
    assert gc.get_freeze_count() >= before + len(kept)
    assert all(gc.is_tracked(node) for node in kept)


def test_a_cycle_frozen_while_alive_is_freed_once_the_frozen_objects_are_released(installed):
    loop, install = installed
    install(0.05)
    cycle = frozen_cycle()
    gc.collect()
    assert cycle() is not None, "a frozen cycle is out of the collector's sight"
    loop.run_until_complete(asyncio.sleep(0.2))  # the release: unfreeze, then a full collection
    assert cycle() is None
