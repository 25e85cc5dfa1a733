"""What the person typed, read before anything else: commands, buttons, a few phrases.

Apart from the message path so the words the bot obeys (``/torles``, ``/munkatars``, from
wording/words/commands.yml) and the phrase checks that change its answer can be read and
tested without a gateway, Redis or Rasa.
"""
from __future__ import annotations

import re
import unicodedata

import wording
from bot.inbound import Inbound

# Everything else that starts with "/" loses its slash: Rasa would read it as an intent
# command (a typed "/restart" un-pauses a paused tracker).
COMMANDS: dict[str, str] = wording.words("commands")
_PAYLOAD = re.compile(r"^/([a-z][a-z0-9_]{0,63})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NEVER_FORWARD = frozenset({"restart", "session_start", "back", "out_of_scope_internal"})
HANDOFF_INTENTS = frozenset({"talk_to_human"})
# "I can't phone": the emergency reply must offer what works without a call.
NO_PHONE = re.compile(
    r"nem (tudok|merek|akarok|birok|lehet) (telefonalni|hivni|felhivni|telefonon|beszelni)"
    r"|(telefonalni|telefonon beszelni|hivni) nem (tudok|merek|akarok|birok|lehet)"
    r"|(meghallja|meghallanak|figyeli a telefonom)|nem akarok 112|nincs telefon"
    r"|nem (tudok|merek) (senkit|senkinek|senkit sem|senkinek sem) (felhivni|hivni|telefonalni)"
    r"|figyeli,? (ha|amikor|hogy) (telefonal|hiv)|(ha|amikor) telefonalok,? (figyel|hallja|meghallja)"
    r"|(can'?t|cannot|can not|unable to|don'?t want to) (call|phone|talk)|no phone"
    r"|instead of (calling|phoning|a call)|(he|she|they)('d| would| will| might| could) hear"
    # who cannot hear a call: the phone is no way for them ("hard of hearing", "siket vagyok")
    r"|(can'?t|cannot|can not|unable to) use (the |a |my )?(tele)?phone|hard of hearing|\bdeaf\b"
    r"|(can'?t|cannot|can not|unable to) (make|take) (any )?(phone )?calls?"
    r"|\bsiket|nagyothall|hallasserult"
)
# Feelings and hurt said in plain words: after one of these the bot never answers "write it
# differently" (the screen may rightly score them below concern).
DISTRESS = re.compile(
    r"\b(nincs (egy )?(barat|senkim|kivel)|egyedul|magany|szomoru|felek|felnek|sirok|sirtam|bant|"
    r"utal(nak|ok)|nem birom|nem boldogul|nehez|rossz nekem|kiabal|csufol|szekal|piszkal|nem szeret|"
    r"depresszi|szorong|remenytelen|elegem van|nem bir(ok|om)|"
    r"lonely|alone|no friends|sad\b|scared|afraid|crying|bullied|hate(s)? me|can'?t cope|struggl|"
    r"depressed|anxious|hopeless|nobody|no one)"
)


def fold(text: str) -> str:
    """Lower case without accents, for the gateway's own few phrase checks."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def clean_text(raw: str) -> str:
    """Drop control characters (keep newlines and tabs) and surrounding blanks. Only
    invisible characters (zero-width spaces, a byte-order mark) is nothing written: the
    person sees an empty message and is told so, not "I did not understand"."""
    text = _CONTROL.sub("", raw).strip()
    if all(c.isspace() or unicodedata.category(c) == "Cf" for c in text):
        return ""
    return text


def interpret_command(text: str, intents: frozenset[str]) -> tuple[str, str]:
    """Classify typed text: ``("text", t)``, ``("intent", "/x")`` or ``("handoff"|"erase", "")``."""
    if not text.startswith("/"):
        return "text", text
    word = text[1:].partition(" ")[0]
    word = word.split("@", 1)[0].lower()  # Telegram appends @botname in groups
    mapped = COMMANDS.get(word)
    if mapped in ("handoff", "erase"):
        return mapped, ""
    if mapped and mapped[1:] in intents:
        return "intent", mapped
    stripped = text.lstrip("/").strip()
    return "text", stripped


def effective_text(msg: Inbound, intents: frozenset[str]) -> tuple[str, str | None]:
    """What the person said: (text, intent payload of a known button or None)."""
    text = clean_text(msg.text or "")
    payload = (msg.payload or "").strip()
    if payload:
        m = _PAYLOAD.match(payload)
        if m and m.group(1) in intents and m.group(1) not in NEVER_FORWARD:
            return text, payload
        # Keep the slash: a button's "/torles" must erase like the typed command;
        # interpret_command() still strips it from anything unknown.
        return clean_text(payload), None
    return text, None


# Emoji alone with a weapon or a blow and tears or fear ("🔪😭"): a gentle "are you safe?",
# not "not sure I understood" (issue 12). Only the pair: a lone knife is a kitchen, a lone
# crying face a sad film; neither raises the danger level (the screen reads words).
_WEAPON_EMOJI = frozenset("🔪🗡🔫🪓💣🩸👊🤛🤜⚔")
_TEARS_EMOJI = frozenset("😭😢😥😰😨😱😓😖😫😩💔😿🥺😞😣😟")
_EMOJI_GLUE = frozenset("\ufe0f\ufe0e\u200d")  # variation selectors, zero-width joiner


def alarm_emoji(text: str) -> bool:
    """True when the message is emoji only, with a weapon or blow and tears or fear."""
    chars = [c for c in text if not c.isspace() and c not in _EMOJI_GLUE
             and not ("\U0001f3fb" <= c <= "\U0001f3ff")]  # skin tones
    if not chars or any(unicodedata.category(c) != "So" for c in chars):
        return False
    return any(c in _WEAPON_EMOJI for c in chars) and any(c in _TEARS_EMOJI for c in chars)
