"""Best-effort work the message path starts and does not wait for.

A tracker event to Rasa, the replay marker of a web message: none of it may delay or fail
a reply, and all of it is awaited (briefly) when the process stops. One object owns the
tasks so the gateway's stop finds every one of them.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def stop_requested() -> bool:
    """Whether the running task was cancelled, even if the CancelledError never reached it.

    On Python 3.11 ``asyncio.wait_for`` returns its result instead of raising when the
    cancellation arrives as the awaited work completes (CPython gh-86296, fixed in 3.12), and
    redis-py writes every command inside ``wait_for`` when a socket timeout is set (ours: 5 s).
    A loop around a Redis call whose cancellation is lost that way reads on for ever; the
    request is still counted (``Task.cancelling()``), so a loop that checks this stops.
    """
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class Background:
    """The process's best-effort tasks, kept until they end."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background; it handles its own errors."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def later(self, work: Awaitable[None]) -> None:
        """Best-effort Redis work in the background (awaited at shutdown, never raised)."""

        async def run() -> None:
            try:
                await work
            except (RedisError, OSError) as exc:
                log.warning("background write failed", extra={"error": type(exc).__name__})

        self.start(run())

    async def cancel(self) -> None:
        """Cancel what is left and wait until it has ended: a task cancelled and not awaited
        can still open a Redis connection after the pool is closed (a ResourceWarning)."""
        for _ in range(5):  # again if a cancellation was swallowed (see stop_requested)
            pending = list(self.tasks)
            if not pending:
                return
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=1)
        log.warning("background tasks still running at stop", extra={"count": len(self.tasks)})
