"""One report as the desk handles it: its fields, status, checklist and what it holds.

Apart from where reports are kept (bot.reports.store) so the rules of a report (the form's
fields and how they are cleaned, the statuses, the immediate-danger checklist and when the
parents are left out of it, when an operator must review the reporter's own data) read
without Redis or the key ring.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.reports import pii

RECEIVED, FORWARDED, CLOSED = "received", "forwarded", "closed"
STATUSES = (RECEIVED, FORWARDED, CLOSED)
UNKNOWN = "unknown"  # the reporter answered "I don't know"

# The form's questions, in order. A field missing from ``fields`` was skipped.
FIELDS = ("what", "child_age", "settlement", "address", "danger_now", "relation", "since", "others_know")
MAX_FIELD = 4000
MAX_ADDITION = 4000
MAX_ITEMS = 200

# Immediate danger, in the seeds' order: police, then the family and child welfare
# centre, then the parents unless they are the source of danger.
CHECKLIST = ("police", "welfare_centre", "parents")
# Word starts naming a parent: apa/apja/apám/apu(ka), anya/anyja/anyám/anyu(ka),
# szülő(k)/szülei, mostoha-, nevelő-; and the English words.
_PARENT = re.compile(
    r"\b(?:ap[aájuó]|any[aájuó]|szül[őöe]|mostoha|nevelő|édesap|édesany|father|mother|parent|dad|mum|mom|"
    r"step-?(?:father|mother|dad|mum|mom))",
    re.IGNORECASE,
)


def parents_are_source(relation: str | None) -> bool:
    """Whether the stated relation of who causes harm names a parent or step-parent."""
    if not relation or relation == UNKNOWN:
        return False
    return bool(_PARENT.search(relation))


def clean_fields(raw: dict[str, Any]) -> dict[str, str]:
    """Keep only known fields, as trimmed text; drop skipped ones; map "don't know"."""
    out: dict[str, str] = {}
    for name in FIELDS:
        value = raw.get(name)
        if value is None or isinstance(value, (dict, list)):
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        text = str(value).strip()
        if not text or text.lower() in ("skipped", "skip", "none", "null"):
            continue
        if text.lower() in (UNKNOWN, "dont_know", "don't know", "nem tudom"):
            text = UNKNOWN
        if name == "danger_now":
            low = text.lower()
            text = "yes" if low in ("yes", "igen", "true") else "no" if low in ("no", "nem", "false") else UNKNOWN
        out[name] = text[:MAX_FIELD]
    return out


@dataclass
class Report:
    code: str
    created: float
    fields: dict[str, str]
    language: str = "hu"
    status: str = RECEIVED
    updated: float = 0.0
    immediate: bool = False
    additions: list[dict[str, Any]] = field(default_factory=list)  # from the reporter: {ts, text}
    notes: list[dict[str, Any]] = field(default_factory=list)  # operator's: {ts, text, by}
    messages: list[dict[str, Any]] = field(default_factory=list)  # to the reporter: {ts, text, by, delivered}
    authority: dict[str, Any] | None = None  # {id?, name, address?, email?, by, ts}
    checklist: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> {ts, by, note|skipped}
    history: list[dict[str, Any]] = field(default_factory=list)  # status changes {ts, status, by}
    # An operator's review of the reporter's own contact details / name found in the text:
    # {ts, by, kinds, additions: how many additions it covered}.
    pii_review: dict[str, Any] | None = None
    # Mails of the written report to an authority (bot.reports.mail): {id, to: {id, name,
    # email, source}, status: queued|sent|failed|gave_up, attempts, by, queued, sent?, error?, next_try?}.
    mails: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rid(self) -> str:  # filled in by the store
        return self.__dict__.get("_rid", "")

    @property
    def ref(self) -> str:
        """A short reference for the written report: not the code, not reversible to it."""
        return self.rid[:10].upper()

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @classmethod
    def from_dict(cls, data: dict[str, Any], rid: str) -> Report:
        r = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        r.__dict__["_rid"] = rid
        return r

    def pii_kinds(self) -> list[str]:
        """What kinds of the reporter's own data its text seems to hold (computed, never stored)."""
        return pii.kinds_in([*self.fields.values(), *(a.get("text") for a in self.additions)])

    def needs_pii_review(self) -> bool:
        """Whether an operator must review it before export: found data not covered by a review."""
        if self.pii_review is None:
            return bool(self.pii_kinds())
        covered = int(self.pii_review.get("additions") or 0)
        return bool(pii.kinds_in(a.get("text") for a in self.additions[covered:]))

    def checklist_steps(self) -> list[dict[str, Any]]:
        """The immediate-danger steps in order, each with its state."""
        out = []
        for step in CHECKLIST:
            rec = self.checklist.get(step)
            na = step == "parents" and parents_are_source(self.fields.get("relation"))
            out.append({"step": step, "done": bool(rec), "record": rec, "not_applicable": na})
        return out


class ReportError(Exception):
    """An operation a report does not allow (e.g. a checklist step out of order)."""
