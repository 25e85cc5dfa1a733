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

Standard library only; nothing here logs or keeps text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# The form's fields in order: the report store's names (bot/reports/store.py FIELDS), and
# ``other`` ("anything else"), which the report keeps as the reporter's first addition.
FIELDS = ("what", "settlement", "child_age", "danger_now", "other")
REQUIRED = ("what", "settlement", "child_age", "danger_now")
MAX_VALUE = 4000
UNKNOWN = "unknown"

# What a person sees: te / Ön / English like bot/texts.yml.
LABELS: dict[str, dict[str, str]] = {
    "hu": {"what": "Mi történt", "settlement": "Hol (település)", "child_age": "A gyerek életkora",
           "danger_now": "Most is veszélyben van a gyerek (igen / nem / nem tudom)",
           "other": "Bármi más, amit fontosnak tartasz"},
    "hu_formal": {"what": "Mi történt", "settlement": "Hol (település)", "child_age": "A gyermek életkora",
                  "danger_now": "Most is veszélyben van a gyermek (igen / nem / nem tudom)",
                  "other": "Bármi más, amit fontosnak tart"},
    "en": {"what": "What happened", "settlement": "Where (town or village)", "child_age": "The child's age",
           "danger_now": "Is the child in danger right now (yes / no / don't know)",
           "other": "Anything else you think matters"},
}
# Short labels for the text that goes through the gateway (transcript, screening); the
# danger question's answer is not part of it (see Form.as_text).
SHORT: dict[str, dict[str, str]] = {
    "hu": {"what": "Mi történt", "settlement": "Hol", "child_age": "Életkor", "other": "Egyéb"},
    "en": {"what": "What happened", "settlement": "Where", "child_age": "Age", "other": "Anything else"},
}

TEXTS: dict[str, dict[str, str]] = {
    "offer": {
        "hu": ("Névtelen bejelentés e-mailben\n"
               "Ha nem tudsz vagy nem szeretnél chatelni, e-mailben is jelezheted, ha egy gyereket bántanak vagy "
               "veszélyben van. Válaszolj erre a levélre, és írd a kérdések után, amit tudsz; ha valamit nem "
               "tudsz, írd: nem tudom. A nevedre és az elérhetőségedre nincs szükség, az e-mail-címedet pedig nem "
               "tesszük bele a bejelentésbe."),
        "hu_formal": ("Névtelen bejelentés e-mailben\n"
                      "Ha nem tud vagy nem szeretne chatelni, e-mailben is jelezheti, ha egy gyermeket bántanak vagy "
                      "veszélyben van. Válaszoljon erre a levélre, és írja a kérdések után, amit tud; ha valamit nem "
                      "tud, írja: nem tudom. A nevére és az elérhetőségére nincs szükség, az e-mail-címét pedig nem "
                      "tesszük bele a bejelentésbe."),
        "en": ("Anonymous report by e-mail\n"
               "If you cannot or would rather not chat, you can also tell us by e-mail that a child is being hurt "
               "or is in danger. Reply to this e-mail and write what you know after each question; if you don't "
               "know something, write: don't know. We don't need your name or contact details, and your e-mail "
               "address is not put into the report."),
    },
    "missing": {
        "hu": ("Köszönjük, hogy leírtad. Hogy a bejelentést rögzíthessük, ezekre még szükségünk van:\n{missing}\n"
               "Válaszolj erre a levélre, és írd a kérdés után a választ (ha nem tudod, írd: nem tudom). Amit "
               "eddig megírtál, megőriztük, nem kell újra leírnod."),
        "hu_formal": ("Köszönjük, hogy leírta. Hogy a bejelentést rögzíthessük, ezekre még szükségünk van:\n"
                      "{missing}\nKérjük, válaszoljon erre a levélre, és írja a kérdés után a választ (ha nem "
                      "tudja, írja: nem tudom). Amit eddig megírt, megőriztük, nem kell újra leírnia."),
        "en": ("Thank you for writing it down. To record the report we still need:\n{missing}\n"
               "Reply to this e-mail and write the answer after the question (if you don't know, write: don't "
               "know). We have kept what you wrote so far; you don't need to write it again."),
    },
    "saved": {
        "hu": ("Köszönjük, a bejelentést rögzítettük, és egy munkatársunk foglalkozik vele. A kilétedet senkinek "
               "nem adjuk ki, és az e-mail-címed nem került bele a bejelentésbe.\n"
               "Az ügy kódja: {code}\n"
               "Írd le, és tartsd biztonságos helyen. Ha később ezt a kódot elküldöd nekünk (válaszként erre a "
               "levélre, vagy a weboldal chatjében), megtudod, hol tart az ügy, és kiegészítheted a bejelentést.\n"
               "Ha más is olvashatja a leveleidet, a kód leírása után töröld ezt a levelet, és a te leveledet az "
               "elküldött levelek közül is.\n"
               "Ha valaki most veszélyben van, hívd a 112-t."),
        "hu_formal": ("Köszönjük, a bejelentést rögzítettük, és egy munkatársunk foglalkozik vele. A kilétét "
                      "senkinek nem adjuk ki, és az e-mail-címe nem került bele a bejelentésbe.\n"
                      "Az ügy kódja: {code}\n"
                      "Kérjük, írja le, és tartsa biztonságos helyen. Ha később ezt a kódot elküldi nekünk "
                      "(válaszként erre a levélre, vagy a weboldal chatjében), megtudja, hol tart az ügy, és "
                      "kiegészítheti a bejelentést.\n"
                      "Ha más is olvashatja a leveleit, a kód leírása után törölje ezt a levelet, és a saját "
                      "levelét az elküldött levelek közül is.\n"
                      "Ha valaki most veszélyben van, hívja a 112-t."),
        "en": ("Thank you: the report is recorded, and a colleague of ours will deal with it. We never tell "
               "anyone who you are, and your e-mail address is not in the report.\n"
               "Case code: {code}\n"
               "Write it down and keep it somewhere safe. If you send us this code later (in reply to this "
               "e-mail, or in the chat on our website), you can see how the case is going and add to the report.\n"
               "If someone else may read your e-mails, delete this e-mail once you have written the code down, "
               "and your own e-mail from your sent mail too.\n"
               "If someone is in danger right now, call 112."),
    },
    "pii": {
        "hu": ("A leveledben {found} is szerepel. A saját nevedre és elérhetőségedre nincs szükség: ezeket "
               "kitöröljük a bejelentésből, mielőtt továbbítjuk."),
        "hu_formal": ("A levelében {found} is szerepel. A saját nevére és elérhetőségére nincs szükség: ezeket "
                      "kitöröljük a bejelentésből, mielőtt továbbítjuk."),
        "en": ("Your e-mail includes {found}. We don't need your own name or contact details: they will be "
               "removed from the report before it is passed on."),
    },
    "cancelled": {
        "hu": "Rendben, a félig kitöltött bejelentést elvetettük, nem került sehová. Bármikor újrakezdheted.",
        "hu_formal": "Rendben, a félig kitöltött bejelentést elvetettük, nem került sehová. Bármikor újrakezdheti.",
        "en": "All right, we have discarded the unfinished report; it went nowhere. You can start again any time.",
    },
}
PII_WORDS = {"hu": {"phone": "telefonszám", "email": "e-mail-cím", "name": "név", "and": "és"},
             "en": {"phone": "a phone number", "email": "an e-mail address", "name": "a name", "and": "and"}}


def text(name: str, voice: str, **values: str) -> str:
    variants = TEXTS[name]
    out = variants.get(voice) or variants.get(voice.split("_")[0]) or variants["hu"]
    return out.format(**values) if values else out


def labels(voice: str) -> dict[str, str]:
    return LABELS.get(voice) or LABELS.get(voice.split("_")[0]) or LABELS["hu"]


def offer(voice: str) -> str:
    """The form as it ends an answer mail: a short kind intro, then one question a line."""
    return text("offer", voice) + "\n\n" + "\n".join(f"{label}:" for label in labels(voice).values())


def missing_text(missing: list[str], voice: str) -> str:
    names = labels(voice)
    return text("missing", voice, missing="\n".join(f"{names[f]}:" for f in missing))


def pii_text(kinds: list[str], voice: str) -> str:
    words = PII_WORDS["en" if voice == "en" else "hu"]
    found = [words[k] for k in kinds]
    listed = found[0] if len(found) == 1 else ", ".join(found[:-1]) + f" {words['and']} " + found[-1]
    return text("pii", voice, found=listed)


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
        short = SHORT["en" if self.language == "en" else "hu"]
        said = "\n".join(f"{short[k]}: {v}" for k, v in self.answered().items() if k != "danger_now")
        return said or ("[report form]" if self.language == "en" else "[bejelentő űrlap]")


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
