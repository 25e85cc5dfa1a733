"""The e-mail channel against real servers: dovecot (IMAP, IDLE) holds the mailbox, an
aiosmtpd relay takes the answers and delivers them into that same mailbox (so they are
read back over IMAP, and the channel must not answer its own mails).

Rasa is pointed at a closed port: a mail that reaches the bot path gets the "bot
unavailable" answer with the numbers, which proves the whole path.
"""
from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from redis.asyncio import Redis

from bot import logs, texts
from bot.appkeys import EMAIL, GATEWAY, HANDOFF, MAIL_OUTBOX
from bot.handoff import data
from bot.handoff.operators import Operator
from bot.mail_reading import parse_mail, strip_reply
from tests.conftest import free_port, redis_bytes
from tests.email_servers import Dovecot, SmtpRelay

OURS = "segitseg@hotline.test"
DANGER = "meg akarok halni ma éjjel, megvannak a gyógyszerek"
WHERE = "Jó napot! Hova fordulhatok, ha a volt férjem nem fizeti a gyerektartást?"  # no danger: with the bot


def closed_rasa() -> str:
    return f"http://127.0.0.1:{free_port()}"


def make_mail(sender: str, body: str, subject: str = "Kérdés", *, headers: dict[str, str] | None = None,
              html: str | None = None, attachment: bytes | None = None, in_reply_to: str = "") -> EmailMessage:
    m = EmailMessage()
    m["From"] = f"Teszt Elek <{sender}>"
    m["To"] = OURS
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="example.org")
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    for k, v in (headers or {}).items():
        m[k] = v
    if body or html is None:
        m.set_content(body)
    if html is not None:
        if body:
            m.add_alternative(html, subtype="html")
        else:
            m.set_content(html, subtype="html")
    if attachment is not None:
        m.add_attachment(attachment, maintype="application", subtype="pdf", filename="level.pdf")
    return m


async def imap_search(dovecot: Dovecot, *criteria: str) -> list[str]:
    import aioimaplib

    client = aioimaplib.IMAP4("127.0.0.1", dovecot.port, timeout=5)
    await client.wait_hello_from_server()
    await client.login(dovecot.USER, dovecot.PASSWORD)
    await client.select("INBOX")
    resp = await client.uid_search(*criteria)
    await client.logout()
    return [u.decode() for u in bytes(resp.lines[0]).split() if u.isdigit()]


async def until(check: Any, timeout: float = 15, what: str = "condition") -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# -- fixtures ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
async def relay(dovecot: Dovecot) -> AsyncIterator[SmtpRelay]:
    dovecot.empty()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's: the test server, not ours
    r = SmtpRelay(dovecot)
    r.start()
    yield r
    r.stop()


@pytest.fixture
async def mail_gw(gateway_factory: Any, dovecot: Dovecot, relay: SmtpRelay) -> Any:
    async def start(**env: Any) -> Any:
        env.setdefault("RASA_URL", closed_rasa())
        env.setdefault("EMAIL_IMAP_URL", dovecot.url)
        env.setdefault("EMAIL_SMTP_URL", relay.url)
        env.setdefault("EMAIL_ADDRESS", OURS)
        env.setdefault("EMAIL_POLL_SECONDS", "0.3")
        gw = await gateway_factory(**env)
        await asyncio.wait_for(gw.app[EMAIL].inbox.connected.wait(), 15)
        return gw

    return start


def body(mail: EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


# -- reading a mail (no server needed) ----------------------------------------------------
def test_quotes_attributions_and_signature_are_stripped() -> None:
    gmail_en = ("Thank you, but where do I go now?\n\nOn Mon, 3 Mar 2025 at 10:12, Segítség chat <\n"
                "segitseg@hotline.test> wrote:\n> Earlier answer\n> more")
    assert strip_reply(gmail_en) == "Thank you, but where do I go now?"
    gmail_hu = ("Köszönöm. Most mit tegyek?\n\nSegítség chat <segitseg@hotline.test> ezt írta "
                "(időpont: 2025. márc. 3., H, 10:12):\n\n> Korábbi válasz")
    assert strip_reply(gmail_hu) == "Köszönöm. Most mit tegyek?"
    outlook = "Igen.\n\n-----Original Message-----\nFrom: x\nSent: y\n\nold text"
    assert strip_reply(outlook) == "Igen."
    signed = "Segítsenek kérem.\n> idézet\nMég egy sor.\n-- \nKiss Anna\n+36 30 123 4567"
    assert strip_reply(signed) == "Segítsenek kérem.\nMég egy sor."
    # the person's own sentence with "írta:" and no quote after it stays
    own = "Anyám azt írta:\nne gyere haza"
    assert strip_reply(own) == own


def test_loops_are_recognised() -> None:
    def skip(**headers: str) -> str:
        sender = headers.pop("sender", "valaki@example.org")
        return parse_mail(bytes(make_mail(sender, "szia", headers=headers)), OURS, 4096).skip

    assert skip() == ""
    assert skip(**{"Auto-Submitted": "no"}) == ""
    assert skip(**{"Auto-Submitted": "auto-replied"}) == "auto_submitted"
    assert skip(Precedence="bulk") == "bulk" and skip(Precedence="auto_reply") == "bulk"
    assert skip(**{"X-Autoreply": "yes"}) == "auto_or_list"
    assert skip(**{"List-Id": "<list.example.org>"}) == "auto_or_list"
    assert skip(sender=OURS.upper()) == "own_address"
    assert skip(sender="MAILER-DAEMON@example.org") == "bounce"


def test_html_only_mail_is_read_as_text_without_its_quote() -> None:
    html = ("<html><head><style>p{color:red}</style></head><body><p>Hova fordulhatok?</p>"
            "<div>A&nbsp;lányom&nbsp;nem mer hazamenni.<br>Segítsenek.</div>"
            "<div class=\"gmail_quote\"><div>régi levél</div><blockquote>régi</blockquote></div></body></html>")
    mail = parse_mail(bytes(make_mail("a@example.org", "", html=html)), OURS, 4096)
    assert mail.text == "Hova fordulhatok?\n\nA lányom nem mer hazamenni.\nSegítsenek."
    assert mail.attachments == 0


# -- against dovecot and the SMTP relay -----------------------------------------------------
async def test_where_to_turn_is_answered_in_the_same_thread(mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay) -> None:
    gw = await mail_gw()
    sender = "anya.teszt@example.org"
    first = make_mail(sender, WHERE + "\n\nÜdvözlettel:\nAnna\n-- \nTeszt Anna\n+36 30 999 8877", subject="Kérdés")
    dovecot.deliver(bytes(first))
    [answer] = await relay.wait_for(sender)
    assert answer["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in answer["References"]
    assert answer["Subject"] == "Re: Kérdés"
    assert answer["Auto-Submitted"] == "auto-replied"
    assert OURS in answer["From"]
    text = body(answer)
    assert texts.text("mail_bot_unavailable", "hu_formal").splitlines()[0] in text  # "Jó napot": Ön, as a mail
    assert "112" in text and "116 111" in text
    # the button became what the person can write instead, and writing it counts
    assert "- " + texts.text("talk_to_person_button", "hu") in text
    gateway = gw.app[GATEWAY]
    pid = gateway.pid("email", sender)
    person = [e.text for e in await gateway.store.read(pid, staff=True) if e.sender == "person"]
    assert person == [WHERE + "\n\nÜdvözlettel:\nAnna"]  # no signature, no phone number
    # the mail is \Seen only now, and the answer (our own) is readable over IMAP, unanswered
    await until(lambda: _no_unseen(dovecot), what="all mails seen")
    assert await imap_search(dovecot, "HEADER", "In-Reply-To", first["Message-ID"])
    # the reply "Beszélnék egy munkatárssal" in the thread = the button: to the operator queue
    second = make_mail(sender, "Beszélnék egy munkatárssal\n\n" + f"On Mon, 3 Mar 2025, <{OURS}> wrote:\n> "
                       + text.replace("\n", "\n> "), subject="Re: Kérdés", in_reply_to=answer["Message-ID"])
    dovecot.deliver(bytes(second))
    answers = await relay.wait_for(sender, 2)
    assert answers[1]["In-Reply-To"] == second["Message-ID"]
    assert answers[1]["Subject"] == "Re: Kérdés"
    assert (await gateway.store.load(pid)).state.value == "queued"
    assert len(relay.to(sender)) == 2  # one answer per mail


async def _no_unseen(dovecot: Dovecot) -> bool:
    return not await imap_search(dovecot, "UNSEEN")


async def test_immediate_danger_gets_112_first_and_tops_the_queue(mail_gw: Any, dovecot: Dovecot,
                                                                    relay: SmtpRelay, http: Any) -> None:
    gw = await mail_gw()
    # someone already waits (asked for a person, no danger)
    async with http.post(f"{gw.url}/api/chat", json={"session": "sess-mail-waiting-01", "text": "/operator"}) as r:
        assert (await r.json())["state"] == "queued"
    sender = "lany.teszt@example.org"
    mail = make_mail(sender, DANGER + "\n\n2025. márc. 3. 10:12 időpontban <x@y.hu> ezt írta:\n> régi",
                     subject="segítség")
    dovecot.deliver(bytes(mail))
    [answer] = await relay.wait_for(sender)
    text = body(answer)
    assert text.startswith(texts.text("emergency", "hu").splitlines()[0]), text[:200]
    assert text.index("112") < 120
    assert answer["In-Reply-To"] == mail["Message-ID"]
    waiting = await gw.app[HANDOFF].queue.waiting()
    pid = gw.app[GATEWAY].pid("email", sender)
    assert waiting[0].pid == pid and waiting[0].priority == "immediate" and waiting[0].channel == "email"
    assert len(waiting) == 2


async def test_operator_reply_arrives_as_a_mail_in_the_thread(mail_gw: Any, dovecot: Dovecot,
                                                                relay: SmtpRelay) -> None:
    gw = await mail_gw()
    sender = "kerdezo.teszt@example.org"
    mail = make_mail(sender, DANGER, subject="")
    dovecot.deliver(bytes(mail))
    await relay.wait_for(sender)
    pid = gw.app[GATEWAY].pid("email", sender)
    handoff = gw.app[HANDOFF]
    op = Operator("anna")
    await handoff.claim(pid, op)
    await handoff.send(pid, op, "Szia, Anna vagyok, itt vagyok veled. Biztonságban vagy most?")
    answers = await relay.wait_for(sender, 3)
    joined, said = answers[1], answers[2]
    assert data.text("operator_joined", "hu") in body(joined)
    assert "Anna vagyok, itt vagyok veled" in body(said)
    for m in (joined, said):
        assert m["In-Reply-To"] == mail["Message-ID"]
        assert m["Subject"] == "Re: " + "Segítség chat"
        assert m["Auto-Submitted"] is None  # a person wrote it
    # the person answers in the thread: the operator reads it, the bot stays silent
    # (an ordinary answer: since session 6 the screen makes "Igen, bezárkóztam a szobámba" - a child
    # hiding - immediate, which rightly sends the emergency numbers again)
    dovecot.deliver(bytes(make_mail(sender, "Igen, itt vagyok a szobámban.", subject="Re: Segítség chat",
                                    in_reply_to=said["Message-ID"])))
    await until(lambda: _person_lines(gw, pid, 2), what="the person's second mail in the transcript")
    await asyncio.sleep(0.5)
    assert len(relay.to(sender)) == 3


async def _person_lines(gw: Any, pid: str, n: int) -> bool:
    entries = await gw.app[GATEWAY].store.read(pid, staff=True)
    return len([e for e in entries if e.sender == "person"]) >= n


async def test_auto_replies_bulk_and_our_own_mail_get_no_answer(mail_gw: Any, dovecot: Dovecot,
                                                                 relay: SmtpRelay) -> None:
    gw = await mail_gw()
    auto = "szabadsag.teszt@example.org"
    dovecot.deliver(bytes(make_mail(auto, "Szabadságon vagyok március 10-ig.", subject="Re: Kérdés",
                                    headers={"Auto-Submitted": "auto-replied"})))
    dovecot.deliver(bytes(make_mail(auto, "Hírlevél", headers={"Precedence": "bulk"})))
    dovecot.deliver(bytes(make_mail(auto, "lista", headers={"List-Id": "<lista.example.org>"})))
    dovecot.deliver(bytes(make_mail(OURS, "saját levelünk")))
    control = "kontroll.teszt@example.org"
    dovecot.deliver(bytes(make_mail(control, "szia, hova fordulhatok?")))
    await relay.wait_for(control)
    await until(lambda: _no_unseen(dovecot), what="all mails seen")
    await asyncio.sleep(0.5)
    assert [str(m["To"]) for m in relay.received] == [control]
    assert gw.app[EMAIL].stats.skipped >= 5  # the four above and our own answer, read back


async def test_attachments_are_refused_kindly_and_never_stored(mail_gw: Any, dovecot: Dovecot,
                                                                relay: SmtpRelay, redis: Redis) -> None:
    await mail_gw()
    sender = "csatolmany.teszt@example.org"
    secret = b"%PDF-1.4 ATTACHMENT-CONTENT-MARKER-4711"
    dovecot.deliver(bytes(make_mail(sender, "Elküldöm a levelet, amit kaptam.", attachment=secret)))
    [answer] = await relay.wait_for(sender)
    assert "csak a levél szövegét" in body(answer)
    only = "csakcsatolmany.teszt@example.org"
    dovecot.deliver(bytes(make_mail(only, "", subject="", attachment=secret)))
    [answer2] = await relay.wait_for(only)
    assert texts.text("non_text", "hu").splitlines()[0] in body(answer2)
    assert b"ATTACHMENT-CONTENT-MARKER" not in await redis_bytes(redis)


async def test_answer_waits_for_smtp_and_the_mail_stays_unseen_until_then(
        gateway_factory: Any, dovecot: Dovecot) -> None:
    dovecot.empty()
    relay = SmtpRelay(dovecot)  # not started: its port is closed
    gw = await gateway_factory(RASA_URL=closed_rasa(), EMAIL_IMAP_URL=dovecot.url, EMAIL_SMTP_URL=relay.url,
                               EMAIL_ADDRESS=OURS, EMAIL_POLL_SECONDS="0.3", EMAIL_TIMEOUT="2")
    await asyncio.wait_for(gw.app[EMAIL].inbox.connected.wait(), 15)
    sender = "turelmes.teszt@example.org"
    dovecot.deliver(bytes(make_mail(sender, DANGER)))
    await until(lambda: _failed(gw), what="a failed send")
    assert await imap_search(dovecot, "UNSEEN")  # not marked: it will be answered
    relay.start()
    try:
        [answer] = await relay.wait_for(sender, timeout=20)
        assert "112" in body(answer)
        await until(lambda: _no_unseen(dovecot), what="all mails seen")
    finally:
        relay.stop()


async def _failed(gw: Any) -> bool:
    return gw.app[EMAIL].stats.failed > 0


async def test_polling_when_idle_is_off(mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay) -> None:
    await mail_gw(EMAIL_DISABLE_IDLE="1")
    sender = "polling.teszt@example.org"
    dovecot.deliver(bytes(make_mail(sender, "szia, hova fordulhatok?")))
    [answer] = await relay.wait_for(sender)
    assert "116 111" in body(answer)




async def test_no_address_in_redis_or_in_the_logs(mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay,
                                                  redis: Redis) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buf = io.StringIO()
    logs.setup("DEBUG")  # the production configuration, at its most talkative level
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)  # what logs.setup installs
    handler.setStream(buf)
    sender = "rejtett.cim.teszt@example.org"
    try:
        gw = await mail_gw()
        dovecot.deliver(bytes(make_mail(sender, DANGER, subject="Titkos tárgy")))
        await relay.wait_for(sender)
        pid = gw.app[GATEWAY].pid("email", sender)
        op = Operator("bea")
        await gw.app[HANDOFF].claim(pid, op)
        await gw.app[HANDOFF].send(pid, op, "Itt vagyok, írj nyugodtan.")
        await relay.wait_for(sender, 3)
        dovecot.deliver(bytes(make_mail(sender, "Köszönöm, most jobb.", subject="Re: Titkos tárgy")))
        await until(lambda: _person_lines(gw, pid, 2), what="the second mail")
        await until(lambda: _no_unseen(dovecot), what="all mails seen")
    finally:
        out = buf.getvalue()
        root.handlers[:], root.level = saved
        logging.getLogger().setLevel(saved[1])
    assert "email mailbox open" in out and "message handled" in out  # the logs did run
    blob = await redis_bytes(redis)
    for needle in (sender, "rejtett.cim.teszt", "Titkos", "halni", "gyógyszerek", "jobb"):
        assert needle.encode() not in blob, needle
        assert needle not in out, needle


async def test_the_same_mail_twice_is_answered_once_and_a_huge_mail_is_not_downloaded(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay) -> None:
    gw = await mail_gw(EMAIL_MAX_BYTES="20000")
    sender = "ketszer.teszt@example.org"
    twice = bytes(make_mail(sender, "szia, hova fordulhatok?"))
    dovecot.deliver(twice)
    dovecot.deliver(twice)  # a redelivery (same Message-ID)
    await relay.wait_for(sender)
    await until(lambda: _no_unseen(dovecot), what="all mails seen")
    await asyncio.sleep(0.3)
    assert len(relay.to(sender)) == 1
    big = "nagy.teszt@example.org"
    dovecot.deliver(bytes(make_mail(big, "Itt a fénykép.", attachment=b"x" * 100_000)))
    [answer] = await relay.wait_for(big)
    assert texts.text("non_text", "hu").splitlines()[0] in body(answer)
    pid = gw.app[GATEWAY].pid("email", big)
    assert [e.text for e in await gw.app[GATEWAY].store.read(pid, staff=True) if e.sender == "person"] == ["[document]"]


async def test_an_operator_mail_waits_out_an_smtp_outage_and_a_restart(
        gateway_factory: Any, dovecot: Dovecot, relay: SmtpRelay, redis: Redis) -> None:
    env = dict(RASA_URL=closed_rasa(), EMAIL_IMAP_URL=dovecot.url, EMAIL_SMTP_URL=relay.url, EMAIL_ADDRESS=OURS,
               EMAIL_POLL_SECONDS="0.3", EMAIL_TIMEOUT="2", MAIL_RETRY_SECONDS="0.2", MAIL_RETRY_MAX_SECONDS="0.4")
    gw = await gateway_factory(**env)
    await asyncio.wait_for(gw.app[EMAIL].inbox.connected.wait(), 15)
    sender = "kitarto.teszt@example.org"
    mail = make_mail(sender, DANGER)
    dovecot.deliver(bytes(mail))
    await relay.wait_for(sender)
    relay.stop()  # SMTP goes down
    pid = gw.app[GATEWAY].pid("email", sender)
    op = Operator("cili")
    await gw.app[HANDOFF].claim(pid, op)
    await gw.app[HANDOFF].send(pid, op, "Itt vagyok, Cili vagyok. Írj, ha tudsz.")
    outbox = gw.app[MAIL_OUTBOX]
    await until(lambda: _outbox_failed(redis), what="a failed attempt kept in the outbox")
    assert (await outbox.status())["kinds"]["reply"]["backlog"] == 2  # "joined" and the message
    blob = await redis_bytes(redis)
    assert sender.encode() not in blob and b"Cili vagyok" not in blob  # sealed
    await asyncio.wait_for(gw.runner.cleanup(), 30)  # this gateway is gone; the mails are not
    relay.start()
    await gateway_factory(**env)
    answers = await relay.wait_for(sender, 3)
    said = [m for m in answers if "Cili vagyok" in body(m)]
    assert len(said) == 1 and said[0]["In-Reply-To"] == mail["Message-ID"]
    await until(lambda: _outbox_empty(redis), what="the outbox emptied")


async def _outbox_failed(redis: Redis) -> bool:
    states = [await redis.hget(k, "state") for k in await redis.keys("chv:mail:item:*")]
    return b"failed" in states


async def _outbox_empty(redis: Redis) -> bool:
    return not await redis.zcard("chv:mail:due")


async def test_erasing_the_conversation_drops_its_waiting_mails(mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay,
                                                                 redis: Redis) -> None:
    gw = await mail_gw(EMAIL_TIMEOUT="2", MAIL_RETRY_SECONDS="0.2", MAIL_RETRY_MAX_SECONDS="0.4")
    sender = "torlo.teszt@example.org"
    dovecot.deliver(bytes(make_mail(sender, DANGER)))
    await relay.wait_for(sender)
    relay.stop()
    pid = gw.app[GATEWAY].pid("email", sender)
    op = Operator("dora")
    await gw.app[HANDOFF].claim(pid, op)
    await gw.app[HANDOFF].send(pid, op, "Dóra vagyok.")
    await until(lambda: _outbox_failed(redis), what="a failed attempt")
    conv = await gw.app[GATEWAY].store.load(pid)
    await gw.app[GATEWAY].erase(conv)
    assert await _outbox_empty(redis) and not await redis.keys("chv:mail:item:*")
    relay.start()
    await asyncio.sleep(1.0)
    assert len(relay.to(sender)) == 1  # only the first answer, sent before the erase


async def test_mailbox_health_and_metrics(mail_gw: Any, gateway_factory: Any, relay: SmtpRelay, http: Any) -> None:
    gw = await mail_gw()
    await until(lambda: _polled(gw), what="a first read of the mailbox")
    async with http.get(f"{gw.url}/healthz") as resp:
        health = await resp.json()
    assert health["checks"]["email_mailbox"]["ok"] is True, health
    assert "connected (IDLE)" in health["checks"]["email_mailbox"]["detail"]
    assert health["checks"]["mail_outbox"] == {"ok": True, "detail": "backlog 0, oldest 0.0 s"}
    assert "email_mailbox" not in health["warnings"]
    async with http.get(f"{gw.url}/metrics") as resp:
        text = await resp.text()
    assert "gyermekvedo_email_mailbox_connected 1.0" in text
    age = float(re.search(r"^gyermekvedo_email_mailbox_last_poll_age_seconds (\S+)$", text, re.M).group(1))
    assert 0 <= age < 10
    assert 'gyermekvedo_mail_outbox_backlog{kind="reply"} 0.0' in text
    # A mailbox that cannot be reached: a warning with the reason, never a failure of the
    # whole service (the web chat and Telegram stay in the load balancer).
    down = await gateway_factory(RASA_URL=closed_rasa(), EMAIL_SMTP_URL=relay.url, EMAIL_ADDRESS=OURS,
                                 EMAIL_IMAP_URL=f"imap://u:p@127.0.0.1:{free_port()}/INBOX")
    async with http.get(f"{down.url}/healthz") as resp:
        health = await resp.json()
    assert health["checks"]["email_mailbox"] == {"ok": False, "detail": "IMAP not connected"}
    assert "email_mailbox" in health["warnings"] and "email_mailbox" not in health["failed"]
    async with http.get(f"{down.url}/metrics") as resp:
        text = await resp.text()
    assert "gyermekvedo_email_mailbox_connected 0.0" in text
    assert "gyermekvedo_email_mailbox_last_poll_age_seconds -1.0" in text


async def _polled(gw: Any) -> bool:
    return gw.app[EMAIL].inbox.last_poll > 0


async def test_a_sender_over_its_limit_is_read_but_answered_only_for_danger(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay) -> None:
    gw = await mail_gw(EMAIL_ANSWERS_PER_SENDER="2")
    sender = "sokat.ir.teszt@example.org"
    for i in range(3):
        dovecot.deliver(bytes(make_mail(sender, f"szia, hova fordulhatok? ({i})")))
        await relay.wait_for(sender, min(i + 1, 2))
    pid = gw.app[GATEWAY].pid("email", sender)
    await until(lambda: _person_lines(gw, pid, 3), what="the third mail in the transcript")
    await until(lambda: _no_unseen(dovecot), what="all mails seen")
    await asyncio.sleep(0.5)
    assert len(relay.to(sender)) == 2  # the third is read (the operator sees it), not answered
    other = "masvalaki.teszt@example.org"
    dovecot.deliver(bytes(make_mail(other, "szia, hova fordulhatok?")))
    await relay.wait_for(other)  # others are not limited by it
    dovecot.deliver(bytes(make_mail(sender, DANGER)))
    answers = await relay.wait_for(sender, 3)  # danger is always answered, 112 first
    assert body(answers[2]).startswith(texts.text("emergency", "hu").splitlines()[0])


async def test_a_retried_operator_mail_is_not_overtaken_by_a_later_one(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay) -> None:
    """Issue 16: one conversation's mails arrive in the order written, even when the first
    needs retries; another conversation's mails are not held up meanwhile."""
    gw = await mail_gw(EMAIL_TIMEOUT="2", MAIL_RETRY_SECONDS="0.4", MAIL_RETRY_MAX_SECONDS="0.4")
    sender, other = "sorrend.teszt@example.org", "masvalaki.teszt@example.net"
    for address in (sender, other):
        dovecot.deliver(bytes(make_mail(address, DANGER)))
        await relay.wait_for(address)
    refused: list[str] = []

    def refuse(mail: EmailMessage) -> bool:  # the first operator message fails twice, then goes
        if "ELSO-UZENET" in body(mail) and len(refused) < 2:
            refused.append(str(mail["To"]))
            return True
        return False

    relay.refuse = refuse
    handoff, op = gw.app[HANDOFF], Operator("erika")
    pid, pid_other = (gw.app[GATEWAY].pid("email", a) for a in (sender, other))
    await handoff.claim(pid, op)
    await handoff.send(pid, op, "ELSO-UZENET: itt vagyok.")
    await handoff.send(pid, op, "MASODIK-UZENET: írj, ha tudsz.")
    await until(lambda: _refused(refused, 1), what="the first message refused once")
    await handoff.claim(pid_other, op)
    await handoff.send(pid_other, op, "MASIK-BESZELGETES: szia.")
    mails = await relay.wait_for(sender, 4)  # the bot's answer, "joined", then the two messages
    assert len(refused) == 2, [body(m)[:60] for m in mails]
    said = [m for m in (body(x) for x in mails) if "-UZENET" in m]
    assert [s.split(":")[0] for s in said] == ["ELSO-UZENET", "MASODIK-UZENET"], said
    # the other conversation went on while the first message was retried
    order = [body(m) for m in relay.received]
    first = next(i for i, t in enumerate(order) if "ELSO-UZENET" in t)
    assert any("MASIK-BESZELGETES" in t for t in order[:first]), "another conversation was held up"


async def _refused(refused: list[str], n: int) -> bool:
    return len(refused) >= n


async def test_a_mail_writer_hears_once_that_a_person_will_answer_and_gets_no_position_mails(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay, http: Any) -> None:
    """Issue 16: "you are 2nd in the queue" and "your place moved" suit a chat, not a mailbox."""
    gw = await mail_gw()
    handoff = gw.app[HANDOFF]
    await handoff.presence.heartbeat("gizi")  # an operator is online: places are told in the chat
    handoff.presence.forget()
    op = Operator("gizi")

    async def web(session: str) -> Any:
        async with http.post(f"{gw.url}/api/chat", json={"session": session, "text": "/operator"}) as r:
            return await r.json()

    # The web chat, for comparison: behind someone, it is told its place, and told when it moves.
    await web("sess-mail-pos-ahead-1")
    behind = await web("sess-mail-pos-behind")
    assert data.text("queued", "hu", position=2) in behind["replies"][-1]["text"]
    await handoff.claim(gw.app[GATEWAY].pid("web", "sess-mail-pos-ahead-1"), op)
    await until(lambda: _web_told(http, gw.url, "sess-mail-pos-behind", behind["cursor"]),
                what="the web chat's position update")
    # The mail writer, behind someone too: one answer, no place, no later position mail.
    await web("sess-mail-pos-ahead-2")
    sender = "sorban.var.teszt@example.org"
    dovecot.deliver(bytes(make_mail(sender, "/operator", subject="Beszélnék valakivel")))
    [answer] = await relay.wait_for(sender)
    text = body(answer)
    assert data.text("mail_queued", "hu").splitlines()[0] in text
    assert "116 111" in text and "112" in text
    assert data.text("queued", "hu", position=2) not in text and "helyed" not in text
    pid = gw.app[GATEWAY].pid("email", sender)
    assert [w.position for w in await handoff.queue.waiting() if w.pid == pid] == [3]
    await handoff.claim(gw.app[GATEWAY].pid("web", "sess-mail-pos-ahead-2"), op)
    await handoff.update_positions()
    await handoff.claim(gw.app[GATEWAY].pid("web", "sess-mail-pos-behind"), op)
    await handoff.update_positions()  # now first: a chat would hear "you're next"
    assert [w.position for w in await handoff.queue.waiting() if w.pid == pid] == [1]
    await asyncio.sleep(1.0)
    assert len(relay.to(sender)) == 1
    said = [e.text for e in await gw.app[GATEWAY].store.read(pid, staff=True) if e.sender != "person"]
    assert not [t for t in said if data.text("position_update_first", "hu") in t]


async def _web_told(http: Any, url: str, session: str, cursor: int) -> bool:
    async with http.get(f"{url}/api/chat/{session}/messages", params={"after": cursor}) as r:
        got = await r.json()
    return any(data.text("position_update_first", "hu") in m["text"] for m in got.get("messages", []))


async def test_a_mail_whose_answer_failed_is_retried_as_the_same_mail(mail_gw: Any, dovecot: Dovecot,
                                                                      relay: SmtpRelay) -> None:
    """SMTP refusing the answer kept the mail unseen (right), but every poll handled it anew:
    the operator saw the mother's mail once per poll (34 copies in a minute), Rasa was asked
    again, and each try counted against the sender's limit, so once SMTP was back the answer
    was withheld as over the limit and she never heard from us. Now a retry is the same mail:
    recorded once, counted once, answered with its first answer."""
    gw = await mail_gw(EMAIL_ANSWERS_PER_SENDER="2", EMAIL_TIMEOUT="2")
    sender = "anyuka.teszt@example.net"
    refused: list[int] = []

    def refuse(mail: EmailMessage) -> bool:
        if sender in str(mail["To"]) and len(refused) < 4:
            refused.append(1)
            return True
        return False

    relay.refuse = refuse
    dovecot.deliver(bytes(make_mail(sender, "Jó napot! Nem tudok telefonálni. Hova fordulhatok a fiam miatt?")))
    mails = await relay.wait_for(sender, 1, timeout=30)
    assert len(refused) == 4
    assert "chatbotunk most nem tud válaszolni" in body(mails[0])  # Rasa is down here
    await asyncio.sleep(1.0)
    assert len(relay.to(sender)) == 1  # answered once
    g = gw.app[GATEWAY]
    entries = await g.store.read(g.pid("email", sender), 0, staff=True)
    assert sum("Hova fordulhatok a fiam" in e.text for e in entries) == 1, [e.text[:40] for e in entries]


async def test_a_mail_answer_speaks_of_the_mail_not_of_the_chat_or_a_button(mail_gw: Any, dovecot: Dovecot,
                                                                              relay: SmtpRelay) -> None:
    """A mother who cannot phone was told by mail that "a colleague will write to you here,
    in this chat", and with the bot down to "press the button": a mail has neither."""
    await mail_gw()
    sender = "nem.telefonal@example.net"
    dovecot.deliver(bytes(make_mail(sender, "Jó napot! Nem tudok telefonálni, mert a férjem figyel. "
                                            "A fiamat rendszeresen megveri.")))
    text = body((await relay.wait_for(sender))[0])
    for chat_words in ("chatbe", "nyomja meg a gombot", "nyomd meg a gombot"):
        assert chat_words not in text, text
    assert "ebben a levélváltásban" in text and "112" in text


async def test_a_mail_returned_to_the_bot_says_how_to_reach_a_person_again_by_mail(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay) -> None:
    """An operator returned a mother's mail conversation to the bot: her mail said "the chatbot
    answers you again... write: /munkatars" as in a chat. Now it speaks of the exchange by
    mail, and replying with just that word does bring a person back."""
    gw = await mail_gw()
    sender = "visszaadott.level@example.net"
    dovecot.deliver(bytes(make_mail(sender, "Jó napot kívánok! Kérem, segítsenek, a fiam miatt írok.")))
    await relay.wait_for(sender)
    pid = gw.app[GATEWAY].pid("email", sender)
    handoff = gw.app[HANDOFF]
    dovecot.deliver(bytes(make_mail(sender, "/munkatars", subject="Re: Kérdés")))
    await until(lambda: _state_is(gw, pid, "queued"), what="queued")
    op = Operator("anna")
    await handoff.claim(pid, op)
    await handoff.return_to_bot(pid, op)
    returned = body((await relay.wait_for(sender, 4))[-1])
    assert returned.startswith(texts.text("mail_returned_to_bot", "hu_formal")), returned
    assert "chatbot" not in returned and "levélváltás" in returned
    dovecot.deliver(bytes(make_mail(sender, "/munkatars", subject="Re: Kérdés")))
    await until(lambda: _state_is(gw, pid, "queued"), what="queued again by the word the mail named")


async def _state_is(gw: Any, pid: str, state: str) -> bool:
    return (await gw.app[GATEWAY].store.load(pid)).state.value == state
