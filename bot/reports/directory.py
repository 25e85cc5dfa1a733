"""The authorities' e-mail addresses a written report may be sent to, each with its source.

No address is ever typed in by hand at send time or invented: the shipped file
(``knowledge/authority_emails.yml``, addresses found in the source documents) and a
deployment's own file (``AUTHORITY_DIRECTORY``) are the only places an address can come
from, and an entry that does not say where its address was found (``source``) and when
(``date``) refuses the whole start, so a wrong or unsourced address never goes unnoticed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.paths import ROOT

SHIPPED = ROOT / "knowledge" / "authority_emails.yml"
FIELDS = {"id", "name", "email", "kind", "settlement", "source", "date", "note"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
# One plain address (no display name, no list): what an SMTP envelope recipient takes.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


class DirectoryError(ValueError):
    """The directory cannot be used; the message lists every problem (file and entry)."""


@dataclass(frozen=True)
class Authority:
    id: str
    name: str
    email: str
    kind: str
    settlement: str
    source: str
    date: str
    note: str
    origin: str  # which file it came from ("shipped" or the deployment's path)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "email": self.email, "kind": self.kind,
                "settlement": self.settlement, "source": self.source, "date": self.date, "note": self.note,
                "origin": self.origin}


def _entries(path: Path, origin: str, problems: list[str]) -> list[Authority]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path}: unreadable ({type(exc).__name__})")
        return []
    rows = data.get("authorities") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        problems.append(f"{path}: needs a list under 'authorities:'")
        return []
    out = []
    for i, row in enumerate(rows):
        where = f"{path}: entry {i + 1}"
        if not isinstance(row, dict):
            problems.append(f"{where}: not a mapping")
            continue
        where += f" ({row.get('id') or row.get('name') or '?'})"
        values = {k: str(v).strip() if v is not None else "" for k, v in row.items()}
        before = len(problems)
        unknown = set(values) - FIELDS
        if unknown:
            problems.append(f"{where}: unknown fields {sorted(unknown)}")
        if not _ID.match(values.get("id", "")):
            problems.append(f"{where}: id must be a-z, 0-9 and '-'")
        if not values.get("name"):
            problems.append(f"{where}: name is missing")
        if not _EMAIL.match(values.get("email", "")):
            problems.append(f"{where}: email is missing or not one plain address")
        if not values.get("source"):
            problems.append(f"{where}: source is missing: say where this address was found")
        if not _DATE.match(values.get("date", "")):
            problems.append(f"{where}: date (YYYY-MM or YYYY-MM-DD) is missing: when was the address checked")
        if len(problems) > before:
            continue
        out.append(Authority(id=values["id"], name=values["name"], email=values["email"].lower(),
                             kind=values.get("kind", ""), settlement=values.get("settlement", ""),
                             source=values["source"], date=values["date"], note=values.get("note", ""),
                             origin=origin))
    return out


class Directory:
    """The loaded entries, by id; first the shipped ones, then the deployment's."""

    def __init__(self, entries: Iterable[Authority]) -> None:
        self.entries: dict[str, Authority] = {a.id: a for a in entries}

    @classmethod
    def load(cls, extra: Iterable[Path] = (), shipped: Path | None = SHIPPED) -> Directory:
        problems: list[str] = []
        entries: list[Authority] = []
        if shipped is not None:
            entries += _entries(shipped, "shipped", problems)
        for path in extra:
            entries += _entries(path, str(path), problems)
        seen: set[str] = set()
        for a in entries:
            if a.id in seen:
                problems.append(f"{a.origin}: id {a.id!r} is used twice")
            seen.add(a.id)
        if problems:
            raise DirectoryError("authority directory refused:\n" + "\n".join(problems))
        return cls(entries)

    def get(self, aid: str) -> Authority | None:
        return self.entries.get(aid)

    def for_settlement(self, settlement: str) -> list[Authority]:
        """Entries for the report's settlement first, then the national ones, then the rest."""
        from knowledge import normalise

        want = normalise(settlement or "")

        def rank(a: Authority) -> tuple[int, str]:
            place = normalise(a.settlement)
            return (0 if want and place == want else 1 if not place else 2, a.name)
        return sorted(self.entries.values(), key=rank)
