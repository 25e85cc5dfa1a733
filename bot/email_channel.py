"""The e-mail channel: a mailbox read over IMAP, answers sent over SMTP.

Every new mail in the mailbox is one message through the gateway's one path
(screening first, state in Redis, Rasa or the operator queue); it gets ONE complete
reply mail in the same thread (``In-Reply-To``/``References``, "Re: " subject).
Operators' replies reach the person as mails in that thread (``gateway.deliverers``).

- The mailbox is the durable inbox: a mail is marked ``\\Seen`` only after its answer
  was sent (at-least-once); a Redis marker per Message-ID keeps a second replica, or a
  restart after the send, from answering it twice.
- The sender's address is the chat id: pseudonymised for every key
  (``gateway.pid("email", address)``), kept only inside the sealed delivery route, and
  never logged (nor is any subject or text; ``aioimaplib``'s own logger, which writes
  whole mails at DEBUG, is held at WARNING).
- No mail loops: our own address, auto-replies and bulk or list mail, bounces are
  read and marked seen, never answered; our bot answers carry ``Auto-Submitted``.
- Attachments are never stored or opened: the answer says we can only read text.
- The bot's answers end with the anonymous report form (``bot.mail_report_form``); a reply
  with it filled in becomes the chat form's report, without the sender's address.
- IMAP IDLE when the server has it, polling every ``EMAIL_POLL_SECONDS`` otherwise.

Here: what a mail is answered with, and sending. Reading the mailbox is ``bot.mail_inbox``,
reading one mail ``bot.mail_reading``, the look of our mails ``bot.mail_writing``.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import keys, mail_report_form, metrics
from bot.abuse import Limit, Limiter
from bot.commands import fold
from bot.config import Settings
from bot.delivery import Reply
from bot.gateway import Gateway
from bot.inbound import Inbound
from bot.mail_endpoint import endpoint
from bot.mail_inbox import MailInbox
from bot.mail_reading import Mail, parse_mail
from bot.mail_writing import carries_emergency, compose, is_form_answer, render
from bot.screening import Level

log = logging.getLogger(__name__)
CHANNEL = "email"
SEND_ATTEMPTS = 5         # later mails (operator replies): tries before giving up
DONE_TTL = 7 * 86400      # the "answered" marker of a mail
# KEYS: the mail's marker. ARGV: the claim's lifetime. "new", or "retry:0" / "retry:1" (an
# earlier try's answer was not sent; 1: that try was over the sender's limit): this replica
# answers it now. Else the marker's value ("done", "taken"): not ours.
_CLAIM = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 6) ~= 'retry:' then return v end
redis.call('SET', KEYS[1], 'taken', 'EX', ARGV[1])
return v or 'new'
"""
TAKEN_TTL = 600           # a replica's claim on a mail it is answering


@dataclass
class Stats:
    received: int = 0
    answered: int = 0
    skipped: int = 0
    failed: int = 0
    sent: int = 0
    last_answered: float = 0.0


class EmailChannel:
    """Reads the mailbox, hands each mail to the gateway, answers by mail."""

    def __init__(self, settings: Settings, gateway: Gateway, redis: Redis, outbox: Any = None,
                 reports: Any = None) -> None:
        self.settings = settings
        self.outbox = outbox  # bot.mail_outbox.MailOutbox: operators' mails survive an SMTP outage
        self.reports = reports  # bot.reports.followup.ReportDesk: the form is offered when it takes reports
        self.gateway = gateway
        self.redis = redis
        self.smtp = endpoint(settings.email_smtp_url, settings.email_user, settings.email_password, (587, 465))
        self.address = settings.email_address.strip().lower()
        self.stats = Stats()
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.inbox = MailInbox(settings, self._answer_mail, self._spawn)
        # Answers per sender (pseudonym) and window: a flood, or mails forged in someone
        # else's name, must not make us send that address mail after mail.
        self.limiter = Limiter(redis)
        self._claim = redis.register_script(_CLAIM)
        self.sender_limit = Limit("email_sender", settings.email_answers_per_sender, settings.email_sender_window)
        gateway.deliverers[CHANNEL] = self.deliver

    # -- lifecycle
    async def start(self) -> None:
        self._task = asyncio.create_task(self.inbox.run(), name="email-mailbox")

    async def stop(self) -> None:
        if self._task is not None:
            # Cancelled again until it ends: Python 3.11's wait_for can swallow a cancellation
            # that meets its inner wait finishing (a wake-up), and the loop would go on.
            while not self._task.done():
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=1)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=1)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer_mail(self, raw: bytes, too_big: bool) -> None:
        """One mail from the inbox; a failure is counted here and raised (kept unseen, retried)."""
        try:
            await self.process(raw, headers_only=too_big)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.stats.failed += 1
            metrics.ERRORS.labels("email_answer").inc()
            log.error("email not answered; kept unseen for a retry",
                      extra={"channel": CHANNEL, "error": type(exc).__name__})
            raise

    # -- one mail
    def _mail_id(self, mail: Mail, raw: bytes) -> str:
        """The mail's own id, pseudonymised: its marker's name and its client id in the
        conversation (so a retried mail is recorded once and answered with the first answer)."""
        return self.gateway.pid("email-message", mail.message_id or hashlib.sha256(raw).hexdigest())

    async def process(self, raw: bytes, *, headers_only: bool = False) -> str:
        """Answer one mail (or decide it gets no answer). Returns what happened."""
        self.stats.received += 1
        mail = parse_mail(raw, self.address, self.settings.max_message_chars * 4, headers_only=headers_only)
        if mail.skip:
            self.stats.skipped += 1
            metrics.MESSAGES.labels(CHANNEL, "skipped").inc()
            log.info("email not answered", extra={"channel": CHANNEL, "reason": mail.skip})
            return mail.skip
        mail_id = self._mail_id(mail, raw)
        marker = f"{keys.PREFIX}:email:mail:{mail_id}"
        claim = b"new"
        try:
            claim = await self._claim(keys=[marker], args=[TAKEN_TTL])
            if claim == b"done":
                return "duplicate"
            if claim not in (b"new", b"retry:0", b"retry:1"):
                raise RuntimeError("another replica is answering this mail")
        except RedisError:
            marker = ""  # Redis down: the gateway keeps the message; answer anyway
        route = {"channel": CHANNEL, "to": mail.sender, "message_id": mail.message_id,
                 "references": mail.references, "subject": mail.subject}
        collected: list[Reply] = []

        async def deliver(replies: list[Reply]) -> None:
            collected.extend(replies)

        pid = self.gateway.pid(CHANNEL, mail.sender)
        try:
            # A retry (its answer was not sent: SMTP down) is the same mail: counted once.
            over = claim == b"retry:1" if claim != b"new" else await self.limiter.hit(self.sender_limit, pid)
        except (RedisError, OSError):
            over = False  # cannot count: answer (a reply too many beats a danger unanswered)
        try:
            await self._answer(mail, route, pid, collected, deliver, over_limit=over,
                               client_id=mail_id if marker else None)
        except BaseException:
            if marker:  # free the mail for the retry, marked as one
                try:
                    await self.redis.set(marker, f"retry:{int(over)}", ex=DONE_TTL)
                except RedisError:
                    pass
            raise
        if marker:
            try:
                await self.redis.set(marker, "done", ex=DONE_TTL)
            except RedisError:
                pass
        self.stats.answered += 1
        self.stats.last_answered = time.time()
        return "answered"

    async def _answer(self, mail: Mail, route: dict[str, Any], pid: str, collected: list[Reply],
                      deliver: Any, *, over_limit: bool = False, client_id: str | None = None) -> None:
        level = Level.NONE
        state = ""
        form = mail_report_form.parse(mail.full) if mail.full else None
        try:
            if form is not None:
                # A filled report form: its answers are the message (screened, in the transcript)
                # and go to the report desk; the sender's own address never goes with them.
                values = {k: mail_report_form.scrub(v, mail.sender) for k, v in form.values.items()}
                form.values = values
                inbound = Inbound(channel=CHANNEL, chat_id=mail.sender, text=form.as_text(), route=route,
                                  report_form=values, client_id=client_id)
            elif mail.text:
                typed = mail_report_form.scrub(mail.text, mail.sender)
                payload = await self._button_payload(pid, typed)
                inbound = Inbound(channel=CHANNEL, chat_id=mail.sender, text=None if payload else typed,
                                  payload=payload, route=route, client_id=client_id)
            else:
                inbound = Inbound(channel=CHANNEL, chat_id=mail.sender, kind="document" if mail.attachments
                                  else "text", text="", route=route)
            outcome = await self.gateway.handle(inbound, deliver)
            level, state = outcome.screening.level, outcome.state.value
        finally:
            if collected and over_limit and level.rank < Level.HIGH.rank and not carries_emergency(collected) \
                    and not is_form_answer(collected):
                # Over the sender's limit: taken (screened, in the transcript, an operator
                # sees it), but not answered by mail; danger, and a report's case code (or
                # what it still lacks), are always answered.
                log.info("email answer withheld: sender over its limit", extra={"channel": CHANNEL, "conv": pid})
                collected.clear()
            if collected:  # even after a failure: the 112 text went into ``collected`` first
                voice = await self._voice(pid)
                offer = state == "bot" and form is None and self._reports_on() and not is_form_answer(collected)
                body = render(collected, voice, attachments=bool(mail.attachments and mail.text),
                              public_url=self.settings.public_url,
                              form=mail_report_form.offer(voice) if offer else "")
                await self.send(compose(route, body, self.address, voice, automatic=True))

    def _reports_on(self) -> bool:
        return self.reports is not None and self.reports.reports is not None

    async def _bot_answer_withheld(self, pid: str) -> bool:
        """A later bot answer (a flood's deferred one) to a sender over its limit is not mailed;
        an operator's (or the queue's) always is."""
        try:
            if not await self.limiter.over(self.sender_limit, pid):
                return False
            return not (await self.gateway.store.load(pid)).with_human
        except (RedisError, OSError):
            return False

    async def _voice(self, pid: str) -> str:
        try:
            return (await self.gateway.store.load(pid)).voice
        except (RedisError, OSError):
            return "hu"

    async def _button_payload(self, pid: str, typed: str) -> str | None:
        """A reply that is exactly one of the options we listed counts as pressing it."""
        if len(typed) > 80 or "\n" in typed:
            return None
        try:
            last = await self.gateway.store.last_seq(pid)
            entries = await self.gateway.store.read(pid, max(0, last - 6))
        except (RedisError, OSError):
            return None
        want = fold(typed).strip(" .!-\"'„”")
        for e in reversed(entries):
            for title, payload in e.buttons:
                if fold(title).strip(" .!-\"'„”") == want:
                    return payload
        return None

    # -- sending
    async def send(self, msg: EmailMessage) -> None:
        import aiosmtplib

        await aiosmtplib.send(
            msg, sender=self.address, recipients=[str(msg["To"])],
            hostname=self.smtp.host, port=self.smtp.port, use_tls=self.smtp.tls,
            start_tls=None if not self.smtp.tls else False,
            username=self.smtp.user or None, password=self.smtp.password or None,
            timeout=self.settings.email_timeout,
        )
        self.stats.sent += 1
        metrics.MESSAGES.labels(CHANNEL, "sent").inc()

    async def deliver(self, pid: str, route: dict[str, Any], replies: list[Reply]) -> None:
        """Replies decided later (an operator's, the queue's) as a mail in the person's thread.

        Kept in the durable outbox (sealed; retried with backoff until SMTP takes it, and
        never lost to a restart), so an operator never waits on SMTP. With Redis down,
        sent from memory with a few retries instead."""
        if not route.get("to"):
            return
        if await self._bot_answer_withheld(pid):
            log.info("email answer withheld: sender over its limit", extra={"channel": CHANNEL, "conv": pid})
            return
        voice = await self._voice(pid)
        msg = compose(route, render(replies, voice, footer=False), self.address, voice, automatic=False)
        if self.outbox is not None:
            try:
                await self.outbox.put("reply", msg, sender=self.address, recipients=[route["to"]], ref=pid,
                                      ttl=self.settings.retention_seconds, pid=pid)
                return
            except (RedisError, OSError) as exc:
                log.warning("email reply not queued; sending from memory",
                            extra={"channel": CHANNEL, "conv": pid, "error": type(exc).__name__})
        self._spawn(self._send_with_retries(msg, pid))

    async def _send_with_retries(self, msg: EmailMessage, pid: str) -> None:
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await self.send(msg)
                return
            except Exception as exc:  # noqa: BLE001 - whatever SMTP did: retried, then given up (logged)
                metrics.ERRORS.labels("email_send").inc()
                log.error("email reply not sent", extra={"channel": CHANNEL, "conv": pid, "attempt": attempt,
                                                         "error": type(exc).__name__})
                await asyncio.sleep(min(2 ** attempt, 60))
        log.error("email reply given up", extra={"channel": CHANNEL, "conv": pid})
