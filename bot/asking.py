"""Asking about a danger or telling one: the difference decides whether a handled chat queues again.

The screen scores the words of a message, and a question names the same words as a
disclosure: "Hova lehet jelezni, ha egy gyereket bántalmaznak?" scores as high as "a
nevelőapám bántalmaz". Before a chat was ever with an operator that costs little (the bot
answers while the chat waits). After an operator returned it to the bot it costs a lot: the
question lands at the top of the queue instead of being answered. So after a return a message
queues again only when it brings a new danger: a higher level than the chat was returned at,
or a disclosure. This module says which messages are questions about where to turn.

A message asks (rather than tells) when it has both
- a where-to-turn frame: "hova forduljak", "kinek szóljak", "hol lehet jelezni", "mit tehetek",
  "where can I report", "who can I contact", "what can I do", and
- the danger said as a condition, in general or as the topic: "ha ...", "amennyiben", "if",
  "when", "in case", "egy gyereket", "a child", "children", "a bántalmazás miatt", "about",
and no word of the writer as the one it happens to ("engem", "velem", "me", "I am", "myself")
or of their own home ("az apám", "a párom", "my dad"),
and nothing that says it is happening now ("most", "épp", "right now"). "Az apám megver, hova
forduljak?" is a disclosure with a question, and queues.
"""
from __future__ import annotations

import re
import unicodedata

_WHERE_TO_TURN = re.compile(
    r"\b(hova|kihez|kinek|hol|merre|mit|milyen|melyik|mi a teend\w*|kit)\b"
    r".{0,40}?\b(fordul\w*|szol\w*|jelez\w*|jelent\w*|bejelent\w*|tehet\w*|tegy\w*|tenni|csinal\w*|kerhet\w*|"
    r"kaphat\w*|kerjek|kerni|segit\w*|hivhat\w*|hivjak|erteseit\w*|ertesit\w*|lehet|kell|kellene|erdemes|"
    r"szerv\w*|hatosag\w*|intezmeny\w*)"
    r"|\b(where|who|whom|what|which|how)\b.{0,30}?\b(can|could|should|do|does|to|is|are)\b.{0,30}?"
    r"\b(turn|report|contact|call|tell|go|do|help|get|reach|ask|talk)\b"
    r"|\bis there (a|an|any)\b.{0,30}\b(number|line|place|service|helpline|hotline|shelter)\b"
)
_CONDITION = re.compile(
    r"\b(ha|amennyiben|abban az esetben|olyankor|if|when|in case|whenever)\b"
    r"|\b(egy|egy-egy) (gyerek\w*|gyermek\w*|kisgyerek\w*|kiskoru\w*|fiatal\w*|diak\w*|tanulo\w*)"
    r"|\b(gyerekek\w*|gyermekek\w*)\b|\b(a|any) (child|kid|minor|teenager|student)\b|\b(children|kids|minors)\b"
    # the danger as the topic of the question, not as an act told: "feljelentés a bántalmazás miatt"
    r"|\b(miatt|ugyeben|ugyben|kapcsan|about|regarding)\b"
)
# The writer as the one it happens to, or a time that says it happens now: a disclosure.
_SELF_OR_NOW = re.compile(
    r"\b(engem|engemet|velem|minket|bennunket|nalunk|me|myself|i am|i'm|im|us|"
    r"most|epp|eppen|jelenleg|right now|now|at the moment|currently)\b"
    # one's own family or partner: "ha az apám megver" tells of home, whatever its grammar
    r"|\b(apam|anyam|apu|anyu|nevelo\w*|mostoha\w*|batyam|ocsem|noverem|hugom|nagybatyam|"
    r"nagyapam|parom|ferjem|felesegem|elettarsam)\b"
    r"|\bmy (dad|father|mom|mum|mother|stepdad|stepfather|stepmom|stepmother|brother|sister|uncle|"
    r"grandpa|grandfather|husband|wife|partner|boyfriend|girlfriend|parents?)\b"
)


# "tell me", "help me": the writer as the one asked, not the one harmed.
_ASKED = re.compile(r"\b(tell|help|show|give|let|advise) (me|us)\b")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def asks_where_to_turn(text: str) -> bool:
    """True when the message asks where to turn about a danger it names as a condition or in
    general, not as something done to the writer or happening now."""
    folded = _fold(text)
    return bool(_WHERE_TO_TURN.search(folded) and _CONDITION.search(folded)
                and not _SELF_OR_NOW.search(_ASKED.sub(" ", folded)))


# A thank-you or a greeting said before a question ("thanks. who can I talk to at school?",
# "köszönöm, és meddig lehet ott maradni?"): the NLU reads the courtesy and answers "you're
# welcome", and the question is lost. The question is what the person wants answered.
_COURTESY = re.compile(
    r"^\s*(?:(?:ok(?:e|é|ay)?|rendben|jó|jo|oké|szia|sziasztok|hello|helló|hi|hey|"
    r"köszönöm(?: szépen)?|koszonom(?: szepen)?|köszi|koszi|kösz|kosz|thanks?(?: you)?(?: so much)?|thx|ty)"
    r"\s*[.,!;:]+\s*)+",
    re.IGNORECASE,
)
_MIN_REST_WORDS = 3
_QUESTION_START = re.compile(
    r"^(?:és|es|de|and|but|még|meg|so|akkor)?\s*(?:hova|hová|kinek|kihez|hol|mit|mi|mikor|meddig|mennyi\w*|"
    r"hogyan|hogy|van|lehet|kell|tudn\w*|who|what|where|when|how|can|could|is|are|do|does|should|would|will)\b",
    re.IGNORECASE,
)


def question_after_courtesy(text: str) -> str:
    """The text without a courtesy said first, when a question follows it (three words or
    more after "thanks." / "köszönöm,", with a question mark or a question word first);
    otherwise the text unchanged."""
    m = _COURTESY.match(text)
    if not m:
        return text
    rest = text[m.end():].strip()
    asks = "?" in rest or _QUESTION_START.match(rest)
    return rest if asks and len(rest.split()) >= _MIN_REST_WORDS else text


# "How long until someone writes?" while waiting for an operator: the answer is the queue's
# own (the place, an estimate or "we cannot say", what to do if it is urgent), never Rasa's
# "I'm asking a colleague" again. The wait of the person or of "someone" who will write, not of
# an authority ("meddig kell várni a döntésre?" is a question for the bot).
_ASKS_WAIT = re.compile(
    r"\b(mennyi (ido|ideig)|meddig|mikor|hany perc\w*|mennyit|sokat|sokaig|meg mindig)\b.{0,40}?"
    r"\b(valaki|valakinek|munkatars\w*|kollega\w*|ember\w*|operator\w*|sorra|sorban|ram|rank|"
    r"varnom|varnod|varnia|varnunk|varok|varjak|varni kell nekem)\b"
    r"|\b(varnom|varnod|varnia|varnunk|varok) (meg )?(sokat|sokaig|meddig|mennyit)\b"
    r"|\bhow (long|much longer|many (more )?minutes)\b.{0,40}?\b(wait\w*|someone|somebody|anyone|a person|"
    r"colleague|operator|queue)\b"
    r"|\bwhen (will|does|do|is) (someone|somebody|anyone|a person|a colleague|the colleague|an operator|"
    r"the operator|they|you)\b.{0,30}?\b(write|answer|reply|respond|come|talk|join|be)\b"
    r"|\bhow much longer\b|\bstill waiting\b"
)


_THANKS = re.compile(r"\b(koszonom|koszi|kosz|thanks?|thank you|thx|ertem|rendben|ok|oke|okay|"
                     r"megvarom|varok|i'?ll wait|waiting)\b")


def courtesy_only(text: str) -> bool:
    """True when the message thanks, agrees or says it will wait and asks nothing ("Köszönöm,
    megvárom a munkatársat.", "Értem, köszönöm.", "ok, calling them now"): it needs no
    reminder of what to do."""
    folded = _fold(text)
    return "?" not in text and (bool(_COURTESY.match(text)) or (
        bool(_THANKS.search(folded)) and len(folded.split()) <= 6))


def asks_wait(text: str) -> bool:
    """True when the message asks how long the wait for an operator is."""
    return bool(_ASKS_WAIT.search(_fold(text)))


# "Ezt névtelenül szeretném bejelenteni", "jelenteni akarom", "I want to report this
# anonymously": the person wants to make a report, whatever the NLU answered (a where-to-turn
# answer, the queue). The gateway then opens the report form too (bot.state_router, issue 12),
# so a report asked for in the first message is never lost. A follow-up ("hol tart a
# bejelentésem") names no wish to report and does not count.
_REPORT_VERB = (r"(?:(?:be|fel)?jelent(?:eni|enem|enenk|em|juk)|jelez(?:ni|nem|nenk|em)|"
                r"(?:be|fel)?jelentest|jelzest)\b")
_REPORT_WANT = r"\b(?:szeretn\w*|akar\w*|kivan\w*|fogom|fogok|tennek|teszek)\b"
_WANTS_REPORT = re.compile(
    rf"{_REPORT_WANT}[^.;!?]{{0,40}}?\b{_REPORT_VERB}|\b{_REPORT_VERB}[^.,;!?]{{0,20}}?{_REPORT_WANT}"
    r"|\b(?:want|would like|wish|need|like|going) to (?:make an? (?:anonymous )?)?report\b"
    r"|\bi(?:'d| would)? like to report\b|(?<!where )\bcan i report (?:it|this|that)\b"
    r"|\breport (?:this|it|that)\b.{0,30}\b(?:anonymous\w*|without (?:my|giving my) name)"
    # a draft left half-way, taken up again ("folytatom a bejelentést", "continue the report")
    r"|\bfolytat\w* (?:a |az )?(?:bejelentes|jelzes)\w*|\bcontinue (?:the |my )?report\b"
)


# A report made earlier ("tavaly tettem bejelentést", "a kódom", "hol tart"): follow-up by code.
_EARLIER_REPORT = re.compile(r"\b(?:tettem|tettunk|jeleztem|jelentettem|bejelentettem|kodom|kodot|hol tart\w*|"
                             r"i (?:made|reported|sent)|my (?:case )?code)\b")


# The wish said as a question about this very channel or about making it without a name
# ("Itt a chaten is megtehetem a jelzést?", "Akkor itt jelenteném be, név nélkül", "ezt be lehet
# jelenteni úgy, hogy ne tudják meg, hogy én voltam?", "Can I also report this to you?", "Could I
# file this with you?"): the person means to report here, so the form opens after the answer
# (sealed6: four reports were lost after "yes, send it" to a form never opened). "Hova lehet
# jelezni?", "Where can I report this?" ask for a place and stay questions.
_HERE = (r"(?:itt|ide|itten|nalatok|naluk|onoknel|nalunk|nektek|onoknek|ezen a feluleten|ezen az oldalon|"
         r"(?:a |ebben a |ezen a )?chat(?:en|ben)|csetben|a neten|online)")
# First person or "lehet" ("can it be done"): never the teacher's "jelezni fogja".
_REPORT_ACT = (r"(?:(?:be|fel)?jelent(?:enem|enenk|hetem|hetek|hetnem|hetnenk)|jelez(?:nem|nenk|hetek|hetem|hetnem)|"
               r"(?:be |fel )?lehet(?:ne)? (?:itt |ezt |is |ide )*(?:be|fel)?jelenteni|"
               r"lehet(?:ne)? (?:itt |ezt |is |ide )*jelezni|"
               r"(?:megteh|lead|elkuld|benyujt)(?:etem|etnem|etjuk|atom|hatom|hetem|hatnam|hetnem) "
               r"(?:a |egy |itt |is )*(?:jelzes\w*|bejelentes\w*))")
_ANONYMOUSLY = r"(?:nev nelkul|nevtelen\w*|anonim\w*|ugy,? ?h(?:ogy)? (?:ne|senki)|ne tudjak meg|ne derulj)"
_REPORT_HERE = re.compile(
    rf"\b{_HERE}\b[^.;!?]{{0,40}}?\b{_REPORT_ACT}|\b{_REPORT_ACT}[^.;!?]{{0,30}}?\b{_HERE}\b"
    rf"|\b{_REPORT_ACT}[^.;!?]{{0,30}}?{_ANONYMOUSLY}"
    r"|\b(?:can|could|may|shall) (?:i|we) (?:also |just |still )?(?:report|file|submit|make)\b"
    r"[^.;!?]{0,30}?\b(?:to you|with you|here|through you|through this|in this chat|via this chat|on this chat)\b"
)
_WHERE_ASKED = re.compile(r"\b(?:hova|hol|kinel|kinek|kihez|melyik|where|who|which)\b")


def wants_to_report(text: str) -> bool:
    """True when the message says the writer wants to make a report (Hungarian or English),
    also as a question about making it here or without a name."""
    folded = _fold(text)
    if _EARLIER_REPORT.search(folded):
        return False
    return bool(_WANTS_REPORT.search(folded)) or bool(
        _REPORT_HERE.search(folded) and not _WHERE_ASKED.search(folded))


def report_form_open(buttons: list[str]) -> bool:
    """True when a reply's button payloads show the report form asking (skip / stop / don't
    know): the form is already open, so it is not opened again."""
    return any(p in ("/report_skip", "/report_stop", "/report_dont_know") for p in buttons)
