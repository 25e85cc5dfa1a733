"""The gateway's wiring and the small helpers every part of the message path shares.

``Gateway`` is built from parts by concern (reply composition, the Rasa call, answers that
wait for Rasa, replay after a Redis outage); they share this one constructor and state so
each part reads as its own module and none needs a reference back to the others.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError

from bot import language
from bot.commands import effective_text
from bot.delivery import Delivery
from bot.ids import pseudonymise
from bot.inbound import Handoff, Inbound
from bot.rasa_client import RasaPool
from bot.replays import Replays
from bot.screening import Screener, ScreenResult
from bot.spool import Spool
from bot.store import ConversationStore

log = logging.getLogger(__name__)


class GatewayBase:
    """The settings and state of one gateway process (see ``bot.gateway.Gateway``)."""

    def __init__(
        self,
        *,
        store: ConversationStore,
        screener: Screener,
        rasa: RasaPool,
        pseudonym_key: bytes,
        intents: frozenset[str],
        max_chars: int = 4096,
        rate_limit: tuple[int, int] = (8, 10),
        handoff: Handoff | None = None,
        erase_hook: Callable[[str, dict[str, Any] | None], Awaitable[None]] | None = None,
        spool: Spool | None = None,
        actions_up: Callable[[], bool] | None = None,
        rasa_queue: int = 200,
        busy_notice: float = 2.0,
        wait_claim: float = 15.0,
        delivery: Delivery | None = None,
        reports: Any = None,
        aof: Any = None,
    ) -> None:
        self.store = store
        self.screener = screener
        self.rasa = rasa
        # A web message delivered twice (HAProxy's replay) is answered once (bot.replays).
        self.replays = Replays(store.redis)
        # How long a replay waits for the first delivery's answer at most: its slot wait
        # and one Rasa call, with room to record the answer.
        self._replay_wait = busy_notice + rasa.timeout + 2.0
        self.handoff = handoff
        self._key = pseudonym_key
        self._intents = intents
        self._max_chars = max_chars
        self._rate_count, self._rate_window = rate_limit
        self._erase_hook = erase_hook
        # Messages that arrived while Redis was down, processed when it is back: on disk
        # (sealed, survives a crash of this process); in memory only if the disk fails.
        self._spool = spool
        self._actions_up = actions_up  # cached action-server health (bot.action_watch)
        self._pending: deque[Inbound] = deque(maxlen=10_000)
        # Overload (bot.rasa_client.RasaPool): a message waits at most ``busy_notice`` s for a
        # Rasa slot, then the person hears "a moment" and it waits on in Redis (the
        # conversation's deferred list), claimed by this process for ``wait_claim`` s at a
        # time: if the process dies, another replica takes it over and answers. At most
        # ``rasa_queue`` conversations are worked on here at once; the rest wait in Redis
        # for whichever replica has room.
        self._rasa_queue = rasa_queue
        self._busy_notice = busy_notice
        self._wait_claim = wait_claim
        self._drainers: dict[str, asyncio.Task[None]] = {}  # pid -> the task answering its list
        self._background: set[asyncio.Task[None]] = set()  # other best-effort work (tracker events)
        # One lock per conversation for every channel: two messages of one person never
        # interleave their read-modify-write of the conversation (risk, state).
        self._locks: dict[str, list[Any]] = {}
        # Anonymous reports and follow-up by case code (bot.reports.followup.ReportDesk).
        self.reports: Any = reports
        # Rewrites Redis's append-only file after erasures (bot.aof.AofRewriter).
        self.aof: Any = aof
        # Messages to the person outside a reply; push channels register here as they start.
        self.delivery = delivery or Delivery(store)
        self.deliverers = self.delivery.deliverers

    def pid(self, channel: str, chat_id: str | int) -> str:
        return pseudonymise(self._key, channel, chat_id)

    @contextlib.asynccontextmanager
    async def conversation_lock(self, pid: str) -> AsyncIterator[None]:
        """Serialise the handling of one conversation within this process."""
        entry = self._locks.setdefault(pid, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._locks.pop(pid, None)

    def screen(self, msg: Inbound) -> ScreenResult:
        """Screen what the person wrote: CPU only, before any Redis or Rasa call."""
        if msg.kind != "text":
            return ScreenResult()
        text, _ = effective_text(msg, self._intents)
        return self.screener.screen(text) if text else ScreenResult()

    @staticmethod
    def guess_language(msg: Inbound) -> str:
        """The language of the message itself, for a reply sent before the conversation is read."""
        return language.detect(msg.text or "", "hu")

    def _later(self, work: Awaitable[None]) -> None:
        """Best-effort Redis work in the background (awaited at shutdown, never raised)."""

        async def run() -> None:
            try:
                await work
            except (RedisError, OSError) as exc:
                log.warning("background write failed", extra={"error": type(exc).__name__})

        task = asyncio.create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
