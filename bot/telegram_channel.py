"""Telegram channel on python-telegram-bot 22, in the gateway's own event loop.

Rasa's Telegram connector is not used: it exits at start-up without internet,
ignores the webhook secret and drops message ids. Polling locally, webhook with
``secret_token`` in production; the Bot API base URL is configurable so tests
run the whole path against a local fake Bot API.

Both directions go through Redis streams read by consumer groups:
- the inbox: an update is stored (sealed, deduplicated by ``update_id``) before the
  webhook answers 200 or the poller moves on, and processed from there; a crash
  replays it, a redelivered update is not answered twice;
- the outbox: a reply survives a crash between "decided" and "sent"; each chat has
  its own sender, so one chat's 429 ("retry after 25 s") parks that chat only, and
  the emergency text goes out ahead of other chats' ordinary replies.
If Redis is down, an update is sealed into a local disk spool (``SPOOL_DIR/telegram``)
and the webhook answers 200 at once: Telegram never waits on our outage, so it never
posts the update again for want of an answer. From the spool the person gets 112 first
(immediate danger) and the "kept" notice, sent directly; when Redis is back the update
is replayed into the inbox and answered on the normal path. The spool (and a memory of
recently accepted update ids) dedupes by ``update_id`` during the outage, and the
replay sets the Redis seen mark, so a redelivery is answered once, during the outage
or after it.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import os
import socket
import time
from collections import deque
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot import keys, metrics, texts
from bot.config import Settings
from bot.crypto import Sealer
from bot.gateway import Gateway, Inbound, Reply
from bot.screening import Level
from bot.spool import Spool

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_ATTEMPTS = 8
OUTBOX_MAXLEN = 100_000
# Message ids we may delete later (/torles); Telegram allows it for 48 hours.
SENT_IDS_TTL = 48 * 3600
SEEN_TTL = 24 * 3600  # Telegram redelivers an unconfirmed update within a day at most
INBOX_MAXLEN = 100_000
MAX_PARALLEL_SENDS = 32
OUTBOX_STALE_SECONDS = 120.0  # /healthz: an undelivered reply older than this is a failure
STOP_WAIT_SECONDS = 1.5  # stop(): how long cancelled work may take to unwind
ACCEPT_TIMEOUT = 3.0  # the webhook's Redis step; past it the update goes to the disk spool
RECENT_IDS = 20_000  # update ids accepted lately: a redelivery in an outage is still known

# Store an update once: SET NX of its id, then XADD; a redelivered update adds nothing.
# KEYS: seen marker, inbox stream. ARGV: sealed update, seen TTL, stream max length.
_ACCEPT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'd', ARGV[1])
return 1
"""

# Replay a spooled update into the inbox. KEYS: seen marker, done marker, inbox stream.
# ARGV: sealed update, seen TTL, max length, the inbox entry it was taken from ('' if none),
# '1' if its 112 was given already, the inbox group. An update already answered, or (taken
# from the webhook) already in the inbox before the outage, adds nothing.
_REPLAY = """
if ARGV[4] ~= '' then
  redis.call('XACK', KEYS[3], ARGV[6], ARGV[4])
  redis.call('XDEL', KEYS[3], ARGV[4])
end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
elseif not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  return 0
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'd', ARGV[1], 'pre', ARGV[5])
return 1
"""


class Unstored(Exception):
    """Redis failed while an inbox entry was being answered; ``urgent``: 112 went out."""

    def __init__(self, urgent: bool) -> None:
        super().__init__("redis unavailable")
        self.urgent = urgent


def message_kind(update: Update) -> str:
    """Name what the person sent, so the gateway can answer non-text kindly."""
    msg = update.effective_message
    if msg is None:
        return "unknown"
    if msg.text is not None:
        return "text"
    for kind in ("sticker", "photo", "voice", "video", "video_note", "audio", "document",
                 "animation", "location", "venue", "contact", "poll", "dice"):
        if getattr(msg, kind, None):
            return kind
    return "unknown"


def chat_of(data: dict[str, Any]) -> int | None:
    """The private chat an update belongs to, from its raw JSON (None: not ours to serve)."""
    for key in ("message", "edited_message"):
        msg = data.get(key)
        if isinstance(msg, dict):
            chat = msg.get("chat") or {}
            return chat.get("id") if chat.get("type") == "private" else None
    query = data.get("callback_query")
    if isinstance(query, dict):
        chat = (query.get("message") or {}).get("chat") or {}
        if chat:
            return chat.get("id") if chat.get("type") == "private" else None
        return (query.get("from") or {}).get("id")
    return None


def _entry_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _urgent(text: str) -> bool:
    return any(text == texts.text("emergency", lang) for lang in texts.LANGUAGES)


def _markup(buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(title[:64], callback_data=payload[:64])] for title, payload in buttons if payload]
    return InlineKeyboardMarkup(rows) if rows else None


def _chunks(text: str) -> list[str]:
    """Split over-long text at line breaks where possible (Telegram's limit is 4096)."""
    out: list[str] = []
    while len(text) > MAX_TEXT:
        cut = text.rfind("\n", 0, MAX_TEXT)
        cut = cut if cut > MAX_TEXT // 2 else MAX_TEXT
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    out.append(text)
    return out


class TelegramChannel:
    """Receives updates into the inbox, hands them to the gateway, sends via the outbox."""

    def __init__(self, settings: Settings, gateway: Gateway, redis: Redis, sealer: Sealer,
                 spool: Spool | None = None) -> None:
        self.settings = settings
        self.gateway = gateway
        self.redis = redis
        self.sealer = sealer
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        builder = (
            Application.builder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        )
        # Polled updates are only stored in the inbox here (about a millisecond each), one
        # at a time so the inbox keeps Telegram's order; the inbox workers run chats in parallel.
        if settings.telegram_webhook_url:
            builder = builder.updater(None)
        self.app: Application = builder.build()
        # Polled updates only pass through here on their way into the inbox.
        self.app.add_handler(TypeHandler(Update, self._on_polled), group=-1)
        self.app.add_error_handler(self._on_error)
        self._accept = redis.register_script(_ACCEPT)
        self._replay = redis.register_script(_REPLAY)
        # The disk spool of updates taken while Redis was down: name -> record, in memory
        # too (loaded at start: a crash keeps them), replayed into the inbox in name order.
        self._spool = spool
        self._spooled: dict[str, dict[str, Any]] = {}
        self._spooled_ids: set[int] = set()
        self._answering: set[str] = set()  # spooled updates whose 112 / notice is being sent
        self._spool_wake = asyncio.Event()
        self._recent: dict[int, None] = {}  # update ids accepted lately (insertion order)
        self._unacked: dict[bytes, int] = {}  # inbox entries answered, acknowledgement failed
        self._tasks: list[asyncio.Task[None]] = []
        self._chains: dict[Any, asyncio.Task[None]] = {}  # chat -> its last inbox task (order)
        self._inflight_in: set[bytes] = set()
        self._out_queues: dict[Any, deque[tuple[bytes, dict[str, Any]]]] = {}
        self._out_workers: dict[Any, asyncio.Task[None]] = {}
        self._inflight_out: set[bytes] = set()
        self._send_slots = asyncio.Semaphore(MAX_PARALLEL_SENDS)
        self.sender_beat = 0.0  # loop time of the outbox reader's last round (health)
        # Set by stop(). The loops check it on every round: redis-py can swallow a task's
        # cancellation inside a blocking XREADGROUP and return normally, so a loop that relied
        # on CancelledError alone ran on and held SIGTERM up for 10 s and more.
        self._stopping = False
        gateway.deliverers[CHANNEL] = self.deliver

    # -- lifecycle ---------------------------------------------------------------
    async def _ensure_groups(self) -> None:
        for stream, group in ((keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP),
                              (keys.telegram_inbox(), keys.TELEGRAM_INBOX_GROUP)):
            try:
                await self.redis.xgroup_create(stream, group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def start(self) -> None:
        await self._ensure_groups()
        await self.app.initialize()
        await self.app.start()
        if self.settings.telegram_webhook_url:
            await self.app.bot.set_webhook(
                url=self.settings.telegram_webhook_url,
                secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=["message", "edited_message", "callback_query"],
            )
            log.info("telegram webhook set")
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(allowed_updates=["message", "edited_message", "callback_query"])
            log.info("telegram polling started")
        self.sender_beat = asyncio.get_running_loop().time()
        self._load_spool()
        self._tasks = [asyncio.create_task(self._send_loop(), name="telegram-outbox"),
                       asyncio.create_task(self._inbox_loop(), name="telegram-inbox"),
                       asyncio.create_task(self._spool_loop(), name="telegram-spool")]

    async def stop(self) -> None:
        """Stop within about two seconds. Work cut short stays unacknowledged in the inbox and
        outbox streams, so the next process takes it over (nothing kept is lost)."""
        self._stopping = True
        tasks = [*self._tasks, *self._out_workers.values(), *self._chains.values()]
        for t in tasks:
            t.cancel()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=STOP_WAIT_SECONDS)
            if late:
                log.warning("telegram tasks still running at stop", extra={"component": "telegram", "count": len(late)})
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    # -- inbound: into the inbox -------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        """``POST /telegram/webhook``: 200 only once the update is safe (inbox or processed)."""
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        expected = self.settings.telegram_webhook_secret
        if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
            return web.Response(status=403)
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400)
        await self.accept(data)
        return web.Response()

    async def _on_polled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.accept(update.to_dict())
        raise ApplicationHandlerStop

    async def accept(self, data: dict[str, Any]) -> None:
        """Store the update in the inbox once; without Redis, in the disk spool (same promise).

        While the spool holds anything, new updates join it behind the others, so a chat's
        messages are replayed into the inbox in the order they came."""
        update_id = int(data["update_id"])
        if update_id in self._recent or update_id in self._spooled_ids:
            metrics.ERRORS.labels("telegram_duplicate_update").inc()
            return
        if not self._spooled:
            try:
                fresh = await asyncio.wait_for(self._accept(
                    keys=[keys.telegram_seen(update_id), keys.telegram_inbox()],
                    args=[self.sealer.seal(data), SEEN_TTL, INBOX_MAXLEN],
                ), ACCEPT_TIMEOUT)
                self._remember_recent(update_id)
                if not fresh:
                    metrics.ERRORS.labels("telegram_duplicate_update").inc()
                return
            except (TimeoutError, RedisError, OSError) as exc:
                log.error("telegram inbox unavailable; update spooled", extra={"error": type(exc).__name__})
        if not await self._spool_put({"update": data, "entry": "", "urgent": False, "answered": False}):
            log.error("telegram spool unavailable; processing at once", extra={"component": "telegram"})
            await self._process(data, keep=True)

    def _remember_recent(self, update_id: int) -> None:
        self._recent[update_id] = None
        if len(self._recent) > RECENT_IDS:
            del self._recent[next(iter(self._recent))]

    # -- the disk spool (Redis down) ---------------------------------------------
    def _load_spool(self) -> None:
        if self._spool is None:
            return
        for name in self._spool.names():
            record = self._spool.get(name)
            if record is not None and isinstance(record.get("update"), dict):
                self._spooled[name] = record
                self._spooled_ids.add(int(record["update"]["update_id"]))
        if self._spooled:
            log.info("telegram spool loaded", extra={"component": "telegram", "count": len(self._spooled)})

    async def _spool_put(self, record: dict[str, Any]) -> bool:
        """Seal the record to disk (fsynced) before the webhook answers; False: could not."""
        if self._spool is None:
            return False
        try:
            name = await asyncio.to_thread(self._spool.put, record)
        except OSError as exc:
            log.error("telegram spool write failed", extra={"component": "telegram", "error": type(exc).__name__})
            return False
        if name is None:
            return False
        metrics.ERRORS.labels("telegram_spooled").inc()
        self._spooled[name] = record
        self._spooled_ids.add(int(record["update"]["update_id"]))
        self._spool_wake.set()
        return True

    async def _spool_loop(self) -> None:
        """Answer spooled updates at once (112 first), replay them when Redis answers."""
        while not self._stopping:
            try:
                await asyncio.wait_for(self._spool_wake.wait(), 1.0)
            except TimeoutError:
                pass
            self._spool_wake.clear()
            if not self._spooled or self._stopping:
                continue
            try:
                await self._drain_spool()
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must go on: the next round retries
                log.exception("telegram spool round failed", extra={"component": "telegram"})
                await asyncio.sleep(1)

    async def _drain_spool(self) -> None:
        redis_up = True
        waiting_chats: set[Any] = set()  # chats with an earlier update still being answered
        for name in sorted(self._spooled):
            record = self._spooled[name]
            chat = chat_of(record["update"])
            if name in self._answering or chat in waiting_chats:
                waiting_chats.add(chat)  # replayed once its answer is out: the chat's order holds
                continue
            if not record.get("urgent") and self._spooled_level(record) == Level.IMMEDIATE:
                # 112 first, always: before any Redis attempt (which may take seconds to fail).
                self._answer_in_background(name, record, notice=False)
                waiting_chats.add(chat)
                continue
            if redis_up:
                try:
                    await self._replay_spooled(name, record)
                    continue
                except (TimeoutError, RedisError, OSError):
                    redis_up = False
            if not record.get("answered"):
                self._answer_in_background(name, record, notice=True)

    def _spooled_level(self, record: dict[str, Any]) -> Level:
        """The screen's level of a spooled update (CPU only; remembered in the record)."""
        if "level" not in record:
            inbound = self._inbound(Update.de_json(record["update"], self.app.bot))
            record["level"] = self.gateway.screen(inbound).level.value if inbound else Level.NONE.value
        return Level.parse(record["level"])

    def _answer_in_background(self, name: str, record: dict[str, Any], notice: bool) -> None:
        self._answering.add(name)
        task = asyncio.create_task(self._answer_spooled(name, record, notice))
        self._chains[("spool", name)] = task  # stop() cancels it with the others
        task.add_done_callback(lambda _t, n=name: self._chains.pop(("spool", n), None))

    async def _replay_spooled(self, name: str, record: dict[str, Any]) -> None:
        """Into the inbox (normal path from here), then off the disk; Redis errors propagate."""
        data = record["update"]
        update_id = int(data["update_id"])
        entry = record.get("entry") or ""
        await asyncio.wait_for(self._replay(
            keys=[keys.telegram_seen(update_id), keys.telegram_done(update_id), keys.telegram_inbox()],
            args=[self.sealer.seal(data), SEEN_TTL, INBOX_MAXLEN, entry, "1" if record.get("urgent") else "0",
                  keys.TELEGRAM_INBOX_GROUP],
        ), ACCEPT_TIMEOUT)
        self._remember_recent(update_id)
        if entry:
            self._inflight_in.discard(entry.encode())
        assert self._spool is not None
        await asyncio.to_thread(self._spool.remove, name)
        self._spooled.pop(name, None)
        self._spooled_ids.discard(update_id)

    async def _answer_spooled(self, name: str, record: dict[str, Any], notice: bool) -> None:
        """Sent directly (no outbox without Redis): 112 for immediate danger, and with
        ``notice`` (Redis is down) "kept". Each step is written to the spool once sent, so
        a crash repeats at most the step it cut short; a send that failed is tried again
        on a later round."""
        try:
            inbound = self._inbound(Update.de_json(record["update"], self.app.bot))
            if inbound is not None:
                chat_id = int(inbound.chat_id)
                pid = self.gateway.pid(CHANNEL, chat_id)
                lang = self.gateway.guess_language(inbound)
                if not record.get("urgent") and self._spooled_level(record) == Level.IMMEDIATE:
                    if await self._send_one({"pid": pid, "chat_id": chat_id, "text": texts.text("emergency", lang),
                                             "urgent": True}, remember=False) is None:
                        return
                    record["urgent"] = True
                    await asyncio.to_thread(self._spool_replace, name, record)
                if not notice:
                    return
                if await self._send_one({"pid": pid, "chat_id": chat_id,
                                         "text": texts.text("store_unavailable", lang)}, remember=False) is None:
                    return
            record["answered"] = True
            await asyncio.to_thread(self._spool_replace, name, record)
        except OSError as exc:
            log.error("telegram spool answer failed", extra={"component": "telegram", "error": type(exc).__name__})
        finally:
            self._answering.discard(name)
            self._spool_wake.set()  # the next step (its replay, or the notice) need not wait a second

    def _spool_replace(self, name: str, record: dict[str, Any]) -> None:
        if self._spool is not None and name in self._spooled:
            self._spool.replace(name, record)

    async def _inbox_loop(self) -> None:
        stream, group = keys.telegram_inbox(), keys.TELEGRAM_INBOX_GROUP
        loop = asyncio.get_running_loop()
        last_claim = 0.0
        while not self._stopping:
            try:
                if self._unacked:
                    await self._ack_answered()
                claim_idle_ms = int(self.settings.telegram_claim_idle * 1000)
                if loop.time() - last_claim > claim_idle_ms / 3000:
                    last_claim = loop.time()
                    _, claimed, *_ = await self.redis.xautoclaim(stream, group, self.consumer,
                                                                 min_idle_time=claim_idle_ms, count=100)
                    self._dispatch(claimed or [])
                batch = await self.redis.xreadgroup(group, self.consumer, {stream: ">"}, count=50, block=1000)
                if self._stopping:
                    break  # read but not started: the entries stay pending for the next process
                for _, entries in batch or []:
                    self._dispatch(entries)
            except asyncio.CancelledError:
                raise
            except ResponseError as exc:
                await self._recover(exc)
            except (RedisError, OSError) as exc:
                log.error("inbox read failed", extra={"component": "telegram", "error": type(exc).__name__})
                await asyncio.sleep(1)

    async def _recover(self, exc: ResponseError) -> None:
        """A stream or group that vanished (Redis came back empty) is created again."""
        if "NOGROUP" in str(exc):
            log.error("telegram stream group missing; recreated", extra={"component": "telegram"})
            metrics.ERRORS.labels("telegram_group_recreated").inc()
            await self._ensure_groups()
        else:
            log.error("telegram stream error", extra={"component": "telegram", "error": type(exc).__name__})
            await asyncio.sleep(1)

    def _dispatch(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        """Start each entry's work; a chat's entries run one after another, chats in parallel."""
        for entry_id, fields in entries:
            if entry_id in self._inflight_in or not fields:
                continue
            try:
                data = self.sealer.open(fields[b"d"])
            except Exception:  # noqa: BLE001 - an unreadable entry must not stop the others
                log.error("unreadable inbox entry dropped", extra={"component": "telegram"})
                metrics.ERRORS.labels("unreadable_record").inc()
                asyncio.create_task(self._done_in(entry_id, None))
                continue
            chat = chat_of(data)
            self._inflight_in.add(entry_id)
            prev = self._chains.get(chat)
            urgent_done = fields.get(b"pre") == b"1"  # replayed from the spool: its 112 went out
            task = asyncio.create_task(self._work(entry_id, data, prev, urgent_done))
            self._chains[chat] = task

            def _forget(t: asyncio.Task[None], chat: Any = chat) -> None:
                if self._chains.get(chat) is t:
                    self._chains.pop(chat, None)
            task.add_done_callback(_forget)

    async def _work(self, entry_id: bytes, data: dict[str, Any], prev: asyncio.Task[None] | None,
                    urgent_done: bool = False) -> None:
        update_id = int(data["update_id"])
        keep_entry = False  # the entry stays ours (spooled or acknowledged later), not reclaimed
        try:
            try:
                if await self.redis.exists(keys.telegram_done(update_id)):
                    await self._done_in(entry_id, None)
                    return
                await self._process(data, prev, urgent_done=urgent_done)
            except Unstored as exc:
                urgent = exc.urgent or urgent_done
            except (RedisError, OSError):
                urgent = urgent_done  # Redis failed before the answer began
            else:
                try:
                    await self._done_in(entry_id, update_id)
                except (RedisError, OSError):
                    # Answered, but Redis went down before the acknowledgement: acknowledged
                    # when it is back (the inbox loop), never answered again by a takeover.
                    self._unacked[entry_id] = update_id
                    keep_entry = True
                return
            # Redis went down before this update was answered: into the disk spool (the person
            # hears 112 / "kept" now); its replay replaces this inbox entry when Redis is back,
            # so it is answered once, not by the spool and again by the inbox's takeover.
            keep_entry = await self._spool_put({"update": data, "entry": entry_id.decode(),
                                                "urgent": urgent, "answered": False})
            if not keep_entry:
                log.error("inbox entry not finished", extra={"component": "telegram", "error": "spool"})
        except Exception:  # noqa: BLE001
            if self._stopping:
                return  # cut short by the stop (a closed client): pending, answered after restart
            log.exception("inbox entry failed", extra={"component": "telegram"})
            await self._done_in(entry_id, update_id)
        finally:
            if not keep_entry:
                self._inflight_in.discard(entry_id)

    async def _ack_answered(self) -> None:
        """Acknowledge entries answered while Redis was down (raises while it still is)."""
        for entry_id, update_id in list(self._unacked.items()):
            await self._done_in(entry_id, update_id)
            self._unacked.pop(entry_id, None)
            self._inflight_in.discard(entry_id)

    async def _done_in(self, entry_id: bytes, update_id: int | None) -> None:
        stream, group = keys.telegram_inbox(), keys.TELEGRAM_INBOX_GROUP
        async with self.redis.pipeline(transaction=False) as pipe:
            if update_id is not None:
                pipe.set(keys.telegram_done(update_id), "1", ex=SEEN_TTL)
            pipe.xack(stream, group, entry_id)
            pipe.xdel(stream, entry_id)
            await pipe.execute()

    # -- inbound: to the gateway -------------------------------------------------
    def _inbound(self, update: Update) -> Inbound | None:
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return None  # group chats are not served: nothing said there is private
        route = {"channel": CHANNEL, "chat_id": chat.id}
        if update.callback_query is not None:
            return Inbound(channel=CHANNEL, chat_id=str(chat.id), payload=update.callback_query.data or "",
                           kind="text", route=route)
        msg = update.effective_message
        if msg is None:
            return None
        kind = message_kind(update)
        text = msg.text if kind == "text" else None
        return Inbound(channel=CHANNEL, chat_id=str(chat.id), text=text, kind=kind, route=route,
                       message_id=msg.message_id)

    async def _process(self, data: dict[str, Any], prev: asyncio.Task[None] | None = None,
                       urgent_done: bool = False, keep: bool = False) -> None:
        """Answer one update. Immediate danger gets 112 before waiting for the chat's turn.

        ``urgent_done``: its 112 was sent already (from the spool). ``keep``: on a Redis
        failure the gateway keeps the message itself; otherwise ``Unstored`` is raised."""
        update = Update.de_json(data, self.app.bot)
        inbound = self._inbound(update)
        if inbound is None:
            return
        chat_id = int(inbound.chat_id)
        pid = self.gateway.pid(CHANNEL, chat_id)
        route = inbound.route or {}
        result = self.gateway.screen(inbound)
        urgent_sent = urgent_done
        if result.level == Level.IMMEDIATE and not urgent_sent:
            await self.deliver(pid, route, [Reply(texts.text("emergency", self.gateway.guess_language(inbound)))])
            urgent_sent = True
        if prev is not None:
            await asyncio.wait([prev])  # this chat's earlier update first (its failure is its own)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except (NetworkError, BadRequest):
                log.warning("callback answer failed", extra={"component": "telegram"})

        async def deliver(replies: list[Reply]) -> None:
            await self.deliver(pid, route, replies)

        try:
            await self.gateway.handle(inbound, deliver, screened=(result, urgent_sent), keep=keep)
        except (RedisError, OSError) as exc:
            raise Unstored(urgent_sent) from exc
        if inbound.message_id is not None:
            try:
                await self._remember_id(chat_id, inbound.message_id)
            except (RedisError, OSError):
                log.warning("message id not remembered", extra={"component": "telegram"})

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler failed", exc_info=context.error, extra={"component": "telegram"})
        if isinstance(update, Update) and update.effective_chat is not None:
            # Whatever broke, the person is not left without an answer.
            try:
                await self.deliver(
                    self.gateway.pid(CHANNEL, update.effective_chat.id),
                    {"channel": CHANNEL, "chat_id": update.effective_chat.id},
                    [Reply(texts.text("bot_unavailable", "hu"))],
                )
            except RedisError:
                await context.bot.send_message(update.effective_chat.id, texts.text("bot_unavailable", "hu"))

    # -- outbound ----------------------------------------------------------------
    async def deliver(self, pid: str, route: dict[str, Any], replies: list[Reply]) -> None:
        """Queue replies for sending, in order, sealed (they hold text and the chat id)."""
        for reply in replies:
            body = {"pid": pid, "chat_id": route["chat_id"], "text": reply.text,
                    "buttons": [list(b) for b in reply.buttons], "urgent": _urgent(reply.text)}
            try:
                await self.redis.xadd(
                    keys.telegram_outbox(), {"d": self.sealer.seal(body)}, maxlen=OUTBOX_MAXLEN, approximate=True
                )
            except (RedisError, OSError):
                # No outbox without Redis: send now, so the person is not left waiting.
                await self._send_one(body, remember=False)

    async def _send_loop(self) -> None:
        stream, group = keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP
        last_claim = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                self.sender_beat = loop.time()
                if sum(len(q) for q in self._out_queues.values()) > 5_000:
                    await asyncio.sleep(0.2)  # parked chats hold a lot: read more later
                    continue
                if loop.time() - last_claim > 30:
                    # Entries another (crashed) sender took but never acknowledged.
                    _, claimed, *_ = await self.redis.xautoclaim(stream, group, self.consumer,
                                                                 min_idle_time=30_000, count=100)
                    last_claim = loop.time()
                    self._queue_out(claimed or [])
                batch = await self.redis.xreadgroup(group, self.consumer, {stream: ">"}, count=50, block=1000)
                if self._stopping:
                    break  # read but not sent: the entries stay pending for the next process
                for _, entries in batch or []:
                    self._queue_out(entries)
            except asyncio.CancelledError:
                raise
            except ResponseError as exc:
                await self._recover(exc)
            except (RedisError, OSError) as exc:
                log.error("outbox read failed", extra={"component": "telegram", "error": type(exc).__name__})
                await asyncio.sleep(1)

    def _queue_out(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        """Hand each entry to its chat's sender (one per chat: in order, parked alone on 429)."""
        for entry_id, fields in entries:
            if entry_id in self._inflight_out or not fields:
                continue
            try:
                body = self.sealer.open(fields[b"d"])
            except Exception:  # noqa: BLE001
                log.error("unreadable outbox entry dropped", extra={"component": "telegram"})
                metrics.ERRORS.labels("unreadable_record").inc()
                asyncio.create_task(self._done_out(entry_id))
                continue
            self._inflight_out.add(entry_id)
            body["entry"] = entry_id.decode()  # in memory only: checked against /torles
            chat = body["chat_id"]
            self._out_queues.setdefault(chat, deque()).append((entry_id, body))
            if chat not in self._out_workers:
                self._out_workers[chat] = asyncio.create_task(self._chat_sender(chat))

    async def _chat_sender(self, chat: Any) -> None:
        queue = self._out_queues[chat]
        try:
            while queue and not self._stopping:
                entry_id, body = queue[0]
                if body.get("urgent"):
                    ok = await self._send_one(body)  # never waits behind other chats
                else:
                    async with self._send_slots:
                        ok = await self._send_one(body)
                if ok is None:
                    continue  # retry later, in order: this chat only stays parked
                queue.popleft()
                self._inflight_out.discard(entry_id)
                try:
                    await self._done_out(entry_id)
                except (RedisError, OSError):
                    log.warning("outbox ack failed", extra={"component": "telegram"})
        finally:
            self._out_workers.pop(chat, None)
            if not queue:
                self._out_queues.pop(chat, None)
            else:  # cancelled: what is left stays pending in Redis and is claimed again
                for entry_id, _ in queue:
                    self._inflight_out.discard(entry_id)
                self._out_queues.pop(chat, None)

    async def _done_out(self, entry_id: bytes) -> None:
        stream, group = keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xack(stream, group, entry_id)
            pipe.xdel(stream, entry_id)
            await pipe.execute()

    async def outbox_status(self) -> dict[str, Any]:
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

    async def _send_one(self, body: dict[str, Any], remember: bool = True) -> bool | None:
        """Send one message with retries. True sent, False refused for good, None retry later."""
        buttons = tuple((b[0], b[1]) for b in body.get("buttons", []))
        parts = _chunks(body["text"] or " ")
        first = int(body.get("sent_parts", 0))  # parts of a long reply already delivered
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if self._stopping and "entry" in body:
                return None  # stays in the outbox: the next process sends it
            if await self._erased(body):
                return False  # /torles came after this reply was queued: never sent
            try:
                for i in range(first, len(parts)):
                    sent = await self.app.bot.send_message(
                        chat_id=body["chat_id"], text=parts[i],
                        reply_markup=_markup(buttons) if i == len(parts) - 1 else None,
                    )
                    first = i + 1
                    body["sent_parts"] = first
                    if remember:
                        await self._remember_id(body["chat_id"], sent.message_id)
                return True
            except RetryAfter as exc:
                wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
                log.warning("telegram flood control", extra={"component": "telegram", "retry_after": wait, "attempt": attempt})
                await asyncio.sleep(float(wait))
            except Forbidden:
                log.warning("telegram refused: bot blocked by the person", extra={"conv": body["pid"]})
                return False
            except BadRequest as exc:
                log.error("telegram bad request", extra={"conv": body["pid"], "error": type(exc).__name__})
                return False
            except (TimedOut, NetworkError) as exc:
                log.warning("telegram send failed", extra={"component": "telegram", "attempt": attempt, "error": type(exc).__name__})
                await asyncio.sleep(min(30.0, 0.5 * 2 ** attempt))
        return None

    async def _erased(self, body: dict[str, Any]) -> bool:
        """The conversation was erased after this outbox entry was queued (``keys.erased``)."""
        if "entry" not in body:
            return False  # sent directly (Redis down): nothing queued before an erase
        try:
            mark = await asyncio.wait_for(self.redis.get(keys.erased(body["pid"])), 1.0)
        except (RedisError, OSError, asyncio.TimeoutError):
            return False  # cannot tell: a reply sent beats a reply lost (112 never waits on it)
        return mark is not None and _entry_key(body["entry"]) <= _entry_key(mark.decode())

    def drop_chat(self, chat_id: Any) -> None:
        """/torles: forget the chat's replies waiting in memory (the eraser deleted their
        outbox entries); a send being retried stops now. Its worker's ``finally`` clears up."""
        worker = self._out_workers.get(chat_id)
        if worker is not None:
            worker.cancel()

    async def _remember_id(self, chat_id: int, message_id: int) -> None:
        pid = self.gateway.pid(CHANNEL, chat_id)
        key = keys.telegram_ids(pid)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.rpush(key, message_id)
            pipe.ltrim(key, -1000, -1)
            pipe.expire(key, SENT_IDS_TTL)
            await pipe.execute()
