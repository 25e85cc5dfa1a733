"""Every background loop ends when its cancellation is lost inside the awaited step.

On Python 3.11 ``asyncio.wait_for`` (which redis-py uses for every command) can return a result
instead of raising when the cancellation meets a completing call; the task then reads on for
ever unless the loop asks ``bot.background.stop_requested()``. Each loop here gets a step that
swallows its cancellation, the way that lost cancellation looks to the loop.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from bot.action_watch import ActionServerWatch
from bot.mail_inbox import MailInbox
from bot.mail_outbox import MailOutbox
from bot.replica_lease import ReplicaLease
from bot.spool_replay import SpoolReplay
from bot.warmup import RasaWarmer


class LossyStep:
    """An awaited step that returns ``result`` when cancelled (while ``swallow`` holds)."""

    def __init__(self, result: Any = None) -> None:
        self.result = result
        self.inside = asyncio.Event()
        self.swallow = True

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.inside.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            if not self.swallow:
                raise
        return self.result


class Bag:
    """Just the attributes a loop reads."""

    def __init__(self, **attrs: Any) -> None:
        self.__dict__.update(attrs)


def action_watch(step: LossyStep) -> Coroutine[Any, Any, None]:
    watch = ActionServerWatch(http=None, url="http://127.0.0.1:9", interval=0.01)  # type: ignore[arg-type]
    watch.check = step  # type: ignore[method-assign]
    return watch.run()


def warmer(step: LossyStep) -> Coroutine[Any, Any, None]:
    step.result = (False, "ConnectionRefusedError")
    warm = RasaWarmer(Bag(healthy=step), conversations=1)  # type: ignore[arg-type]
    return warm.run(interval=0.01)


def replica_lease(step: LossyStep) -> Coroutine[Any, Any, None]:
    lease = ReplicaLease(Bag(register_script=lambda script: step), "gw-1", ttl=0.03)  # type: ignore[arg-type]
    lease.renew = step  # type: ignore[method-assign]
    return lease.run()


def spool_replay(step: LossyStep) -> Coroutine[Any, Any, None]:
    replay = SpoolReplay(Bag(waiting=lambda: False), None, Bag(drain_deferred=step))  # type: ignore[arg-type]
    return replay.run(interval=0.01)


def mail_outbox(step: LossyStep) -> Coroutine[Any, Any, None]:
    outbox = MailOutbox.__new__(MailOutbox)
    outbox.__dict__.update(_wake=asyncio.Event(), _claim=step, lease=30.0, _order_affixes=[])
    outbox._wake.set()  # no idle wait: the loop comes round at once
    return outbox.run()


def mail_inbox(step: LossyStep) -> Coroutine[Any, Any, None]:
    inbox = MailInbox.__new__(MailInbox)
    inbox._session = step  # type: ignore[method-assign]
    return inbox.run()


LOOPS: dict[str, Callable[[LossyStep], Coroutine[Any, Any, None]]] = {
    "action server watch": action_watch, "Rasa warm-up": warmer, "replica lease": replica_lease,
    "kept-message replay": spool_replay, "mail outbox": mail_outbox, "mail inbox": mail_inbox}


@pytest.mark.parametrize("name", list(LOOPS))
async def test_a_background_loop_ends_when_its_cancellation_is_lost(name: str) -> None:
    step = LossyStep()
    task = asyncio.create_task(LOOPS[name](step))
    await asyncio.wait_for(step.inside.wait(), 5)
    task.cancel()
    await asyncio.wait({task}, timeout=3)
    ended = task.done()
    step.swallow = False  # on the old code the loop runs on: end it for the teardown
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert ended, f"{name} loop still running after a lost cancellation"
