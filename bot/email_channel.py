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
"""
from __future__ import annotations

import asyncio
import hashlib
import html.parser
import logging
import re
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError

import wording
from bot import keys, mail_report_form, metrics
from bot.abuse import Limit, Limiter
from bot.config import Settings
from bot.gateway import Gateway, Inbound, Reply, fold
from bot.screening import Level

log = logging.getLogger(__name__)
CHANNEL = "email"
# aioimaplib logs every line it sends and receives (whole mails) at DEBUG, formatted
# before logging: never let that reach the output, whatever LOG_LEVEL says.
logging.getLogger("aioimaplib").setLevel(logging.WARNING)

CONCURRENCY = 8           # mails answered at the same time
MAX_REFERENCES = 20       # Message-IDs kept in the References header
SEND_ATTEMPTS = 5         # later mails (operator replies): tries before giving up
DONE_TTL = 7 * 86400      # the "answered" marker of a mail
TAKEN_TTL = 600           # a replica's claim on a mail it is answering

# -- configuration ----------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    tls: bool            # implicit TLS (imaps://, smtps://)
    user: str
    password: str
    path: str = ""


def endpoint(url: str, default_user: str, default_password: str, ports: tuple[int, int]) -> Endpoint:
    """``imap[s]://user:pass@host:port/MAILBOX`` or ``smtp[s]://...``; URL credentials win."""
    parts = urlsplit(url)
    tls = parts.scheme.endswith("s")
    user = unquote(parts.username) if parts.username else default_user
    password = unquote(parts.password) if parts.password else (default_password if not parts.username else "")
    return Endpoint(host=parts.hostname or "127.0.0.1", port=parts.port or ports[1 if tls else 0], tls=tls,
                    user=user, password=password, path=unquote(parts.path.lstrip("/")))


# -- reading a mail -----------------------------------------------------------------------
_BULK = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_NOREPLY = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@-]|$)", re.I)
_REPLY_PREFIX = re.compile(r"^\s*((re|vá|váa|válasz|aw|sv|fwd?|tov|továbbítás)\s*(\[\d+\])?\s*:\s*)+", re.I)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|eredeti üzenet|forwarded message|továbbított üzenet)", re.I)
_HEADER_FROM = re.compile(r"^\s*(from|feladó|küldő)\s*:", re.I)
_HEADER_SENT = re.compile(r"^\s*(sent|date|elküldve|dátum|küldve)\s*:", re.I)


@dataclass
class Mail:
    """What the channel takes from one mail; ``skip`` names why it gets no answer."""

    sender: str = ""
    message_id: str = ""
    references: str = ""
    subject: str = ""
    text: str = ""
    full: str = ""  # the whole body, quotes included: a form may be answered under its quoted labels
    attachments: int = 0
    skip: str = ""


def _is_attribution(lines: list[str], i: int) -> bool:
    """A reply's "On ... wrote:" / "... írta:" line (not a sentence of the person's own)."""
    line = lines[i].strip()
    if not line.endswith(":"):
        return False
    low = line.lower()
    if not (low.endswith("wrote:") or "írta" in low or "irta" in low):
        return False
    nxt = next((ln.strip() for ln in lines[i + 1:] if ln.strip()), "")
    return "@" in line or bool(re.search(r"\d", line)) or nxt.startswith(">") or low.startswith("on ")


def strip_reply(body: str) -> str:
    """The person's new text only: no quoted history, no signature."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        if line.rstrip() == "--":  # "-- " signature separator (trailing blank often lost)
            cut = i
            break
        if _ORIGINAL.match(line):
            cut = i
            break
        if _HEADER_FROM.match(line) and any(_HEADER_SENT.match(ln) for ln in lines[i + 1:i + 5]):
            cut = i
            break
        if _is_attribution(lines, i):
            # Gmail wraps a long "On <date> <name> <\naddress> wrote:" over two lines.
            cut = i - 1 if i > 0 and lines[i - 1].strip().lower().startswith("on ") and \
                not lines[i].strip().lower().startswith("on ") else i
            break
    kept = [ln.rstrip() for ln in lines[:cut] if not ln.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


class _HtmlText(html.parser.HTMLParser):
    """HTML mail read as text: blocks become lines; scripts, styles and quotes are dropped."""

    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre"}
    SKIP = {"script", "style", "head", "title", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag in self.SKIP or (self.skipping and tag == "div") or "gmail_quote" in cls or "moz-cite" in cls:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and (tag in self.SKIP or tag == "div"):
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # malformed markup: what was read so far
        pass
    lines = [re.sub(r"[ \t\xa0]+", " ", ln).strip() for ln in "".join(parser.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _content(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, ValueError, AssertionError):  # unknown charset, broken encoding
        raw = part.get_payload(decode=True) or b""
        return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def auto_reason(msg: EmailMessage, sender: str, own: str) -> str:
    """Why this mail must get no answer (a loop or nobody to answer), or ""."""
    if not sender or "@" not in sender:
        return "no_sender"
    if own and sender == own:
        return "own_address"
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        return "auto_submitted"
    if str(msg.get("Precedence", "")).strip().lower() in _BULK:
        return "bulk"
    if any(msg.get(h) is not None for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress",
                                            "List-Id", "List-Unsubscribe", "Feedback-ID")):
        # X-Auto-Response-Suppress: Outlook puts it on its own automatic mails
        return "auto_or_list"
    if _NOREPLY.match(sender.split("@", 1)[0] + "@") or msg.get_content_type() == "multipart/report":
        return "bounce"
    if str(msg.get("Return-Path", "")).strip() == "<>":
        return "bounce"
    return ""


def parse_mail(raw: bytes, own_address: str, max_chars: int, *, headers_only: bool = False) -> Mail:
    """Read one mail (RFC 5322 bytes) as the channel needs it. Never raises on bad input."""
    msg: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
    mail = Mail()
    try:
        sender = parseaddr(str(msg.get("From", "")))[1]
    except Exception:
        sender = ""
    mail.sender = sender.strip().lower()
    mail.message_id = str(msg.get("Message-ID", "")).strip()
    mail.references = " ".join(str(msg.get("References", "")).split())
    mail.subject = " ".join(str(msg.get("Subject", "")).split())[:200]
    mail.skip = auto_reason(msg, mail.sender, own_address.strip().lower())
    if mail.skip:
        return mail
    if headers_only:  # too big to read: certainly not a text we can take
        mail.attachments = 1
        return mail
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = _content(body)  # type: ignore[arg-type]
        if body.get_content_subtype() == "html":
            content = html_to_text(content)
        mail.full = content[:max_chars * 2]
        mail.text = strip_reply(content)
    for part in msg.walk():
        if part.is_multipart() or part is body:
            continue
        if part.get_content_maintype() != "text" or part.get_content_disposition() == "attachment":
            mail.attachments += 1
    if not mail.text and mail.subject and not _REPLY_PREFIX.match(mail.subject):
        mail.text = mail.subject  # a mail with its words in the subject only
    mail.text = mail.text[:max_chars]
    return mail


# -- writing a mail -----------------------------------------------------------------------
def reply_subject(subject: str, voice: str) -> str:
    bare = _REPLY_PREFIX.sub("", subject).strip()
    return f"Re: {bare or wording.text('mail_subject', voice)}"


def render(replies: list[Reply], voice: str, *, attachments: bool = False, public_url: str = "",
           footer: bool = True, form: str = "") -> str:
    """One plain-text mail body: every reply, buttons as what the person can write instead,
    then maybe the report form (``form``) before the footer."""
    parts: list[str] = []
    if attachments:
        parts.append(wording.text("mail_attachments", voice))
    titles: list[str] = []
    for r in replies:
        if r.text:
            parts.append(r.text.strip())
        titles += [t for t, _ in r.buttons if t and t not in titles]
    if titles:
        parts.append(wording.text("mail_options", voice) + "\n" + "\n".join(f"- {t}" for t in titles))
    if form:
        parts.append(form)
    if footer:
        tail = [wording.text("mail_footer", voice)]
        if public_url:
            tail.append(wording.text("mail_web_chat", voice, url=public_url + "/"))
        parts.append("--\n" + "\n".join(tail))
    return "\n\n".join(parts) + "\n"


def compose(route: dict[str, Any], body: str, own_address: str, voice: str, *, automatic: bool) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = Address(display_name=wording.text("mail_subject", voice), addr_spec=own_address)
    msg["To"] = route["to"]
    msg["Subject"] = reply_subject(str(route.get("subject") or ""), voice)
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=own_address.rsplit("@", 1)[-1] or None)
    parent = str(route.get("message_id") or "")
    if parent:
        refs = (str(route.get("references") or "").split() + [parent])[-MAX_REFERENCES:]
        msg["In-Reply-To"] = parent
        msg["References"] = " ".join(refs)
    if automatic:  # RFC 3834: vacation responders must not answer this
        msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(body)
    return msg


def _form_answer(replies: list[Reply]) -> bool:
    """Whether the answer is about a report form already (saved, or what is missing)."""
    heads = {wording.text(name, voice).splitlines()[0]
             for name in ("mail_form_saved", "mail_form_missing", "mail_form_cancelled") for voice in ("hu", "hu_formal", "en")}
    return any(r.text and r.text.splitlines()[0] in heads for r in replies)


def _urgent(replies: list[Reply]) -> bool:
    """Whether the answer carries the emergency text (kept even if screening raised)."""
    from bot import texts

    heads = {texts.text("emergency", lang).splitlines()[0] for lang in ("hu", "en")}
    return any(r.text and r.text.splitlines()[0] in heads for r in replies)


# -- the channel --------------------------------------------------------------------------
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

    def __init__(self, settings: Settings, gateway: Gateway, redis: Redis, outbox: Any = None) -> None:
        self.settings = settings
        self.outbox = outbox  # bot.mail_outbox.MailOutbox: operators' mails survive an SMTP outage
        self.gateway = gateway
        self.redis = redis
        self.imap = endpoint(settings.email_imap_url, settings.email_user, settings.email_password, (143, 993))
        self.smtp = endpoint(settings.email_smtp_url, settings.email_user, settings.email_password, (587, 465))
        self.address = settings.email_address.strip().lower()
        self.mailbox = self.imap.path or "INBOX"
        self.stats = Stats()
        self._task: asyncio.Task[None] | None = None
        self._sem = asyncio.Semaphore(CONCURRENCY)
        self._inflight: set[str] = set()     # UIDs being answered
        self._answered: list[str] = []        # UIDs to mark \Seen on the next turn
        self._retry_at: dict[str, float] = {}  # UIDs whose answer failed: not before
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.connected = asyncio.Event()
        self.idle = False
        self.last_poll = 0.0  # time.time() of the last successful read of the mailbox
        # Answers per sender (pseudonym) and window: a flood, or mails forged in someone
        # else's name, must not make us send that address mail after mail.
        self.limiter = Limiter(redis)
        self.sender_limit = Limit("email_sender", settings.email_answers_per_sender, settings.email_sender_window)
        gateway.deliverers[CHANNEL] = self.deliver

    # -- lifecycle
    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="email-mailbox")

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

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the mailbox loop
    async def _run(self) -> None:
        backoff = 1.0
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost, login refused, timeout: try again
                self.connected.clear()
                metrics.ERRORS.labels("email_imap").inc()
                log.error("email mailbox unavailable", extra={"channel": CHANNEL, "error": type(exc).__name__})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
            else:
                backoff = 1.0

    async def _connect(self) -> Any:
        import aioimaplib

        timeout = self.settings.email_timeout
        if self.imap.tls:
            client = aioimaplib.IMAP4_SSL(self.imap.host, self.imap.port, timeout=timeout,
                                          ssl_context=ssl.create_default_context())
        else:
            client = aioimaplib.IMAP4(self.imap.host, self.imap.port, timeout=timeout)
        await client.wait_hello_from_server()
        resp = await client.login(self.imap.user, self.imap.password)
        if resp.result != "OK":
            raise PermissionError("IMAP login refused")
        resp = await client.select(self.mailbox)
        if resp.result != "OK":
            raise FileNotFoundError("IMAP mailbox not selectable")
        return client

    async def _session(self) -> None:
        client = await self._connect()
        idle = client.has_capability("IDLE") and not self.settings.email_disable_idle
        self.idle = idle
        self.connected.set()
        log.info("email mailbox open", extra={"channel": CHANNEL, "kind": "idle" if idle else "poll"})
        try:
            while True:
                self._wake.clear()
                await self._mark_answered(client)
                await self._sweep(client)
                if self._wake.is_set():
                    continue
                wait = self.settings.email_idle_seconds if idle else self.settings.email_poll_seconds
                if self._retry_at:
                    wait = min(wait, max(0.5, min(self._retry_at.values()) - time.monotonic()))
                if idle:
                    await self._idle(client, wait)
                else:
                    await self._sleep(wait)
        finally:
            self.connected.clear()
            await self._close(client)

    @staticmethod
    async def _close(client: Any) -> None:
        """Log out when the connection is idle and well; close it in any case, never hang."""
        try:
            if not client.has_pending_idle() and client.get_state() == "SELECTED":
                await asyncio.wait_for(client.logout(), 2)
        except BaseException:  # a dead connection has nothing to log out of
            pass
        transport = getattr(client.protocol, "transport", None)
        if transport is not None:
            transport.close()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _idle(self, client: Any, seconds: float) -> None:
        """Wait in IDLE until the server says something changed, an answer went out, or time is up."""
        idle = await client.idle_start(timeout=seconds)
        push = asyncio.ensure_future(client.wait_server_push(timeout=seconds + 5))
        wake = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({push, wake}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            idle.cancel()  # stopping: the session closes the connection, no DONE needed
            raise
        finally:
            for t in (push, wake):
                t.cancel()
        if client.has_pending_idle():
            client.idle_done()
        await asyncio.wait_for(idle, self.settings.email_timeout)
        # drop pushes that came in meanwhile: the sweep that follows reads the mailbox anyway
        while not client.protocol.idle_queue.empty():
            client.protocol.idle_queue.get_nowait()

    async def _mark_answered(self, client: Any) -> None:
        while self._answered:
            uid = self._answered[0]
            resp = await client.uid("store", uid, "+FLAGS.SILENT", r"(\Seen)")
            if resp.result != "OK":
                raise RuntimeError("IMAP store refused")
            self._answered.pop(0)
            self._inflight.discard(uid)

    async def _sweep(self, client: Any) -> None:
        if not client.has_pending_idle():
            await client.noop()  # servers (dovecot) look for new mail on NOOP, not on SEARCH
        resp = await client.uid_search("UNSEEN")
        if resp.result != "OK":
            raise RuntimeError("IMAP search refused")
        uids = [u.decode() for line in resp.lines[:1] for u in bytes(line).split() if u.isdigit()]
        self.last_poll = time.time()
        now = time.monotonic()
        for uid in uids:
            if uid in self._inflight or self._retry_at.get(uid, 0) > now:
                continue
            if len(self._inflight) >= CONCURRENCY * 4:
                break  # the rest next turn, when answers have gone out
            raw, too_big = await self._fetch(client, uid)
            if raw is None:
                continue  # expunged meanwhile
            self._inflight.add(uid)
            self._retry_at.pop(uid, None)
            self._spawn(self._answer_uid(uid, raw, too_big))

    async def _fetch(self, client: Any, uid: str) -> tuple[bytes | None, bool]:
        resp = await client.uid("fetch", uid, "(RFC822.SIZE)")
        size_m = re.search(rb"RFC822\.SIZE (\d+)", b" ".join(bytes(x) for x in resp.lines))
        if resp.result != "OK" or size_m is None:
            return None, False
        too_big = int(size_m.group(1)) > self.settings.email_max_bytes
        part = "BODY.PEEK[HEADER]" if too_big else "BODY.PEEK[]"
        resp = await client.uid("fetch", uid, f"({part})")
        if resp.result != "OK":
            return None, False
        literals = [bytes(x) for x in resp.lines if isinstance(x, bytearray)]
        if not literals:
            return None, False
        return literals[0], too_big

    async def _answer_uid(self, uid: str, raw: bytes, too_big: bool) -> None:
        try:
            async with self._sem:
                await self.process(raw, headers_only=too_big)
        except asyncio.CancelledError:
            self._inflight.discard(uid)
            raise
        except Exception as exc:
            self.stats.failed += 1
            metrics.ERRORS.labels("email_answer").inc()
            log.error("email not answered; kept unseen for a retry",
                      extra={"channel": CHANNEL, "error": type(exc).__name__})
            self._inflight.discard(uid)
            self._retry_at[uid] = time.monotonic() + self.settings.email_poll_seconds * 2
        else:
            self._answered.append(uid)  # \Seen only now: at-least-once
        self._wake.set()

    # -- one mail
    def _marker(self, mail: Mail, raw: bytes) -> str:
        ident = mail.message_id or hashlib.sha256(raw).hexdigest()
        return f"{keys.PREFIX}:email:mail:{self.gateway.pid('email-message', ident)}"

    async def process(self, raw: bytes, *, headers_only: bool = False) -> str:
        """Answer one mail (or decide it gets no answer). Returns what happened."""
        self.stats.received += 1
        mail = parse_mail(raw, self.address, self.settings.max_message_chars * 4, headers_only=headers_only)
        if mail.skip:
            self.stats.skipped += 1
            metrics.MESSAGES.labels(CHANNEL, "skipped").inc()
            log.info("email not answered", extra={"channel": CHANNEL, "reason": mail.skip})
            return mail.skip
        marker = self._marker(mail, raw)
        try:
            if not await self.redis.set(marker, "taken", nx=True, ex=TAKEN_TTL):
                if await self.redis.get(marker) == b"done":
                    return "duplicate"
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
            over = await self.limiter.hit(self.sender_limit, pid)
        except (RedisError, OSError):
            over = False  # cannot count: answer (a reply too many beats a danger unanswered)
        try:
            await self._answer(mail, route, pid, collected, deliver, over_limit=over)
        except BaseException:
            if marker:  # free the mail for the retry
                try:
                    await self.redis.delete(marker)
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
                      deliver: Any, *, over_limit: bool = False) -> None:
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
                                  report_form=values)
            elif mail.text:
                typed = mail_report_form.scrub(mail.text, mail.sender)
                payload = await self._button_payload(pid, typed)
                inbound = Inbound(channel=CHANNEL, chat_id=mail.sender, text=None if payload else typed,
                                  payload=payload, route=route)
            else:
                inbound = Inbound(channel=CHANNEL, chat_id=mail.sender, kind="document" if mail.attachments
                                  else "text", text="", route=route)
            outcome = await self.gateway.handle(inbound, deliver)
            level, state = outcome.screening.level, outcome.state.value
        finally:
            if collected and over_limit and level.rank < Level.HIGH.rank and not _urgent(collected) \
                    and not _form_answer(collected):
                # Over the sender's limit: taken (screened, in the transcript, an operator
                # sees it), but not answered by mail; danger, and a report's case code (or
                # what it still lacks), are always answered.
                log.info("email answer withheld: sender over its limit", extra={"channel": CHANNEL, "conv": pid})
                collected.clear()
            if collected:  # even after a failure: the 112 text went into ``collected`` first
                voice = await self._voice(pid)
                offer = state == "bot" and form is None and self._reports_on() and not _form_answer(collected)
                body = render(collected, voice, attachments=bool(mail.attachments and mail.text),
                              public_url=self.settings.public_url,
                              form=mail_report_form.offer(voice) if offer else "")
                await self.send(compose(route, body, self.address, voice, automatic=True))

    def _reports_on(self) -> bool:
        desk = getattr(self.gateway, "reports", None)
        return desk is not None and getattr(desk, "reports", None) is not None

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

    def health(self) -> tuple[bool, str, float]:
        """(ok, detail, seconds since the last successful read) for /healthz and /metrics."""
        age = time.time() - self.last_poll if self.last_poll else -1.0
        wait = self.settings.email_idle_seconds if self.idle else self.settings.email_poll_seconds
        stale_after = wait + 2 * self.settings.email_timeout + 10
        if not self.connected.is_set():
            return False, "IMAP not connected" + (f"; last read {age:.0f} s ago" if age >= 0 else ""), age
        if age < 0 or age > stale_after:
            return False, f"connected, but no successful read for {age:.0f} s (expected within {stale_after:.0f} s)", age
        return True, f"connected ({'IDLE' if self.idle else 'polling'}); last read {age:.0f} s ago", age

    async def _send_with_retries(self, msg: EmailMessage, pid: str) -> None:
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await self.send(msg)
                return
            except Exception as exc:
                metrics.ERRORS.labels("email_send").inc()
                log.error("email reply not sent", extra={"channel": CHANNEL, "conv": pid, "attempt": attempt,
                                                         "error": type(exc).__name__})
                await asyncio.sleep(min(2 ** attempt, 60))
        log.error("email reply given up", extra={"channel": CHANNEL, "conv": pid})
