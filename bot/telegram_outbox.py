"""Replies to Telegram through a Redis stream, sent by one sender per chat.

Apart from the intake because sending has its own promises: a reply survives a crash
between "decided" and "sent" (the outbox stream, sealed: it holds text and the chat id);
each chat has its own sender, so one chat's 429 ("retry after 25 s") parks that chat only;
the emergency text goes out ahead of other chats' ordinary replies; a reply queued before
/torles is never sent; without Redis a reply is sent at once rather than lost.

A replica killed while sending leaves its replies pending under its name: a live replica
sends them as soon as the dead one's liveness lease lapses (``bot.replica_lease``, one atomic
claim, so two live replicas never both take one), a live replica's only after
``CLAIM_IDLE_SECONDS`` (a send parked on a 429 is not a crash).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import keys, metrics
from bot import telegram_streams as streams
from bot.crypto import Sealer
from bot.delivery import Reply
from bot.redis_values import as_text
from bot.replica_lease import ReplicaLease
from bot.stream_consumer import StreamConsumer
from bot.telegram_updates import CHANNEL

log = logging.getLogger(__name__)
MAX_TEXT = 4096
MAX_ATTEMPTS = 8
# Message ids we may delete later (/torles); Telegram allows it for 48 hours.
SENT_IDS_TTL = 48 * 3600
MAX_PARALLEL_SENDS = 32
OUTBOX_STALE_SECONDS = 120.0  # /healthz: an undelivered reply older than this is a failure
CLAIM_IDLE_SECONDS = 30.0  # a live replica's unsent reply is taken over after this idle time


def entry_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def markup(buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(title[:64], callback_data=payload[:64])] for title, payload in buttons if payload]
    return InlineKeyboardMarkup(rows) if rows else None


def chunks(text: str) -> list[str]:
    """Split over-long text at line breaks where possible (Telegram's limit is 4096)."""
    out: list[str] = []
    while len(text) > MAX_TEXT:
        cut = text.rfind("\n", 0, MAX_TEXT)
        cut = cut if cut > MAX_TEXT // 2 else MAX_TEXT
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    out.append(text)
    return out


class TelegramOutbox:
    """Queues replies in the outbox stream and sends them; ``stopping`` ends every loop."""

    def __init__(self, redis: Redis, sealer: Sealer, bot: Bot, pid: Callable[[str, Any], str],
                 consumer: str, lease: ReplicaLease | None = None) -> None:
        self.redis = redis
        self.sealer = sealer
        self.bot = bot
        self.pid = pid  # the gateway's pseudonym for (channel, chat id)
        self.consumer = consumer
        self.lease = lease  # this replica's liveness lease: a dead one's replies move at once
        self._queues: dict[Any, deque[tuple[bytes, dict[str, Any]]]] = {}
        self.workers: dict[Any, asyncio.Task[None]] = {}  # chat -> its sender
        # acknowledgements of unreadable entries: held, or a task can be collected mid-run
        self.background: set[asyncio.Task[None]] = set()
        self._inflight: set[bytes] = set()
        self._send_slots = asyncio.Semaphore(MAX_PARALLEL_SENDS)
        self.sender_beat = 0.0  # loop time of the outbox reader's last round (health)
        # Set by the channel's stop(). The loops check it on every round: redis-py can swallow
        # a task's cancellation inside a blocking XREADGROUP and return normally.
        self.stopping = False
        # The outbox's reader (bot.stream_consumer): its own pending entries first (a restarted
        # container of the same name was cut short sending them), a dead replica's at once (the
        # lease), a live one's (parked, or of an older version) after CLAIM_IDLE_SECONDS.
        self.reader = StreamConsumer(
            redis, keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP, consumer, dispatch=self._queue_out,
            stopping=lambda: self.stopping, recover=lambda exc: streams.recover(redis, exc),
            claim_idle=CLAIM_IDLE_SECONDS, claim_every=CLAIM_IDLE_SECONDS, before_round=self._before_round,
            lease=lease, own_first=True, what="outbox")

    async def deliver(self, pid: str, route: dict[str, Any], replies: list[Reply]) -> None:
        """Queue replies for sending (the push channel's deliverer)."""
        await self.queue(pid, route, replies)

    async def queue(self, pid: str, route: dict[str, Any], replies: list[Reply],
                    also: Callable[[Pipeline], None] | None = None) -> bool:
        """Queue replies for sending, in order, sealed (they hold text and the chat id), in one
        transaction with ``also``'s commands (the inbox entry's acknowledgement). True when
        they ran; without Redis the replies are sent at once instead and ``also`` did not run."""
        bodies = [{"pid": pid, "chat_id": route["chat_id"], "text": reply.text,
                   "buttons": [list(b) for b in reply.buttons], "urgent": reply.emergency} for reply in replies]
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for body in bodies:
                    pipe.xadd(keys.telegram_outbox(), {"d": self.sealer.seal(body)},
                              maxlen=streams.OUTBOX_MAXLEN, approximate=True)
                if also is not None:
                    also(pipe)
                await pipe.execute()
            return True
        except (RedisError, OSError):
            # No outbox without Redis: send now, so the person is not left waiting.
            for body in bodies:
                await self.send_one(body, remember=False)
            return False

    async def run(self) -> None:
        """Read the outbox, and entries a crashed sender left, into the chats' senders."""
        await self.reader.run()

    async def _before_round(self) -> bool:
        self.sender_beat = asyncio.get_running_loop().time()
        if sum(len(q) for q in self._queues.values()) > 5_000:
            await asyncio.sleep(0.2)  # parked chats hold a lot: read more later
            return True
        return False

    def _queue_out(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        """Hand each entry to its chat's sender (one per chat: in order, parked alone on 429)."""
        for entry_id, fields in entries:
            if entry_id in self._inflight or not fields:
                continue
            try:
                body = self.sealer.open(fields[b"d"])
            except Exception:  # noqa: BLE001
                log.error("unreadable outbox entry dropped", extra={"component": "telegram"})
                metrics.ERRORS.labels("unreadable_record").inc()
                task = asyncio.create_task(streams.done_out(self.redis, entry_id))
                self.background.add(task)
                task.add_done_callback(self.background.discard)
                continue
            self._inflight.add(entry_id)
            body["entry"] = entry_id.decode()  # in memory only: checked against /torles
            chat = body["chat_id"]
            self._queues.setdefault(chat, deque()).append((entry_id, body))
            if chat not in self.workers:
                self.workers[chat] = asyncio.create_task(self._chat_sender(chat))

    async def _chat_sender(self, chat: Any) -> None:
        queue = self._queues[chat]
        try:
            while queue and not self.stopping:
                entry_id, body = queue[0]
                if body.get("urgent"):
                    ok = await self.send_one(body)  # never waits behind other chats
                else:
                    async with self._send_slots:
                        ok = await self.send_one(body)
                if ok is None:
                    continue  # retry later, in order: this chat only stays parked
                queue.popleft()
                try:
                    await streams.done_out(self.redis, entry_id)
                except (RedisError, OSError):
                    log.warning("outbox ack failed", extra={"component": "telegram"})
                finally:  # not before: a claim landing mid-acknowledgement would send it again
                    self._inflight.discard(entry_id)
        finally:
            self.workers.pop(chat, None)
            if not queue:
                self._queues.pop(chat, None)
            else:  # cancelled: what is left stays pending in Redis and is claimed again
                for entry_id, _ in queue:
                    self._inflight.discard(entry_id)
                self._queues.pop(chat, None)

    async def status(self) -> dict[str, Any]:
        """Backlog and age of the oldest unsent reply, and whether the sender runs."""
        stream = keys.telegram_outbox()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xlen(stream)
            pipe.xrange(stream, count=1)
            pipe.xlen(keys.telegram_inbox())
            backlog, oldest, inbox = await pipe.execute()
        age = 0.0
        if oldest:
            age = max(0.0, time.time() - int(oldest[0][0].decode().split("-")[0]) / 1000)
        alive = asyncio.get_running_loop().time() - self.sender_beat < 15
        return {"backlog": int(backlog), "oldest_age_seconds": round(age, 1), "inbox": int(inbox),
                "sender_running": alive}

    async def send_one(self, body: dict[str, Any], remember: bool = True) -> bool | None:
        """Send one message with retries. True sent, False refused for good, None retry later."""
        buttons = tuple((b[0], b[1]) for b in body.get("buttons", []))
        parts = chunks(body["text"] or " ")
        first = int(body.get("sent_parts", 0))  # parts of a long reply already delivered
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if self.stopping and "entry" in body:
                return None  # stays in the outbox: the next process sends it
            if await self._erased(body):
                return False  # /torles came after this reply was queued: never sent
            try:
                for i in range(first, len(parts)):
                    sent = await self.bot.send_message(
                        chat_id=body["chat_id"], text=parts[i],
                        reply_markup=markup(buttons) if i == len(parts) - 1 else None,
                    )
                    first = i + 1
                    body["sent_parts"] = first
                    if remember:
                        await self.remember_id(body["chat_id"], sent.message_id)
                return True
            except RetryAfter as exc:
                wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
                log.warning("telegram flood control",
                            extra={"component": "telegram", "retry_after": wait, "attempt": attempt})
                await asyncio.sleep(float(wait))
            except Forbidden:
                log.warning("telegram refused: bot blocked by the person", extra={"conv": body["pid"]})
                return False
            except BadRequest as exc:
                if buttons and first == len(parts) - 1:
                    # Refused with its buttons (a button Telegram will not take): the words
                    # still go, plain; a reply is never dropped for its keyboard.
                    log.error("telegram bad request; sent again without buttons",
                              extra={"conv": body["pid"], "error": type(exc).__name__})
                    buttons = ()
                    continue
                log.error("telegram bad request", extra={"conv": body["pid"], "error": type(exc).__name__})
                return False
            except (TimedOut, NetworkError) as exc:
                log.warning("telegram send failed",
                            extra={"component": "telegram", "attempt": attempt, "error": type(exc).__name__})
                await asyncio.sleep(min(30.0, 0.5 * 2 ** attempt))
        return None

    async def _erased(self, body: dict[str, Any]) -> bool:
        """The conversation was erased after this outbox entry was queued (``keys.erased``)."""
        if "entry" not in body:
            return False  # sent directly (Redis down): nothing queued before an erase
        try:
            mark = await asyncio.wait_for(self.redis.get(keys.erased(body["pid"])), 1.0)
        except (TimeoutError, RedisError, OSError):
            return False  # cannot tell: a reply sent beats a reply lost (112 never waits on it)
        return mark is not None and entry_key(body["entry"]) <= entry_key(as_text(mark))

    def drop_chat(self, chat_id: Any) -> None:
        """/torles: forget the chat's replies waiting in memory (the eraser deleted their
        outbox entries); a send being retried stops now. Its worker's ``finally`` clears up."""
        worker = self.workers.get(chat_id)
        if worker is not None:
            worker.cancel()

    async def remember_id(self, chat_id: int, message_id: int) -> None:
        pid = self.pid(CHANNEL, chat_id)
        key = keys.telegram_ids(pid)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.rpush(key, message_id)
            pipe.ltrim(key, -1000, -1)
            pipe.expire(key, SENT_IDS_TTL)
            await pipe.execute()
