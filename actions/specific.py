"""Two situations with an answer of their own, read from the person's words (issue 12).

NLU has no intent for them and reads them as something else ("meleg vagyok és a szüleim
kidobtak": a child saying who they are; "hova fordulhatok, ha a tanárom bánt?": torn between
abuse and a question), so the generic answer ("what happened?", abuse at home) missed what
was asked: a place to sleep tonight, and where to turn about a teacher.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge import normalise

from .common import human_button, language, message
from .persona import infer_persona

# Put out of home: the act and a word of home or parents (not "kidobtak a suliból").
_THROWN = re.compile(r"\b(kidob\w*|kirug\w*|kitett\w*|elzavar\w*|elkuld\w* otthonrol|thrown out|"
                     r"threw me out|kicked (me )?out)\b")
_HOME = re.compile(r"\b(szul\w*|anyu\w*|apu\w*|anyam\w*|apam\w*|otthon\w*|itthon\w*|haz\w*|"
                   r"parents?|mum|mom|dad|home|house)\b")
# A teacher who hurts the child ("a tanárom bánt", "megütött az osztályfőnök"): the two words
# close together, so "a tanárom szerint apu ver" is not read as the teacher hurting.
_T = r"(tanar\w*|osztalyfonok\w*|edzo\w*|teacher\w*|coach\w*)"
_H = r"(bant\w*|megut\w*|ut|utott|ver|veri|vert|megver\w*|fogdos\w*|zaklat\w*|hurt\w*|hits?|hitting|beat\w*|abus\w*)"
_TEACHER_HURTS = re.compile(rf"\b{_T}( \w+){{0,1}} {_H}\b|\b{_H}( \w+){{0,2}} (a |az |the |my )?{_T}\b")


def situation(text: str) -> str | None:
    """The wording key of the situation the message tells of, if any."""
    folded = normalise(text)
    if _THROWN.search(folded) and _HOME.search(folded):
        return "thrown_out"
    if _TEACHER_HURTS.search(folded):
        return "teacher_hurts"
    return None


def answer_situation(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[dict[str, Any]] | None:
    """Answer the situation of the latest message (None: it tells of none of them)."""
    key = situation((tracker.latest_message or {}).get("text") or "")
    if key is None:
        return None
    lang = language(tracker)
    persona = infer_persona(tracker)
    dispatcher.utter_message(text=message(None, key, lang, persona),
                             buttons=[human_button(lang)])
    return []
