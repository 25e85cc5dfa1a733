"""The anonymous report by e-mail: a plain-text form the person fills in by replying.

A person who cannot use the web chat gets the form at the end of the bot's answer mails
(:func:`offer`): five questions, in their language, each ending in a colon. Their reply is
read leniently (:func:`parse`), because people edit forms badly: labels in Hungarian or
English, with or without accents, the bracketed hint, the colon, a bullet or a number;
the answer on the label's line or on the lines below it; labels quoted by the mail client
("> Mi történt:") with the answer typed under them. Quoted lines are never an answer.

A mail counts as a filled form when it holds at least two of the labels and at least one
answer. What it says then goes through the gateway's one path like any message (screened
first, in the transcript) and :meth:`bot.reports.followup.ReportDesk.take_form` makes the
same report the chat form makes, or answers with what is still missing.

Standard library and the text catalogue (`wording`) only; nothing here logs or keeps text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import wording

# The form's fields in order: the report store's names (bot/reports/store.py FIELDS), and
# ``other`` ("anything else"), which the report keeps as the reporter's first addition.
FIELDS = ("what", "settlement", "child_age", "danger_now", "other")
REQUIRED = ("what", "settlement", "child_age", "danger_now")
MAX_VALUE = 4000
UNKNOWN = "unknown"

# What a person sees is in the catalogue (wording/mail.yml, mail_form_*), te / Ön / English.
def labels(voice: str) -> dict[str, str]:
    """The form's questions by field, in the person's voice."""
    return {name: wording.text(f"mail_form_label_{name}", voice) for name in FIELDS}


def offer(voice: str) -> str:
    """The form as it ends an answer mail: a short kind intro, then one question a line."""
    return wording.text("mail_form_offer", voice) + "\n\n" + "\n".join(f"{label}:" for label in labels(voice).values())


def missing_text(missing: list[str], voice: str) -> str:
    names = labels(voice)
    return wording.text("mail_form_missing", voice, missing="\n".join(f"{names[f]}:" for f in missing))


def pii_text(kinds: list[str], voice: str) -> str:
    lang = "en" if voice == "en" else "hu"
    found = [wording.text(f"pii_word_{k}", lang) for k in kinds]
    both = wording.text("pii_word_and", lang)
    listed = found[0] if len(found) == 1 else ", ".join(found[:-1]) + f" {both} " + found[-1]
    return wording.text("mail_form_pii", voice, found=listed)


# -- reading a reply ------------------------------------------------------------------------
def fold(value: str) -> str:
    """Lower case, no accents, single spaces: what labels are compared as."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", value.lower()) if not unicodedata.combining(c))
    return " ".join(plain.replace("’", "'").split())


# The start of a label (folded), per field and language: what people write instead, too.
_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "what": {"hu": ("mi tortent", "mi a helyzet", "mi a baj", "tortenet", "leiras"),
             "en": ("what happened", "what is happening", "what's happening", "what happens", "description")},
    "settlement": {"hu": ("hol", "telepules", "helyseg", "varos", "falu", "helyszin"),
                   "en": ("where", "town", "village", "settlement", "city", "place")},
    "child_age": {"hu": ("a gyerek eletkora", "a gyermek eletkora", "gyerek eletkora", "gyermek eletkora",
                         "eletkor", "eletkora", "hany eves", "kor"),
                  "en": ("the child's age", "child's age", "childs age", "the childs age", "age", "how old")},
    "danger_now": {"hu": ("most is veszelyben", "most veszelyben", "veszelyben van", "veszelyben", "veszely"),
                   "en": ("is the child in danger", "in danger", "danger")},
    "other": {"hu": ("barmi mas", "egyeb", "mas", "megjegyzes"),
              "en": ("anything else", "other", "something else", "notes", "note")},
}
_QUOTE = re.compile(r"^\s*>")
_DECOR = re.compile(r"^[\s>]*(?:[-*•·–]\s*|\d{1,2}\s*[.)]\s*)?[*_]*\s*")
# "Label (hint)?: answer" or "Label (hint)? - answer": the label part is short.
_LABEL_LINE = re.compile(
    r"^(?P<label>[^:?\n]{1,90}?)\s*(?:\([^)\n]{0,80}\))?\s*[*_]*\s*(?::|\?[*_]*\s*:?|\s[-–]\s)\s*(?P<rest>.*)$")
# A label alone on its line, without the colon ("Mi történt?").
_BARE = re.compile(r"^(?P<label>[^:\n]{1,90}?)\s*(?:\([^)\n]{0,80}\))?\s*[?]?\s*[*_]*\s*$")
_STOP = re.compile(r"^\s*(--\s*$|-{2,}\s*(original message|eredeti üzenet|forwarded message|továbbított üzenet))",
                   re.IGNORECASE)
_ATTRIBUTION = re.compile(r"(wrote|írta|irta)\s*(\([^)]*\))?\s*:\s*$", re.IGNORECASE)
_YES = re.compile(r"^(igen|ige|aha|persze|most is|most|jelenleg is|yes|yeah|yep|right now|now|sajnos igen)\b")
_NO = re.compile(r"^(nem(?! tudom| tudni| tudjuk)|nincs|no\b|nope|not\b|currently not)")
_DUNNO = re.compile(r"^(nem tudom|nem tudni|nem tudjuk|nemtom|fogalmam sincs|nem biztos|talan|lehet|"
                    r"i don'?t know|don'?t know|dont know|not sure|no idea|maybe|unknown|\?+$)")


def _field_of(label: str) -> tuple[str, str] | None:
    """(field, language) a label names, or None (a sentence with a colon in it is no label)."""
    key = re.sub(r"\(.*?\)", " ", fold(label))
    key = " ".join(re.sub(r"[^\w'?]+", " ", key).split()).strip(" ?")
    if not key or len(key.split()) > 9:
        return None
    best: tuple[int, str, str] | None = None
    for name, by_lang in _KEYS.items():
        for lang, starts in by_lang.items():
            for start in starts:
                if (key == start or key.startswith((start + " ", start + "?"))) \
                        and (best is None or len(start) > best[0]):
                    best = (len(start), name, lang)
    return (best[1], best[2]) if best else None


def _label_of(line: str) -> tuple[str, str, str] | None:
    """(field, language, rest of the line) if the line is one of the form's labels."""
    bare = _DECOR.sub("", line, count=1)
    m = _LABEL_LINE.match(bare)
    if m and (found := _field_of(m.group("label"))):
        return found[0], found[1], m.group("rest").strip().strip("*_").strip()
    m = _BARE.match(bare)
    if m and (found := _field_of(m.group("label"))):
        # Without a colon only a question ("Mi történt?", "Hol?") or a label word alone ("Egyéb").
        word = fold(m.group("label")).strip(" ?*_")
        if bare.rstrip().endswith("?") or word in _KEYS[found[0]][found[1]]:
            return found[0], found[1], ""
    return None


@dataclass
class Form:
    """What a reply to the form said: field -> the person's words (empty: left blank)."""

    values: dict[str, str] = field(default_factory=dict)
    labels: int = 0  # distinct labels found
    language: str = "hu"

    def answered(self) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if v}

    def as_text(self) -> str:
        """The person's own words as one message (the transcript and the danger screen read this).

        Without the danger question's answer: its words ("most is veszélyben: nem") would read
        as danger to the screen; a yes is acted on by the form itself, and kept in the report."""
        lang = "en" if self.language == "en" else "hu"
        said = "\n".join(f"{wording.text(f'mail_form_short_{k}', lang)}: {v}"
                         for k, v in self.answered().items() if k != "danger_now")
        return said or wording.text("mail_form_transcript", lang)


def parse(body: str) -> Form | None:
    """The filled form in a mail's whole body (quotes included), or None if it holds none."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    values: dict[str, list[str]] = {}
    langs = {"hu": 0, "en": 0}
    current: str | None = None
    for line in lines:
        if _STOP.match(line):
            current = None
            continue
        found = _label_of(line)
        if found:
            name, lang, rest = found
            langs[lang] += 1
            if any(values.get(name, [])):
                current = None  # the label again (our form quoted below a filled one): the first answer counts
                continue
            current = name
            values.setdefault(name, [])
            if rest and not _QUOTE.match(line):
                values[name].append(rest)
            continue
        if current is None or _QUOTE.match(line):
            continue
        if _ATTRIBUTION.search(line.strip()):
            current = None
            continue
        values[current].append(line.rstrip())
    form = Form(labels=len(values), language="en" if langs["en"] > langs["hu"] else "hu")
    for name in FIELDS:
        joined = re.sub(r"\n{3,}", "\n\n", "\n".join(values.get(name, [])).strip())
        form.values[name] = joined[:MAX_VALUE]
    if form.labels < 2 or not form.answered():
        return None
    return form


def danger_answer(value: str) -> str | None:
    """"yes" / "no" / "unknown" for the danger question, None when unclear (it is asked again)."""
    low = fold(value).strip(" .!")
    if not low:
        return None
    if _DUNNO.match(low):
        return UNKNOWN
    if _NO.match(low):
        return "no"
    if _YES.match(low):
        return "yes"
    return None


def is_unknown(value: str) -> bool:
    low = fold(value).strip(" .!")
    return bool(_DUNNO.match(low)) or low in ("-", "?", "n/a", "na")


def normalise(values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The report fields from a form's answers, and the required fields still missing.

    "I don't know" is an answer (kept as ``unknown``), except to "what happened"; a danger
    answer that is neither yes, no nor "don't know" counts as missing (it matters)."""
    out: dict[str, str] = {}
    missing: list[str] = []
    for name in FIELDS:
        value = (values.get(name) or "").strip()
        if name == "danger_now":
            answer = danger_answer(value) if value else None
            if answer:
                out[name] = answer
            else:
                missing.append(name)
            continue
        if not value:
            if name in REQUIRED:
                missing.append(name)
            continue
        if is_unknown(value):
            if name == "what":
                missing.append(name)
            elif name != "other":
                out[name] = UNKNOWN
            continue
        out[name] = value[:MAX_VALUE]
    return out, missing


def scrub(value: str, address: str) -> str:
    """The sender's own address out of what they wrote (replaced like the report's masks)."""
    if not address:
        return value
    from bot.reports.pii import EMAIL, MASKS

    return re.sub(re.escape(address), MASKS[EMAIL], value, flags=re.IGNORECASE)
