"""The anonymous report by e-mail: the answer mail offers a plain-text form;
a reply with the fields filled in makes the same report as the chat form (same store,
same case code, the reporter's own data masked the same way), screened like any message.
Against real servers: dovecot holds the mailbox, an aiosmtpd relay takes the answers."""
from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

from aiohttp import web
from redis.asyncio import Redis

import wording
from bot import keys, mail_report_form, texts
from bot.appkeys import GATEWAY, HANDOFF
from bot.reports import api as reports_api
from tests import test_email_channel as channel
from tests.conftest import free_port, redis_bytes
from tests.email_servers import Dovecot, SmtpRelay
from tests.test_email_channel import OURS, body, make_mail, until
from tests.test_report_flow import CODE as CODE_RE
from tests.test_report_support import FakeRasa

# The channel tests' fixtures: dovecot (this module's own instance), the relay, the gateway.
dovecot, relay, mail_gw = channel.dovecot, channel.relay, channel.mail_gw

NEIGHBOUR = "A szomszéd lányt az osztályban csúfolják és kiközösítik, a tanárok nem tesznek semmit."


def quoted(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


async def report_of(gw: Any, answer: EmailMessage) -> Any:
    code = CODE_RE.search(body(answer))
    assert code, body(answer)
    report = await gw.app[reports_api.DESK].reports.by_code(code.group(0))
    assert report is not None
    return report


# -- reading a form (no server needed) ------------------------------------------------------
def test_forms_edited_badly_are_still_read() -> None:
    labels = mail_report_form.labels("hu")
    typed = (f"{labels['what']}: A szomszéd kisfiút\nbezárják a kamrába.\n{labels['settlement']}: Kecskemét\n"
             f"{labels['child_age']}: kb. 7\n{labels['danger_now']}: nem tudom\n{labels['other']}:\n\nÜdv\n-- \nAnna")
    form = mail_report_form.parse(typed)
    assert form is not None
    assert form.values["what"] == "A szomszéd kisfiút\nbezárják a kamrába."
    assert mail_report_form.normalise(form.values) == (
        {"what": "A szomszéd kisfiút\nbezárják a kamrába.", "settlement": "Kecskemét", "child_age": "kb. 7",
         "danger_now": "unknown", "other": "Üdv"}, [])
    # numbers, bullets, no accents, a dash or a question mark instead of the colon, the answer below
    messy = "1. mi tortent - apja veri\n2) hol?\nBudapest XIII. kerület\n* Eletkor: 10 év\n**Veszélyben?** igen"
    fields, missing = mail_report_form.normalise(mail_report_form.parse(messy).values)
    assert fields == {"what": "apja veri", "settlement": "Budapest XIII. kerület", "child_age": "10 év",
                      "danger_now": "yes"} and missing == []
    english = mail_report_form.parse("What happened: she is left alone for days\nWhere: Debrecen\nAge: 6")
    assert english is not None and english.language == "en"
    assert mail_report_form.normalise(english.values)[1] == ["danger_now"]
    # not a form: an ordinary mail with a colon, or a reply quoting our blank form
    assert mail_report_form.parse("Mi történt? Nem tudom pontosan. Anyám azt írta: ne gyere haza") is None
    blank = mail_report_form.offer("hu")
    assert mail_report_form.parse("Köszönöm a választ.\n\nOn Mon, <x@y.hu> wrote:\n" + quoted(blank)) is None
    # an unclear danger answer is asked again; "don't know" is no answer to "what happened"
    _, missing = mail_report_form.normalise({"what": "nem tudom", "settlement": "Pécs", "child_age": "9",
                                             "danger_now": "a szomszéd szerint"})
    assert missing == ["what", "danger_now"]


# -- against dovecot and the SMTP relay -----------------------------------------------------
async def test_a_report_by_mail_is_the_chat_forms_report_without_the_senders_address(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay, redis: Redis) -> None:
    gw = await mail_gw()
    sender = "bejelento.teszt@example.org"
    dovecot.deliver(bytes(make_mail(sender, "Jó napot! Szeretnék jelezni valamit egy gyerekről.")))
    [answer] = await relay.wait_for(sender)
    offered = body(answer)
    assert wording.text("mail_form_offer", "hu_formal").splitlines()[0] in offered
    for label in mail_report_form.labels("hu_formal").values():
        assert f"\n{label}:" in offered
    # The reply, typed under the quoted questions; the writer's own address and phone in it.
    filled = {"what": NEIGHBOUR, "settlement": "Kecskemét", "child_age": "kb. 8",
              "danger_now": "nem", "other": f"Ha kell, írjanak: {sender}, vagy hívjanak: 06 30 123 4567"}
    labels_now = mail_report_form.labels("hu_formal")
    lines = ["Kitöltöttem.", "", f"On Mon, 3 Mar 2025 at 10:12, Segítség chat <{OURS}> wrote:"]
    for line in offered.splitlines():
        lines.append("> " + line if line else ">")
        for name, value in filled.items():
            if line == labels_now[name] + ":":
                lines.append(value)
    reply = make_mail(sender, "\n".join(lines), subject="Re: Kérdés", in_reply_to=answer["Message-ID"])
    dovecot.deliver(bytes(reply))
    answers = await relay.wait_for(sender, 2)
    saved = body(answers[1])
    assert answers[1]["In-Reply-To"] == reply["Message-ID"]
    assert wording.text("mail_form_saved", "hu_formal", code="X").splitlines()[0] in saved
    assert "telefonszám" in saved and "e-mail-cím" in saved  # told that own data will be removed
    assert wording.text("mail_form_offer", "hu_formal").splitlines()[0] not in saved  # no second form
    report = await report_of(gw, answers[1])
    # the chat form's report: the same store, fields and code; "anything else" as an addition
    assert report.fields == {"what": NEIGHBOUR, "settlement": "Kecskemét", "child_age": "kb. 8", "danger_now": "no"}
    assert not report.immediate
    [addition] = report.additions
    assert sender not in addition["text"] and "[e-mail törölve]" in addition["text"]
    assert report.needs_pii_review()  # the phone number: the PDF is gated like a chat report's
    assert json.dumps(report.to_dict()).find(sender.split("@")[0]) < 0
    pid = gw.app[GATEWAY].pid("email", sender)
    assert await gw.app[reports_api.DESK].reports.linked_pid(report.rid) == pid
    assert sender.encode() not in await redis_bytes(redis)
    # the operator reads the form's words in the transcript, like any message
    person = [e.text for e in await gw.app[GATEWAY].store.read(pid, staff=True) if e.sender == "person"]
    assert person[-1].startswith("Mi történt: " + NEIGHBOUR)


async def test_missing_fields_are_asked_for_and_the_rest_is_kept(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay, redis: Redis) -> None:
    gw = await mail_gw()
    desk = gw.app[reports_api.DESK]
    sender = "hianyos.teszt@example.org"
    labels = mail_report_form.labels("hu")
    dovecot.deliver(bytes(make_mail(sender, f"{labels['what']}: {NEIGHBOUR}\n{labels['settlement']}: Szeged\n")))
    [answer] = await relay.wait_for(sender)
    text = body(answer)
    voice = (await gw.app[GATEWAY].store.load(gw.app[GATEWAY].pid("email", sender))).voice  # an adult's words: Ön
    asked = mail_report_form.labels(voice)
    assert wording.text("mail_form_missing", voice, missing="").splitlines()[0] in text
    assert f"{asked['child_age']}:" in text and f"{asked['danger_now']}:" in text
    assert f"{asked['settlement']}:" not in text
    assert not await desk.reports.list()  # nothing stored as a report yet
    # the answer to the two, labelled as people write them
    dovecot.deliver(bytes(make_mail(sender, "Életkor: 9 éves\nVeszélyben? nem tudom", subject="Re: Kérdés",
                                    in_reply_to=answer["Message-ID"])))
    answers = await relay.wait_for(sender, 2)
    report = await report_of(gw, answers[1])
    assert report.fields == {"what": NEIGHBOUR, "settlement": "Szeged", "child_age": "9 éves", "danger_now": "unknown"}
    # one missing field answered without its label
    other = "rovid.valasz.teszt@example.org"
    dovecot.deliver(bytes(make_mail(other, f"{labels['what']}: {NEIGHBOUR}\n{labels['settlement']}: Pécs\n"
                                           f"{labels['danger_now']}: nem")))
    [ask] = await relay.wait_for(other)
    assert f"{asked['child_age']}:" in body(ask)
    dovecot.deliver(bytes(make_mail(other, "kb. 11", subject="Re: Kérdés", in_reply_to=ask["Message-ID"])))
    answers = await relay.wait_for(other, 2)
    report = await report_of(gw, answers[1])
    assert report.fields["child_age"] == "kb. 11" and report.fields["settlement"] == "Pécs"
    assert not await redis.exists(keys.conv_followup(gw.app[GATEWAY].pid("email", other)))


async def test_a_form_in_danger_gets_112_first_and_tops_the_queue(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay) -> None:
    gw = await mail_gw()
    labels = mail_report_form.labels("hu")
    # the words screened as immediate danger
    sender = "veszely.urlap.teszt@example.org"
    dovecot.deliver(bytes(make_mail(sender, f"{labels['what']}: az apja most is veri, hallom a sikítást a falon át\n"
                                            f"{labels['settlement']}: Győr\n{labels['child_age']}: 6\n"
                                            f"{labels['danger_now']}: igen")))
    [answer] = await relay.wait_for(sender)
    text = body(answer)
    assert text.startswith(texts.text("emergency", "hu").splitlines()[0]), text[:200]
    assert CODE_RE.search(text)  # and the report is kept: nobody is live in a mail
    report = await report_of(gw, answer)
    assert report.immediate and report.fields["settlement"] == "Győr"
    waiting = await gw.app[HANDOFF].queue.waiting()
    pid = gw.app[GATEWAY].pid("email", sender)
    assert waiting[0].pid == pid and waiting[0].priority == "immediate"
    # "in danger right now: yes" beside words the screen finds mild: 112 first, and an operator
    mild = "veszely.igen.teszt@example.org"
    dovecot.deliver(bytes(make_mail(mild, f"{labels['what']}: {NEIGHBOUR}\n{labels['settlement']}: Eger\n"
                                          f"{labels['child_age']}: 12\n{labels['danger_now']}: igen, most is")))
    [answer] = await relay.wait_for(mild)
    assert body(answer).splitlines()[0] in {texts.text("emergency", v).splitlines()[0] for v in ("hu", "hu_formal")}
    queued = {w.pid: w.priority for w in await gw.app[HANDOFF].queue.waiting()}
    assert queued.get(gw.app[GATEWAY].pid("email", mild)) in ("high", "immediate")
    assert (await report_of(gw, answer)).immediate


class RecordingRasa(FakeRasa):
    """The report tests' stand-in for Rasa, keeping the tracker events it is sent."""

    def __init__(self, redis_url: str) -> None:
        super().__init__(redis_url)
        self.posted: list[tuple[str, Any]] = []

    async def events(self, request: web.Request) -> web.Response:
        self.posted.append((request.match_info["sender"], await request.json()))
        return web.json_response({})


async def test_a_chat_form_begun_by_mail_ends_when_the_mail_form_arrives(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay, redis_server: Any) -> None:
    fake = RecordingRasa(redis_server.url)
    await fake.start(free_port())
    try:
        gw = await mail_gw(RASA_URL=fake.url, ACTION_SERVER_URL=fake.url)
        sender = "chatform.teszt@example.org"
        dovecot.deliver(bytes(make_mail(sender, "Bejelentést szeretnék tenni.")))
        [asked] = await relay.wait_for(sender)  # the chat form's first question, and the mail form
        assert "Mi történt?" in body(asked) and wording.text("mail_form_offer", "hu").splitlines()[0] in body(asked)
        labels = mail_report_form.labels("hu")
        dovecot.deliver(bytes(make_mail(
            sender, f"{labels['what']}: {NEIGHBOUR}\n{labels['settlement']}: Szeged\n{labels['child_age']}: 9\n"
                    f"{labels['danger_now']}: nem", subject="Re: Kérdés", in_reply_to=asked["Message-ID"])))
        answers = await relay.wait_for(sender, 2)
        assert CODE_RE.search(body(answers[1]))
        pid = gw.app[GATEWAY].pid("email", sender)
        assert fake.senders == [pid]  # the form went to the report desk, not to Rasa
        await until(lambda: _posted(fake, 2), what="Rasa's form ended")
        assert fake.posted == [(pid, [{"event": "active_loop", "name": None}]),
                               (pid, [{"event": "slot", "name": "requested_slot", "value": None}])]
    finally:
        await fake.stop()


async def _posted(fake: RecordingRasa, n: int) -> bool:
    return len(fake.posted) >= n


async def test_a_senders_limit_never_withholds_the_case_code(mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay) -> None:
    gw = await mail_gw(EMAIL_ANSWERS_PER_SENDER="1")
    sender = "korlat.urlap.teszt@example.org"
    dovecot.deliver(bytes(make_mail(sender, "szia, hova fordulhatok?")))
    await relay.wait_for(sender)
    labels = mail_report_form.labels("hu")
    dovecot.deliver(bytes(make_mail(sender, f"{labels['what']}: {NEIGHBOUR}\n{labels['settlement']}: Sopron\n"
                                            f"{labels['child_age']}: 10\n{labels['danger_now']}: nem")))
    answers = await relay.wait_for(sender, 2)  # over the limit of 1, and still answered: the code
    assert (await report_of(gw, answers[1])).fields["settlement"] == "Sopron"


async def test_a_form_whose_answer_failed_makes_one_report_not_one_per_try(
        mail_gw: Any, dovecot: Dovecot, relay: SmtpRelay, redis: Redis) -> None:
    """SMTP refusing the answer keeps the mail for a retry; each try made the report again (a
    new case code each time, one report to the authority per poll). One report, one code."""
    await mail_gw(EMAIL_TIMEOUT="2")
    sender = "ismetelt.urlap@example.org"
    refused: list[int] = []

    def refuse(mail: EmailMessage) -> bool:
        if sender in str(mail["To"]) and len(refused) < 3:
            refused.append(1)
            return True
        return False

    relay.refuse = refuse
    labels = mail_report_form.labels("hu_formal")
    form = "\n".join([f"{labels['what']}: {NEIGHBOUR}", f"{labels['settlement']}: Kecskemét",
                      f"{labels['child_age']}: kb. 8", f"{labels['danger_now']}: nem"])
    dovecot.deliver(bytes(make_mail(sender, form)))
    [answer] = await relay.wait_for(sender, 1, timeout=30)
    assert len(refused) == 3
    assert CODE_RE.search(body(answer)), body(answer)
    assert await redis.zcard(keys.reports_index()) == 1
