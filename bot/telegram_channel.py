"""Telegram channel on python-telegram-bot 22, in the gateway's own event loop: the intake.

Rasa's Telegram connector is not used: it exits at start-up without internet,
ignores the webhook secret and drops message ids. Polling locally, webhook with
``secret_token`` in production; the Bot API base URL is configurable so tests
run the whole path against a local fake Bot API.

Both directions go through Redis streams read by consumer groups:
- the inbox (here): an update is stored (sealed, deduplicated by ``update_id``) before the
  webhook answers 200 or the poller moves on, and processed from there; a crash
  replays it, a redelivered update is not answered twice; a chat's updates are answered
  in order, chats in parallel, and immediate danger gets 112 before waiting its turn;
- the outbox (``bot.telegram_outbox``): a reply survives a crash between "decided" and "sent".
If Redis is down, an update goes to the disk spool (``bot.telegram_spool``) and the webhook
answers 200 at once. The spool (and a memory of recently accepted update ids) dedupes by
``update_id`` during the outage. The streams' Lua steps and groups are in
``bot.telegram_streams``; reading an update is ``bot.telegram_updates``.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import os
import socket
from functools import partial
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError
from telegram import Update
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot import keys, metrics, texts
from bot import telegram_streams as streams
from bot.config import Settings
from bot.crypto import Sealer
from bot.delivery import Reply
from bot.gateway import Gateway
from bot.replica_lease import ReplicaLease
from bot.screening import Level
from bot.spool import Spool
from bot.stream_consumer import StreamConsumer
from bot.telegram_outbox import TelegramOutbox
from bot.telegram_spool import TelegramSpool
from bot.telegram_updates import CHANNEL, chat_of
from bot.telegram_updates import inbound as inbound_of

log = logging.getLogger(__name__)
STOP_WAIT_SECONDS = 1.5  # stop(): how long cancelled work may take to unwind
DELETE_BATCH = 100  # message ids per deleteMessages call (the Bot API's limit)
RECENT_IDS = 20_000  # update ids accepted lately: a redelivery in an outage is still known


class Unstored(Exception):
    """Redis failed while an inbox entry was being answered; ``urgent``: 112 went out."""

    def __init__(self, urgent: bool) -> None:
        super().__init__("redis unavailable")
        self.urgent = urgent




class TelegramChannel:
    """Receives updates into the inbox and hands them to the gateway; replies go to the outbox."""

    def __init__(self, settings: Settings, gateway: Gateway, redis: Redis, sealer: Sealer,
                 spool: Spool | None = None) -> None:
        self.settings = settings
        self.gateway = gateway
        self.redis = redis
        self.sealer = sealer
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        self.lease = ReplicaLease(redis, self.consumer, settings.telegram_replica_lease)
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
        self._accept = redis.register_script(streams.ACCEPT)
        self.outbox = TelegramOutbox(redis, sealer, self.app.bot, gateway.pid, self.consumer, self.lease)
        self.deliver = self.outbox.deliver
        self.spool = TelegramSpool(spool, redis, sealer, gateway, self.app.bot, self.outbox.send_one,
                                   self._replayed)
        self._recent: dict[int, None] = {}  # update ids accepted lately (insertion order)
        self._unacked: dict[bytes, int] = {}  # inbox entries answered, acknowledgement failed
        self._tasks: list[asyncio.Task[None]] = []
        self._chains: dict[Any, asyncio.Task[None]] = {}  # chat -> its last inbox task (order)
        self._background: set[asyncio.Task[None]] = set()  # acknowledgements of unreadable entries
        self._inflight_in: set[bytes] = set()
        # Set by stop(). The loops check it on every round: redis-py can swallow a task's
        # cancellation inside a blocking XREADGROUP and return normally, so a loop that relied
        # on CancelledError alone ran on and held SIGTERM up for 10 s and more.
        self._stopping = False
        # The inbox's reader (bot.stream_consumer): its own pending entries first, a dead
        # replica's at once (the lease), a live one's after TELEGRAM_CLAIM_IDLE_SECONDS.
        self.inbox = StreamConsumer(
            redis, keys.telegram_inbox(), keys.TELEGRAM_INBOX_GROUP, self.consumer, dispatch=self._dispatch,
            stopping=lambda: self._stopping, recover=lambda exc: streams.recover(redis, exc),
            claim_idle=settings.telegram_claim_idle, claim_every=settings.telegram_claim_idle / 3,
            before_round=self._before_inbox_round, lease=self.lease, own_first=True, what="inbox")
        gateway.deliverers[CHANNEL] = self.deliver
        gateway.delivery.erasers[CHANNEL] = self  # /torles: drop_chat, delete_messages

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        await streams.ensure_groups(self.redis)
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
        self.outbox.sender_beat = asyncio.get_running_loop().time()
        self.spool.load()
        self._tasks = [asyncio.create_task(self.outbox.run(), name="telegram-outbox"),
                       asyncio.create_task(self.inbox.run(), name="telegram-inbox"),
                       asyncio.create_task(self.spool.run(), name="telegram-spool"),
                       asyncio.create_task(self.lease.run(), name="telegram-lease")]

    async def stop(self) -> None:
        """Stop within about two seconds. Work cut short stays unacknowledged in the inbox and
        outbox streams, so the next process takes it over (nothing kept is lost)."""
        self._stopping = self.outbox.stopping = self.spool.stopping = True
        tasks = [*self._tasks, *self._background, *self.outbox.workers.values(), *self.outbox.background,
                 *self._chains.values(), *self.spool.tasks.values()]
        for t in tasks:
            t.cancel()
        late: set[asyncio.Task[None]] = set()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=STOP_WAIT_SECONDS)
            if late:
                log.warning("telegram tasks still running at stop", extra={"component": "telegram", "count": len(late)})
        if not late:
            await self.lease.release()  # nothing of ours still runs: others take it over now
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
        if update_id in self._recent or update_id in self.spool.ids:
            metrics.ERRORS.labels("telegram_duplicate_update").inc()
            return
        if not self.spool:
            try:
                fresh = await asyncio.wait_for(self._accept(
                    keys=[keys.telegram_seen(update_id), keys.telegram_inbox()],
                    args=[self.sealer.seal(data), streams.SEEN_TTL, streams.INBOX_MAXLEN],
                ), streams.ACCEPT_TIMEOUT)
                self._remember_recent(update_id)
                if not fresh:
                    metrics.ERRORS.labels("telegram_duplicate_update").inc()
                return
            except (TimeoutError, RedisError, OSError) as exc:
                log.error("telegram inbox unavailable; update spooled", extra={"error": type(exc).__name__})
        if not await self.spool.put({"update": data, "entry": "", "urgent": False, "answered": False}):
            log.error("telegram spool unavailable; processing at once", extra={"component": "telegram"})
            await self._process(data, keep=True)

    def _remember_recent(self, update_id: int) -> None:
        self._recent[update_id] = None
        if len(self._recent) > RECENT_IDS:
            del self._recent[next(iter(self._recent))]

    def _replayed(self, update_id: int, entry: str) -> None:
        """A spooled update is in the inbox again (and its old entry, if any, gone)."""
        self._remember_recent(update_id)
        if entry:
            self._inflight_in.discard(entry.encode())

    # -- the inbox -------------------------------------------------------------------
    async def _before_inbox_round(self) -> bool:
        if self._unacked:
            await self._ack_answered()
        return False

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
                task = asyncio.create_task(streams.done_in(self.redis, entry_id, None))
                self._background.add(task)  # held: an unreferenced task can be collected mid-run
                task.add_done_callback(self._background.discard)
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
                    await streams.done_in(self.redis, entry_id, None)
                    return
                if await self._process(data, prev, urgent_done=urgent_done, entry=(entry_id, update_id)):
                    return  # acknowledged with its answer, in one transaction
            except Unstored as exc:
                urgent = exc.urgent or urgent_done
            except (RedisError, OSError):
                urgent = urgent_done  # Redis failed before the answer began
            else:
                try:
                    await streams.done_in(self.redis, entry_id, update_id)
                except (RedisError, OSError):
                    # Answered, but Redis went down before the acknowledgement: acknowledged
                    # when it is back (the inbox loop), never answered again by a takeover.
                    self._unacked[entry_id] = update_id
                    keep_entry = True
                return
            # Redis went down before this update was answered: into the disk spool (the person
            # hears 112 / "kept" now); its replay replaces this inbox entry when Redis is back,
            # so it is answered once, not by the spool and again by the inbox's takeover.
            keep_entry = await self.spool.put({"update": data, "entry": entry_id.decode(),
                                                "urgent": urgent, "answered": False})
            if not keep_entry:
                log.error("inbox entry not finished", extra={"component": "telegram", "error": "spool"})
        except Exception:
            if self._stopping:
                return  # cut short by the stop (a closed client): pending, answered after restart
            log.exception("inbox entry failed", extra={"component": "telegram"})
            await streams.done_in(self.redis, entry_id, update_id)
        finally:
            if not keep_entry:
                self._inflight_in.discard(entry_id)

    async def _ack_answered(self) -> None:
        """Acknowledge entries answered while Redis was down (raises while it still is)."""
        for entry_id, update_id in list(self._unacked.items()):
            await streams.done_in(self.redis, entry_id, update_id)
            self._unacked.pop(entry_id, None)
            self._inflight_in.discard(entry_id)

    # -- to the gateway --------------------------------------------------------------
    async def _process(self, data: dict[str, Any], prev: asyncio.Task[None] | None = None,
                       urgent_done: bool = False, keep: bool = False,
                       entry: tuple[bytes, int] | None = None) -> bool:
        """Answer one update. Immediate danger gets 112 before waiting for the chat's turn.

        ``urgent_done``: its 112 was sent already (from the spool). ``keep``: on a Redis
        failure the gateway keeps the message itself; otherwise ``Unstored`` is raised.
        ``entry``: its inbox entry and update id, acknowledged in the transaction that queues
        the answer (True returned then): a replica killed between the two would otherwise
        leave an answer in the outbox and its update pending, answered twice by a takeover."""
        update = Update.de_json(data, self.app.bot)
        inbound = inbound_of(update)
        if inbound is None:
            return False
        chat_id = int(inbound.chat_id)
        pid = self.gateway.pid(CHANNEL, chat_id)
        route = inbound.route or {}
        result = self.gateway.screen(inbound)
        urgent_sent = urgent_done
        if result.level == Level.IMMEDIATE and not urgent_sent:
            await self.deliver(pid, route, [Reply(texts.text("emergency", await self.gateway.early_voice(inbound, pid)),
                                                  emergency=True)])
            urgent_sent = True
        if prev is not None:
            await asyncio.wait([prev])  # this chat's earlier update first (its failure is its own)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except (NetworkError, BadRequest):
                log.warning("callback answer failed", extra={"component": "telegram"})

        answer: list[Reply] = []

        async def deliver(replies: list[Reply]) -> None:
            answer.extend(replies)  # the answer: queued below, with the acknowledgement

        try:
            await self.gateway.handle(inbound, deliver, screened=(result, urgent_sent), keep=keep)
        except (RedisError, OSError) as exc:
            raise Unstored(urgent_sent) from exc
        acked = False
        if answer or entry is not None:
            also = None if entry is None else partial(streams.mark_in_done, entry_id=entry[0], update_id=entry[1])
            acked = await self.outbox.queue(pid, route, answer, also) and entry is not None
        if inbound.message_id is not None:
            try:
                await self.outbox.remember_id(chat_id, inbound.message_id)
            except (RedisError, OSError):
                log.warning("message id not remembered", extra={"component": "telegram"})
        return acked

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

    def drop_chat(self, chat_id: Any) -> None:
        """/torles (``bot.reports.erase``): the chat's replies waiting in memory are dropped."""
        self.outbox.drop_chat(chat_id)

    async def delete_messages(self, chat_id: Any, message_ids: list[int]) -> int:
        """/torles: delete the chat's messages, both sides', up to 100 per ``deleteMessages``
        call; returns how many went."""
        done = 0
        for start in range(0, len(message_ids), DELETE_BATCH):
            chunk = message_ids[start:start + DELETE_BATCH]
            try:
                await self.app.bot.delete_messages(chat_id=chat_id, message_ids=chunk)
                done += len(chunk)
            except TelegramError as exc:
                # Older than 48 h or already gone: nothing more the Bot API allows.
                log.warning("telegram delete failed", extra={"component": "telegram", "error": type(exc).__name__})
        return done
