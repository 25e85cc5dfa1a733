"""The consoles' hub: fan-out of handoff events to the consoles of every replica.

Each gateway replica runs one :class:`Hub` that reads the handoff event stream
(``bot.handoff.events``, XREAD BLOCK) and pushes to the websockets of the consoles
connected to *it*: so a chat queued on replica A shows up at once in a console
connected to replica B.

Messages themselves are never carried by the event: a console asks for the
transcript after its own cursor (the conversation's Redis Stream), so a dropped
browser or gateway loses nothing: it reconnects with its cursor and catches up.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import keys
from bot.background import stop_requested
from bot.console.views import ConsoleViews
from bot.handoff.operators import Operator
from bot.handoff.service import HandoffService
from bot.redis_values import stream_batches, stream_entries

log = logging.getLogger(__name__)
POSITIONS_DEBOUNCE = 0.5  # seconds
STOP_WAIT_SECONDS = 1.5  # stop(): a guard only; the loops end as soon as they are cancelled
QUEUE_KINDS = frozenset({"queued", "claimed", "transferred", "returned", "closed", "presence", "priority",
                         "erased"})


class ConsoleSocket:
    """One open console (a browser tab) on this replica."""

    def __init__(self, ws: web.WebSocketResponse, operator: Operator, session: str = "") -> None:
        self.ws = ws
        self.operator = operator
        self.session = session  # hash of the console session, to close on log-out
        self.cursors: dict[str, int] = {}  # conversation id -> last transcript seq sent
        self.lock = asyncio.Lock()

    async def send(self, data: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        async with self.lock:
            try:
                await self.ws.send_str(json.dumps(data, ensure_ascii=False))
            except (ConnectionError, RuntimeError):
                pass


class Hub:
    """Reads the event stream and pushes queue snapshots and transcript updates."""

    def __init__(self, redis: Redis, service: HandoffService, views: ConsoleViews) -> None:
        self.redis = redis
        self.service = service
        self.views = views
        self.sockets: set[ConsoleSocket] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._positions: asyncio.Task[None] | None = None
        self._positions_again = False
        self._positions_everyone = False

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._read_loop(), name="handoff-hub"),
            asyncio.create_task(self._tick_loop(), name="handoff-tick"),
        ]

    async def stop(self) -> None:
        for ws in [s.ws for s in self.sockets]:
            await ws.close(code=1001, message=b"server shutdown")
        self.sockets.clear()
        tasks = [*self._tasks, *([self._positions] if self._positions else [])]
        for t in tasks:
            t.cancel()
        if tasks:
            # Each loop checks stop_requested(), so a cancellation lost inside redis-py ends it
            # at its next round; the bound only guards against a loop that forgets to.
            _, late = await asyncio.wait(tasks, timeout=STOP_WAIT_SECONDS)
            if late:
                log.warning("hub tasks still running at stop", extra={"count": len(late)})

    # -- sockets -------------------------------------------------------------------
    async def add(self, sock: ConsoleSocket) -> None:
        self.sockets.add(sock)
        came_online = await self.service.presence.heartbeat(sock.operator.name)
        if came_online:
            await self.service.events.publish("presence")
        # The queue reaches a console the moment it connects, not at the next change.
        await self.push_snapshot([sock])

    async def remove(self, sock: ConsoleSocket) -> None:
        self.sockets.discard(sock)

    async def subscribe(self, sock: ConsoleSocket, pid: str, after: int) -> None:
        sock.cursors[pid] = max(0, after)
        await self.catch_up(sock, pid)

    async def catch_up(self, sock: ConsoleSocket, pid: str) -> None:
        if pid not in sock.cursors:
            return
        async with sock.lock:
            after = sock.cursors.get(pid, 0)
            entries = await self.service.store.read(pid, after, staff=True)
            if not entries:
                return
            sock.cursors[pid] = entries[-1].seq
            payload = {"type": "entries", "id": pid, "entries": [self.views.entry_json(e) for e in entries]}
            if not sock.ws.closed:
                try:
                    await sock.ws.send_str(json.dumps(payload, ensure_ascii=False))
                except (ConnectionError, RuntimeError):
                    pass

    async def push_snapshot(self, targets: list[ConsoleSocket] | None = None) -> None:
        targets = list(self.sockets) if targets is None else targets
        if not targets:
            return
        snap = await self.views.snapshot()
        now = time.time()
        for sock in targets:
            await sock.send(self.views.snapshot_for(snap, sock.operator, now))

    # -- loops ---------------------------------------------------------------------
    async def _read_loop(self) -> None:
        stream = keys.handoff_events()
        last = "$"
        try:
            newest = stream_entries(await self.redis.xrevrange(stream, count=1))
            if newest:
                last = newest[0][0].decode()
        except RedisError:
            pass
        while not stop_requested():
            try:
                batch = stream_batches(await self.redis.xread({stream: last}, block=1000, count=500))
                if not batch:
                    continue
                entries = batch[0][1]
                last = entries[-1][0].decode()
                await self._dispatch(entries)
            except asyncio.CancelledError:
                raise
            except RedisError as exc:
                log.error("handoff events read failed", extra={"error": type(exc).__name__})
                await asyncio.sleep(0.5)
            except Exception:
                log.exception("handoff event dispatch failed")

    async def _dispatch(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        queue_changed = False
        touched: set[str] = set()
        wrote: set[str] = set()
        erased: set[str] = set()
        for _, fields in entries:
            kind = fields.get(b"k", b"").decode()
            pid = fields.get(b"p", b"").decode()
            if kind in QUEUE_KINDS:
                queue_changed = True
            if kind == "person" and pid:
                wrote.add(pid)
            if kind == "erased" and pid:
                erased.add(pid)
            if kind == "presence":
                self.service.presence.forget()  # someone logged in or out, maybe on another replica
            if pid:
                touched.add(pid)
        if queue_changed:
            await self.push_snapshot()
            self.update_positions()
        for pid in erased:
            # /torles: the consoles that show it say so and drop what they show of it.
            for sock in list(self.sockets):
                if pid in sock.cursors:
                    sock.cursors.pop(pid, None)
                    await sock.send({"type": "erased", "id": pid})
        for pid in touched - erased:
            for sock in list(self.sockets):
                if pid in sock.cursors:
                    await self.catch_up(sock, pid)
        for pid in wrote:
            await self._tell_unread(pid)

    async def _tell_unread(self, pid: str) -> None:
        """The person of a live chat wrote: its operator's consoles (and supervisors') mark it
        unread unless it is the chat open there. Without this an operator reading another chat
        never saw "I took some of the pills" arrive (ids only; never text)."""
        owner = (await self.service.queue.ticket(pid)).get("operator") or ""
        for sock in list(self.sockets):
            if pid not in sock.cursors and (sock.operator.supervisor or sock.operator.name == owner):
                await sock.send({"type": "wrote", "id": pid})

    def update_positions(self, everyone: bool = False) -> None:
        """Tell waiting people their new place (in the background; coalesced). A queue event
        reads the head of each queue; the periodic pass (``everyone``) the whole of it."""
        self._positions_everyone = self._positions_everyone or everyone
        if self._positions and not self._positions.done():
            self._positions_again = True
            return

        async def run() -> None:
            while not stop_requested():
                self._positions_again = False
                # People hear of a new place within a second; a burst of queue changes
                # costs one pass, not one per change.
                await asyncio.sleep(POSITIONS_DEBOUNCE)
                everyone, self._positions_everyone = self._positions_everyone, False
                try:
                    await self.service.update_positions(everyone)
                except RedisError as exc:
                    log.error("position update failed", extra={"error": type(exc).__name__})
                except Exception:
                    log.exception("position update failed")
                if not self._positions_again:
                    return

        self._positions = asyncio.create_task(run(), name="handoff-positions")

    async def _tick_loop(self) -> None:
        """Heartbeats for open consoles; a periodic refresh of waiting times and positions."""
        period = max(1.0, self.service.presence.grace / 3)
        last_positions = 0.0
        while not stop_requested():
            try:
                await asyncio.sleep(period)
                names = {s.operator.name for s in self.sockets if not s.ws.closed}
                came = False
                for name in names:
                    came = await self.service.presence.heartbeat(name) or came
                if came:
                    await self.service.events.publish("presence")
                # Chats of operators gone past the grace period return to the queue.
                if await self.service.requeue_orphans():
                    await self.push_snapshot()
                now = time.monotonic()
                if now - last_positions >= 15:
                    last_positions = now
                    self.update_positions(everyone=True)
                    await self.push_snapshot()
            except asyncio.CancelledError:
                raise
            except RedisError as exc:
                log.error("handoff tick failed", extra={"error": type(exc).__name__})
            except Exception:
                log.exception("handoff tick failed")
