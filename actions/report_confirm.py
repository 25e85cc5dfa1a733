"""The answer to "send it?" and questions typed where an answer was asked (issue 12, sealed9).

A report describes danger by nature and is never dropped on a misread word: a bare "Nem" at
"send it?" is often meant for a question the reporter expected ("is the child in danger now?",
"your address?"), so it asks "discard or send?" and only a word decides. A question typed at
"which town?" or "how old?" is never stored as the answer.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge import normalise

from .report_answers import classify, send_as_is, send_or_not
from .report_facts import age_answer
from .report_texts import say

logger = logging.getLogger(__name__)

# At "send it?", a no that is about the reporter's or the family's data, not about the report.
_OWN_DATA = re.compile(r"\b(cim\w*|lakcim\w*|nev\w*|nevem\w*|telefon\w*|szam\w*|adat\w*|elerhetoseg\w*|"
                       r"address|name|phone|number|details)\b")
# A question about whom to call ("a rendőrséget hívjam vagy a 112-t?", "should I call the police?").
_CALL_ASKED = re.compile(r"\b(112|rendorseg\w*|rendort|mentot|mentok\w*|police|ambulance|hivj\w*|hivn\w*|call)\b")
_SEND_WORDS = re.compile(r"\b(kuld\w*|elkuld\w*|send)\b")
_DONT_SEND_WORDS = re.compile(r"\b(ne|dont|don t|not) (el)?(kuld\w*|send)\b")
_DISCARD = re.compile(r"\b(ne kuld\w*|ne kuldd|elvet\w*|vess\w* el|vesd el|dobd el|dobja el|torol\w*|toroljuk|megse|"
                      r"dont send|don t send|do not send|"
                      r"discard\w*|delete|cancel)\b")


def confirm_answer(tracker: Tracker, value: Any, norm: str, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The slots for an answer to "send it?" (``norm``: its folded words), once "Kiegészítem", an
    FAQ and leaving were ruled out: send, discard, or ask again."""
    if tracker.get_slot("report_discard_check"):
        return discard_checked(norm)
    answer = send_or_not(tracker, value)
    if answer != "yes" and _OWN_DATA.search(norm) and not _DISCARD.search(norm):
        # "Nem, a címet nem adnám meg": a no to giving an address or a name, not to sending the
        # report (a report describing danger is never dropped on a misread no). Asked again.
        say(dispatcher, tracker, "report_no_data_needed")
        return {"report_confirm": None}
    if classify(tracker, value) in ("stop", "skip", "cancel") and not send_as_is(value):
        return {"report_confirm": "no"}
    if answer == "no" and not _DISCARD.search(norm):
        # "Nem", "No, not right now": maybe meant for a question the reporter expected (is
        # the child in danger now?); a report is dropped only on a second, clear word.
        return {"report_confirm": None, "report_discard_check": True}
    return {"report_confirm": answer}


def discard_checked(norm: str) -> dict[str, Any]:
    """The answer to "Elvessem, vagy elküldjem?": a send word sends, a discard word drops the
    report; anything else, a bare yes or no too, asks again (sealed9: "Yes, that's correct."
    meant the summary, not "yes, discard it")."""
    if _SEND_WORDS.search(norm) and not _DONT_SEND_WORDS.search(norm):
        return {"report_confirm": "yes", "report_discard_check": False}
    if _DISCARD.search(norm) or _DONT_SEND_WORDS.search(norm):
        return {"report_confirm": "no", "report_discard_check": False}
    return {"report_confirm": None}


def question_not_answer(slot: str, out: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A question typed at "which town?" or "how old?" is no town or age ("A rendőrséget
    hívjam vagy a 112-t?" was kept as the town, sealed9): a call question is answered (112
    first), any other is said to be for a colleague; the question is then asked again."""
    given = out.get(slot)
    if not isinstance(given, str) or not given.rstrip().endswith("?") or age_answer(given):
        return False
    norm = normalise(given)
    say(dispatcher, tracker, "report_call_question" if _CALL_ASKED.search(norm) else "report_question_later")
    logger.info("report form: a question at %s, asked again", slot)
    return True
