"""Writing the bot's mails: one plain-text body for all of an answer's replies (buttons
become the words a person can write back), threaded under the person's mail.

Apart from the channel so the look of a mail is read and changed in one place, without
the IMAP and SMTP machinery around it; both the first answer and an operator's later
replies are written here.
"""
from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from typing import Any

import wording
from bot.delivery import Reply
from bot.mail_reading import REPLY_PREFIX

MAX_REFERENCES = 20       # Message-IDs kept in the References header


def reply_subject(subject: str, voice: str) -> str:
    bare = REPLY_PREFIX.sub("", subject).strip()
    return f"Re: {bare or wording.text('mail_subject', voice)}"


# The chat's sentences that speak of "this chat", "the chatbot" or "the button": a mail says them
# as a mail ("in this thread", "reply with the option below"): ``mail_<name>`` in the same voice.
MAIL_WORDING = ("no_phone", "no_phone_offer", "bot_unavailable", "returned_to_bot")
VOICES = ("hu", "hu_formal", "en")


@lru_cache(maxsize=1)
def _mail_wording() -> dict[str, str]:
    return {wording.text(name, voice).strip(): wording.text("mail_" + name, voice)
            for name in MAIL_WORDING for voice in VOICES}


def as_mail(text: str) -> str:
    """A reply's text as a mail says it (unchanged unless it is one of MAIL_WORDING)."""
    return _mail_wording().get(text.strip(), text)


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
            parts.append(as_mail(r.text).strip())
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


def is_form_answer(replies: list[Reply]) -> bool:
    """Whether the answer is about a report form already (saved, or what is missing)."""
    heads = {wording.text(name, voice).splitlines()[0]
             for name in ("mail_form_saved", "mail_form_missing", "mail_form_cancelled")
             for voice in ("hu", "hu_formal", "en")}
    return any(r.text and r.text.splitlines()[0] in heads for r in replies)


def carries_emergency(replies: list[Reply]) -> bool:
    """Whether the answer carries the 112 block (kept even if screening raised): by its
    mark, so a formal voice, the short line and a reworded catalogue count too."""
    return any(r.emergency for r in replies)
