"""How the report form reads an answer: skip, "I don't know", stop, "send it as it is",
a refusal, yes / no, or the reporter's own words.

Why the answers are read here and not by NLU: every question takes free text, and an
answer that NLU happens to classify as "skip" or "stop" must still be kept. So a typed
message counts as skip / "I don't know" / stop only if it is a button payload, one of
those intents' training phrases, or one of the few unmistakable phrases below ("küldjék el
így", "nem szeretném megadni"): a missed phrase is merely kept as text, which the reporter
sees in the summary; a wrong guess would lose an answer or end the report.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker

from knowledge import normalise

from .common import latest_intent

logger = logging.getLogger(__name__)

SKIPPED = "skipped"
UNKNOWN = "unknown"
NLU_FILE = Path(__file__).resolve().parent.parent / "nlu_data" / "report" / "nlu.yml"
KIND = {"report_skip": "skip", "report_dont_know": "unknown", "report_stop": "stop"}
_BUILTIN: dict[str, set[str]] = {
    "report_skip": {"kihagyom", "passz", "skip", "pass", "tovabb", "next"},
    "report_dont_know": {"nem tudom", "nemtom", "fogalmam sincs", "i don t know", "dont know", "no idea"},
    "report_stop": {"megallok", "allj", "stop", "megsem", "megse", "cancel", "quit"},
}
# "That is all I know, send it as it is": the reporter wants to send what was given so far,
# so the form goes to its summary and "send it?" (never sends without that yes).
_SEND_AS_IS = re.compile(
    r"\b(kuld\w* el (igy|ennyit|most|ezt)|(igy|ennyit|most|ezt) kuld\w* el|"
    r"(igy|ennyivel|ennyit) (is )?(tovabbits\w*|kuld\w*)|tovabbits\w* (igy|ennyit|most)|"
    r"ennel tobbet nem tudok|tobbet nem tudok|nem tudok (ennel )?tobbet|"
    r"ennyit tudok|csak ennyit tudok|ennyi amit tudok|"
    r"(that s|thats|that is) all i know|send it (like this|as it is|as is|now)|"
    r"(nothing|no) more (to add|i know)|i don t know (anything )?more)\b"
)
# "Send it" said as a command ("Igen, küldje el", "küldjék el így", "elküldhető", "please send it"):
# the reporter's consent, so the report is sent with what was given at whatever question it is
# said (issue 12: a person who wants it sent should not have to answer three more questions).
# Only the forms that address us about the report: never "elküldte" (sent someone away), and
# never "küldjenek valakit" (send someone: that is a call for help, not for the report).
_SEND_NOW = re.compile(
    r"\b(kuld(je|d|jek|jetek|jed|juk|hetik|heti|hetitek|heted)( (mar|most|kerem|kerlek|nyugodtan))? el|"
    r"el ?kuld(je|d|jek|jetek|jed|juk|heto|hetik|heti|hetitek|heted|eni)|"
    r"tovabbits(a|d|ak|atok|uk|sa|sak)|mehet( is)?( igy| ennyi| igy is)?$|"
    r"(please )?send (it|the report|this)|submit( it| the report)?|go ahead and send)\b"
)
# What else a "send it" message may say and still be only that: politeness, yes, "like this".
_SEND_FILLER = frozenset({
    "igen", "ige", "aha", "persze", "jo", "oke", "ok", "okay", "rendben", "kerem", "kerlek", "koszonom", "akkor",
    "igy", "most", "mar", "is", "legyen", "szives", "szabad", "nyugodtan", "gyorsan", "azt", "ezt", "a", "az",
    "bejelentest", "jelzest", "yes", "yeah", "please", "now", "thanks", "thank", "you", "then", "like", "this",
    "as", "it", "the", "report", "just", "sure", "so", "and", "anyway",
    "kerek", "kodot", "kodomat", "kodjat", "ugyszamot", "me", "my", "code",  # "küldje el, kérem a kódot"
})
# "I'd rather not say": a refusal of one question is a skip, never the answer's text.
_REFUSE = re.compile(
    r"^(ezt |azt |inkabb )?nem (szeretn\w+|akar\w+|kivan\w+)( \w+)? (meg)?(adni|mondani|irni|leirni|elarulni|"
    r"valaszolni)\b|^(ezt |azt )?inkabb nem( mondom| irom| adom meg)?$|^(ezt |azt )?nem mondom meg\b|"
    r"^(i d|i would|i) (rather|prefer) not\b|^i don t want to (say|tell|give|answer)\b"
)
# "Mégse, inkább hagyjuk", "never mind, please cancel it": the reporter takes the report back, so
# nothing is sent and they are told so (sealed7: the form asked the next question instead). Only
# at the start of the answer or said of the report: "anyu mégse jött haza" is an account.
_CANCEL = re.compile(
    r"^((de|na|jo|ok|oke|akkor|bocs|bocsi) ){0,3}(megse|megsem|inkabb megse\w*|inkabb hagyjuk|"
    r"inkabb ne|hagyjuk|felejtsuk el|"
    r"inkabb nem jelentem|inkabb nem teszek|torold|torolje|vond vissza|vonja vissza|visszavonom|ne kuld\w* el|"
    r"nem akarom (el)?kuld\w*|nem akarom bejelenteni|megsem (akarom|szeretnem|jelentem|teszek))\b|"
    r"^((actually|ok|okay|oh|no|sorry|please|wait) ){0,3}(never ?mind|forget it|scrap that|cancel|stop|don t send|"
    r"do not send)\b|"
    r"\b(cancel (it|this|the report|that)|please cancel|i don t want to report (it|this)|i changed my mind|"
    r"i don t want to send (it|this|the report)|"
    r"i ve changed my mind)\b"
)
# "Most nem tudom folytatni, mennem kell", "majd befejezem", "I have to go, I'll finish later": the
# reporter leaves half-way and means to come back; the draft is kept (sealed8: it was taken as the
# next answer). Only a short message that says so: "anyu mindig azt mondja, mennem kell" is an account.
_LEAVING = re.compile(
    r"\b((most )?nem tudom (most )?folytatni|nem tudom most befejezni|(most )?(mennem|indulnom|lepnem) kell|"
    r"el kell (mennem|mennunk|indulnom)|majd (be)?fejezem|majd folytatom|kesobb (folytatom|befejezem|visszajovok|"
    r"jovok vissza|irok|visszaterek)|visszajovok kesobb|majd visszajovok|majd jovok|majd irok|"
    r"(inkabb |akkor )?(este|holnap|kesobb|majd|otthonrol|otthon) (irok|irom|irom meg|folytatom|jelentkezem)|"
    r"(inkabb|akkor) (kesobb|majd|holnap|este)\b.{0,20}\b(irok|irom|folytatom|jelentkezem)|"
    r"i (have|ve got|need|must) to go|gotta go|i ll (come back|finish|continue|be back)( to this| it)? later|"
    r"(can t|cannot) (continue|finish)( this)? (now|right now))\b"
)
LEAVING_MAX_WORDS = 20
# "Kiegészítem", "még hozzátennék valamit", "add more details": at "send it?" the reporter wants to
# give the optional details (address, danger now, who, since when, who else knows) first.
_MORE = re.compile(
    r"^(igen,? )?(kiegeszitem|kiegeszitenem|kiegeszitenek|meg (hozza)?(tennek|irnek|irnam|tennem)|"
    r"hozza(tennek|irnek|irnam)|tobbet is (irnek|megadnek|elmondanek)|megadnam a cimet|megadom a cimet|"
    r"add (more )?details|i d like to add|i want to add|add more|more details)\b"
)
YES_WORDS = frozenset({"igen", "ige", "aha", "persze", "yes", "yeah", "yep"})
NO_WORDS = frozenset({"nem", "ne", "no", "nope", "nincs"})
# "Send it?" answered in words rather than with yes/no: "Küldje el, kérem", "mehet", "send it".
_SEND = re.compile(r"\b(kuld\w*|elkuld\w*|tovabbits\w*|mehet|send|submit|go ahead)\b")
_DONT_SEND = re.compile(
    r"\b(ne|nem|dont|don t|do not|nem (akarom|szeretnem)( hogy)?) (el)?(kuld\w*|tovabbits\w*|send)\b")
FAQ_CONFIDENCE = 0.6  # intent confidence (logistic regression; real FAQ questions measured 0.46-0.99)
# A question whose intent narrowly lost to another (an English "will the family find out it was
# me?" read as where_professional_stuck 0.50, faq 0.34) still counts when faq is that close and
# the FAQ response selector is this sure (it is sure of something for any text, so both).
FAQ_RUNNER_UP = 0.25
FAQ_SELECTOR_CONFIDENCE = 0.95
FAQ_MAX_WORDS = 20
# "I don't know" with more words after it ("nem tudom, épp csend van", "I don't know, they went out"):
# at a yes/no question it is the answer "unknown", never a reason to ask again.
_DONT_KNOW = re.compile(r"\b(nem tudom|nemtom|nem tudni|fogalmam sincs|nem vagyok biztos|"
                        r"i don t know|i dont know|dont know|don t know|no idea|not sure|i m not sure)\b")


def _phrases() -> dict[str, frozenset[str]]:
    """The training examples of the three intents, normalised (built-in lists if unreadable)."""
    found: dict[str, set[str]] = {k: set(v) for k, v in _BUILTIN.items()}
    try:
        data = yaml.safe_load(NLU_FILE.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        logger.warning("report form: %s unreadable, built-in phrase lists only", NLU_FILE.name)
        return {k: frozenset(v) for k, v in found.items()}
    for block in data.get("nlu") or []:
        if block.get("intent") in found:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found[block["intent"]].add(normalise(line.strip()[2:]))
    return {k: frozenset(v) for k, v in found.items()}


PHRASES = _phrases()


def text_of(value: Any) -> str:
    """The answer as stripped text ("" for None)."""
    return str(value).strip() if value is not None else ""


def classify(tracker: Tracker, value: Any) -> str:
    """What an answer is: "skip", "unknown", "stop", "cancel" (take the report back), "send"
    ("send it" now), "payload" (another button) or "text"."""
    text = text_of(value)
    norm = normalise(text)
    if text.startswith("/"):
        # A button: its payload is the intent (Rasa parses "/x" with confidence 1).
        return KIND.get(latest_intent(tracker) or "", "payload")
    if not norm:
        return "payload"
    for kind_intent, kind in KIND.items():
        if norm in PHRASES[kind_intent]:
            return kind
    if _CANCEL.search(norm):
        return "cancel"
    if send_now(text):
        return "send"
    if send_as_is(text):
        return "stop"
    if _REFUSE.search(norm):
        return "skip"
    return "text"


def send_now(value: Any) -> bool:
    """"Igen, küldje el", "send it": the reporter tells us to send the report now.

    Only a message that says nothing else counts: "azt mondta, hogy küldje el a képeit" or
    "he made me send this photo" is an account, and "Igen, most is veszélyben van, küldjék el"
    answers the question (the summary and "send it?" follow soon after)."""
    norm = normalise(text_of(value))
    if not _SEND_NOW.search(norm) or _DONT_SEND.search(norm):
        return False
    rest = _SEND_AS_IS.sub(" ", _SEND_NOW.sub(" ", norm))
    return not [w for w in rest.split() if w not in _SEND_FILLER]


def send_as_is(value: Any) -> bool:
    """"Küldjék el így", "that's all I know": send what was given (a yes at "send it?")."""
    norm = normalise(text_of(value))
    return bool(_SEND_AS_IS.search(norm)) and not _DONT_SEND.search(norm)


def yes_no(tracker: Tracker, value: Any) -> str | None:
    """"yes" / "no" from a mapped value, the intent or the first words; None if unclear."""
    text = text_of(value)
    if text in ("yes", "no"):
        return text
    intent = latest_intent(tracker)
    words = normalise(text).split()[:3]
    if intent == "affirm" or (words and words[0] in YES_WORDS):
        return "yes"
    if intent == "deny" or (words and words[0] in NO_WORDS):
        return "no"
    return None


def send_or_not(tracker: Tracker, value: Any) -> str | None:
    """The answer to "send it?": yes / no as yes_no reads it, else a send word (a "don't" first)."""
    norm = normalise(text_of(value))
    if _DONT_SEND.search(norm):
        return "no"
    if send_as_is(value):  # before yes_no: NLU may read "nem tudok többet, küldjék el" as deny
        return "yes"
    answer = yes_no(tracker, value)
    if answer:
        return answer
    return "yes" if _SEND.search(norm) else None


def dont_know(value: Any) -> bool:
    """"I don't know" anywhere in the answer, unless it opens with a yes ("igen, nem tudom meddig")."""
    words = normalise(text_of(value)).split()
    return bool(words) and words[0] not in YES_WORDS and bool(_DONT_KNOW.search(" ".join(words)))


def faq_question(tracker: Tracker) -> str | None:
    """The FAQ response to utter if the answer is really a question about the service.

    "Is it anonymous?" typed at "how old is the child?" must be answered, not stored as
    the age. Only a short message with a question mark counts, and only if NLU reads it as an
    FAQ with high confidence, or the FAQ response selector is all but sure while the intent went
    elsewhere (English questions in a Hungarian-trained form); anything else is kept as the answer.
    """
    latest = tracker.latest_message or {}
    text = text_of(latest.get("text"))
    if "?" not in text or len(text.split()) > FAQ_MAX_WORDS:
        return None
    intent = latest.get("intent") or {}
    selected = ((latest.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    faq_intent = intent.get("name") == "faq" and float(intent.get("confidence") or 0) >= FAQ_CONFIDENCE
    runner_up = any(i.get("name") == "faq" and float(i.get("confidence") or 0) >= FAQ_RUNNER_UP
                    for i in latest.get("intent_ranking") or [])
    if not faq_intent and not (runner_up and float(selected.get("confidence") or 0) >= FAQ_SELECTOR_CONFIDENCE):
        return None
    key = selected.get("intent_response_key")
    return f"utter_{key}" if key else None


def leaving(value: Any) -> bool:
    """"Most mennem kell, majd befejezem": the reporter leaves half-way and will come back."""
    norm = normalise(text_of(value))
    match = _LEAVING.search(norm)
    if match is None or len(norm.split()) > LEAVING_MAX_WORDS:
        return False
    # "azt mondja, hogy mennem kell": said of someone else, an account
    return not re.search(r"\b(hogy|that|says|said|mondja|mondta)\b", norm[: match.start()])


def more_details(value: Any) -> bool:
    """"Kiegészítem", "add details": at "send it?", the reporter wants to add the optional details."""
    return bool(_MORE.search(normalise(text_of(value))))
