"""Every sentence the service says to a person or to staff, in one reviewed catalogue.

The texts live in YAML beside this module (one file per topic, keys unique across files) so
that a reviewer changes wording without reading Python, and so that the gateway (.venv) and
the Rasa action server (.venv-rasa) say the same thing from the same file. Stdlib + PyYAML
only, for that reason (like ``knowledge/``).

An entry names one text in every language, either plainly or in both registers:

    key:
      hu:            # or one string, when the sentence does not address the person
        te: ...      # a child (and whoever writes like one)
        ön: ...      # an adult or a professional
      en: ...        # English has one register; a {te, ön} pair where the words differ

``ön`` is spelled with its accent on purpose: YAML 1.1 reads a bare ``on`` as ``true``.
Lists of items with ids (operators' canned replies, close outcomes) are in ``lists/``; the
words a person or an operator may type for a command or a queue are in ``words/``.
Domain responses (``domain/*.yml``) stay where Rasa reads them; the where-to-turn facts
stay in ``knowledge/``.
"""
from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

WORDING_DIR = Path(__file__).resolve().parent
LANGUAGES = ("hu", "en")
STAFF_LANGUAGE = "hu"  # the operator console and the transcript lines only staff read
REGISTERS = ("te", "ön")
# How to address someone whose persona is not known yet: "te" or "ön". The one place this is
# decided. "te": children are most of the writers, and an adult who writes formally ("Jó
# napot", "kérem", "a lányom", "tanár vagyok") is recognised from that message on and addressed
# with "Ön" (bot/register.py); a writer still unknown writes like a child, and "te" mirrors
# them. Read by the gateway (bot.register.voice: its own and the queue's texts) and the actions
# (actions.common.message, the report form), so one reply never mixes "Ön" and "te"; the
# domain's unconditioned responses are written in it (tests/test_register_unknown.py).
UNKNOWN_REGISTER = "te"
# Names the code uses for a register: bot.register says "formal"/"informal", the report form
# "on"/"te", the gateway's voices "hu"/"hu_formal".
_REGISTER_NAMES = {"te": "te", "informal": "te", "ön": "ön", "on": "ön", "formal": "ön"}


class WordingError(ValueError):
    """The catalogue is inconsistent; the message lists every problem found."""


def _read(directory: Path) -> tuple[dict[str, Any], list[str]]:
    merged: dict[str, Any] = {}
    errors: list[str] = []
    for path in sorted(directory.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(doc, dict):
            errors.append(f"{path.name}: not a mapping of keys to texts")
            continue
        for key, entry in doc.items():
            if key in merged:
                errors.append(f"{path.name}: {key!r} is already defined in another file")
            merged[key] = entry
    return merged, errors


def problems(entries: dict[str, Any]) -> list[str]:
    """Every problem with these entries, as readable lines (empty list: valid)."""
    errors: list[str] = []
    for key, entry in entries.items():
        if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
            errors.append(f"{key}: needs exactly the languages {LANGUAGES}, got {entry!r:.80}")
            continue
        for lang in LANGUAGES:
            value = entry[lang]
            if isinstance(value, dict):
                if set(value) != set(REGISTERS) or not all(isinstance(v, str) and v for v in value.values()):
                    errors.append(f"{key}.{lang}: a registered text needs non-empty 'te' and 'ön'")
            elif not isinstance(value, str) or not value:
                errors.append(f"{key}.{lang}: empty or not a text")
    return errors


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    """All entries, read and checked once per process (the files change with a deploy)."""
    entries, errors = _read(WORDING_DIR)
    errors += problems(entries)
    if errors:
        raise WordingError("\n".join(errors))
    return entries


def register_of(name: str | None) -> str:
    """``te`` or ``ön`` for any name the code uses; unknown or none is ``UNKNOWN_REGISTER``."""
    return _REGISTER_NAMES.get(name or "", UNKNOWN_REGISTER)


def split_voice(voice: str) -> tuple[str, str]:
    """A gateway voice (``hu``, ``hu_formal``, ``en``) as (language, register)."""
    language, _, register = voice.partition("_")
    return language, register_of(register)


def has(key: str) -> bool:
    """Whether the catalogue has this key (for persona-specific variants like ``*_professional``)."""
    return key in catalogue()


def text(key: str, language: str = "hu", register: str | None = None, **values: Any) -> str:
    """The text ``key`` in ``language`` (Hungarian when unknown) and register, filled in.

    ``language`` may be a voice (``hu_formal``); ``register`` wins over the voice's.
    Placeholders (``{code}``) are filled only when values are given, so a text with braces
    can be fetched raw."""
    lang, voice_register = split_voice(language)
    entry = catalogue()[key]
    value = entry.get(lang, entry["hu"])
    if isinstance(value, dict):
        value = value[register_of(register) if register else voice_register]
    return value.format(**values) if values else value


def staff(key: str, **values: Any) -> str:
    """A line only staff read (``staff.yml``, ``pdf.yml``), in the console's language."""
    return text(key, STAFF_LANGUAGE, **values)


def lists() -> dict[str, Any]:
    """The item lists in ``lists/`` by file name (``canned``, ``outcomes``), unchecked."""
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted((WORDING_DIR / "lists").glob("*.yml"))}


@cache
def words(name: str) -> dict[str, str]:
    """``words/<name>.yml`` turned around: each word (lower case) -> what it means."""
    doc = yaml.safe_load((WORDING_DIR / "words" / f"{name}.yml").read_text(encoding="utf-8")) or {}
    out: dict[str, str] = {}
    for meaning, said in doc.items():
        for word in said:
            if str(word).lower() in out:
                raise WordingError(f"words/{name}.yml: {word!r} means two things")
            out[str(word).lower()] = str(meaning)
    return out


def variants(key: str) -> list[str]:
    """Every text of one key (all languages and registers): for tests and number checks."""
    out: list[str] = []
    for value in catalogue()[key].values():
        out.extend(value.values() if isinstance(value, dict) else [value])
    return out
