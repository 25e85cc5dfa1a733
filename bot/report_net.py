"""The report's safety net: "Igen, küldje el" when no report form is open.

Why: a person who told a worry and then says "send it" believes their report is on its way.
Sealed6 lost four such reports: the person asked "can I report it here?" (a question the bot
answered), gave the details, and said "yes, send it" to a form that had never opened; the
bot said "all right" and no report or case code existed. Issue 12: a report must always end
with a confirmed report and a code once the person confirms. So when a "send it" finds no
form, no case code in the answer and no report made in this conversation yet, the gateway
opens the form with what the person told (the messages the screen heard a worry in) as
"what happened", and the form is told "send it" (``RasaRelay.file_report``); a form that
opened on this very message, or kept "küldje el Önök a jelzést" as an answer, is told the same.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.conversation import BOT, PERSON
from bot.delivery import Reply

# "Send it" said to us, as a command or a request: "küldje el", "küldd el", "küldjék el",
# "elküldhetik", "továbbítsák", "send it", "please send the report", "submit it". Never
# "ne küldd el" / "don't send it" (below), never "elküldte" (someone sent something away).
_SEND = re.compile(
    r"\b(kuld(je|d|jek|jetek|jed|juk)( (mar|most|kerem|kerlek|nyugodtan|be|is))? el|"
    r"el ?kuld(je|d|jek|jetek|jed|hetik|heti|hetitek|heted)|tovabbits(a|d|ak|atok|sa|sak)|"
    r"send (it|the report|this|my report)|submit (it|the report|this)|go ahead and send)\b"
)
_DONT = re.compile(r"\b(ne|nem|dont|don t|do not|never) (\w+ )?(el ?)?(kuld\w*|tovabbits\w*|send|submit)\b")
_MAX_WORDS = 14  # a "send it" is short; a long message is a new story, answered as such
_CASE_CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}\b")
# The form's own "send it" (actions/report_answers.send_now): what the gateway tells the form
# on the person's behalf once they asked to send in words the form keeps as an answer.
SEND_IT = {"hu": "Igen, küldje el.", "en": "yes, send it"}
WORRY_LEVELS = frozenset({"concern", "high", "immediate"})
MAX_WHAT = 1000  # the form's own limit for "what happened" (actions/report_form.py)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", bare).split())


def sends_report(text: str) -> bool:
    """True when a short message asks us to send the report ("Igen, küldje el", "ok send it")."""
    folded = _fold(text)
    return (len(folded.split()) <= _MAX_WORDS and bool(_SEND.search(folded))
            and not _DONT.search(folded))


def has_case_code(replies: Sequence[Reply]) -> bool:
    """True when the replies give a case code (the form was open and sent the report)."""
    return any(_CASE_CODE.search(r.text or "") for r in replies)


def worry_told(entries: Sequence[object]) -> str | None:
    """What the person told that the screen heard a worry in (transcript entries, oldest
    first), joined and cut to the form's limit; None when there is none."""
    told = [str(getattr(e, "text", "")).strip() for e in entries
            if getattr(e, "sender", None) == PERSON
            and (getattr(e, "meta", None) or {}).get("level") in WORRY_LEVELS]
    what = "\n".join(t for t in told if t)
    return what[-MAX_WHAT:] if what else None


_FORM_PAYLOADS = frozenset({"/report_skip", "/report_stop", "/report_dont_know"})


def form_was_open(entries: Sequence[object], seq: int) -> bool:
    """True when the bot's last reply before the message ``seq`` asked a report-form question
    (its skip / stop / don't-know buttons): the form was open when the person wrote."""
    for entry in reversed(entries):
        if getattr(entry, "seq", 0) >= seq or getattr(entry, "sender", None) != BOT:
            continue
        return any(payload in _FORM_PAYLOADS for _, payload in getattr(entry, "buttons", ()))
    return False
