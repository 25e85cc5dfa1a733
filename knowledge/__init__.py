"""Where-to-turn knowledge: services, problem routing, local offices.

The data lives in YAML beside this module so that operators can correct a phone
number or a procedure without touching code or retraining the Rasa model. This
package only loads and validates it (stdlib + pyyaml) so it can be imported from
both virtualenvs: the Rasa action server (.venv-rasa) and pytest (.venv).
"""
from __future__ import annotations

import csv
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

import wording

KNOWLEDGE_DIR = Path(__file__).resolve().parent
LANGS = ("hu", "en")
PERSONAS = ("child", "adult", "professional")
OFFICE_FIELDS = ("settlement", "district", "service", "address", "phone", "source", "date")
SAMPLE_ENV = "KNOWLEDGE_ALLOW_SAMPLE"
OFFICES_ENV = "KNOWLEDGE_OFFICES_FILE"

SERVICE_KEYS = {"name", "what", "when", "procedure", "contacts", "local", "via",
                "facts_source", "facts_date", "aliases"}
CONTACT_KEYS = {"kind", "value", "note", "source", "date", "beside"}
ROUTING_KEYS = {"intent", "local", "services", "child", "adult", "professional",
                 "what_happens", "danger_now", "screen", "unknown_persona", "near"}
ROUTE_SERVICE_KEYS = {"id", "why"}
OFFICE_KEYS = set(OFFICE_FIELDS) | {"sample"}

# Hungarian case endings after a settlement name, accents stripped ("Pécsen",
# "Győrben", "Szegedről", "Pécsett"); anything else (e.g. "Pécsvárad") is
# another place and must not match.
CASE_SUFFIXES = frozenset({
    "", "i", "n", "en", "on", "an", "ben", "ban", "be", "ba", "bol", "rol", "ra", "re",
    "hoz", "hez", "tol", "nal", "nel", "ig", "val", "vel", "nak", "nek", "ett", "ott", "et", "ot",
    "ert", "iak", "iek",
})
_DATE_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
# A phone-like run: digits joined by spaces, slashes or hyphens, at least 3 digits.
PHONE_RE = re.compile(r"(?<!\d)\+?\d(?:[\d /-]*\d)?(?!\d)")
# Digit runs in the texts that are not phone numbers: "24/7" and the example case code.
NOT_PHONE_RE = re.compile(r"24/7|\b[A-Z]{3}-\d{3}-[A-Z]{3}\b")


class KnowledgeError(ValueError):
    """The data files are inconsistent; the message lists every problem found."""


def load_yaml(path: Path) -> Any:
    """Read one YAML file (safe loader: the files are data, never code)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def normalise(text: str) -> str:
    """Lowercase, strip accents and collapse spaces: "Pécs" and "pecs" match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", re.sub(r"[^\w ]+", " ", stripped)).strip()


def phone_digits(text: str) -> set[str]:
    """Digit strings of phone-like runs (3+ digits) in a text, e.g. {"0680205520"}."""
    found = set()
    for match in PHONE_RE.finditer(NOT_PHONE_RE.sub(" ", text)):
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) >= 3:
            found.add(digits)
    return found


def is_truthy(value: Any) -> bool:
    """CSV/env style booleans: 1, true, yes, igen."""
    return str(value).strip().lower() in {"1", "true", "yes", "igen", "y"}


@dataclass
class Knowledge:
    """Everything the actions need, loaded once."""

    services: dict[str, dict[str, Any]]
    routing: dict[str, dict[str, Any]]
    offices: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def problem_for_intent(self, intent: str | None) -> str | None:
        """The routing key whose `intent` is this Rasa intent, if any."""
        for key, entry in self.routing.items():
            if entry.get("intent") == intent:
                return key
        return None

    def problem_for_screen(self, categories: list[str]) -> str | None:
        """The routing key of the first danger-screen category (bot/safety/lexicon.yml) that a
        problem lists under `screen`, if any: what the person told, when NLU named no problem."""
        for category in categories:  # in order: the gravest latest danger comes first
            for listed in ("screen", "near"):  # a problem's own danger, else a kindred one
                for key, entry in self.routing.items():
                    if category in (entry.get(listed) or []):
                        return key
        return None

    def covers(self, problem: str, categories: list[str]) -> bool:
        """True if the problem's answer is about one of these danger-screen categories (its
        `screen` list, or `near`: a kindred danger it answers too, e.g. a child alone and neglect)."""
        entry = self.routing.get(problem) or {}
        return bool({*(entry.get("screen") or []), *(entry.get("near") or [])} & set(categories))

    def directory_phones(self) -> set[str]:
        """Digits of every phone number in services.yml and the office list."""
        phones: set[str] = set()
        for service in self.services.values():
            for contact in service.get("contacts") or []:
                if contact.get("kind") == "phone":
                    phones.add(re.sub(r"\D", "", str(contact["value"])))
        for office in self.offices:
            if office.get("phone"):
                phones.add(re.sub(r"\D", "", str(office["phone"])))
        return phones

    def find_offices(self, text: str, allow_sample: bool | None = None) -> list[dict[str, Any]]:
        """Offices whose settlement occurs in `text` (any case suffix: "Pécsen").

        Sample rows are refused unless KNOWLEDGE_ALLOW_SAMPLE=1, so fictional
        test data can never reach a real person.
        """
        if allow_sample is None:
            allow_sample = is_truthy(os.environ.get(SAMPLE_ENV, "0"))
        words = normalise(text).split()
        hits = []
        for office in self.offices:
            if office.get("sample") and not allow_sample:
                continue
            name = normalise(str(office.get("settlement", ""))).split()
            if not name:
                continue
            for i in range(len(words) - len(name) + 1):
                window = words[i:i + len(name)]
                last, stem = window[-1], name[-1]
                if (window[:-1] == name[:-1] and last.startswith(stem)
                        and last[len(stem):] in CASE_SUFFIXES):
                    hits.append(office)
                    break
        return hits


def offices_path() -> Path:
    """Where the local-office directory lives (override with KNOWLEDGE_OFFICES_FILE)."""
    return Path(os.environ.get(OFFICES_ENV) or KNOWLEDGE_DIR / "offices.yml")


def load_offices(path: Path | None = None) -> list[dict[str, Any]]:
    """The imported local offices; an absent file means an empty directory."""
    path = path or offices_path()
    if not path.exists():
        return []
    data = load_yaml(path) or {}
    return list(data.get("offices") or [])


def load(directory: Path | None = None, offices_file: Path | None = None) -> Knowledge:
    """Load services, routing and offices from the knowledge folder."""
    directory = directory or KNOWLEDGE_DIR
    services_doc = load_yaml(directory / "services.yml") or {}
    routing_doc = load_yaml(directory / "routing.yml") or {}
    if offices_file is None and directory != KNOWLEDGE_DIR:
        offices_file = directory / "offices.yml"
    return Knowledge(
        services=services_doc.get("services") or {},
        routing=routing_doc.get("problems") or {},
        offices=load_offices(offices_file),
        sources=services_doc.get("sources") or {},
    )


def _check_bilingual(value: Any, where: str, errors: list[str]) -> None:
    if not isinstance(value, dict) or any(not value.get(lang) for lang in LANGS):
        errors.append(f"{where}: needs non-empty 'hu' and 'en' texts")


def _check_date(value: Any, where: str, errors: list[str]) -> None:
    if not value or not _DATE_RE.match(str(value)):
        errors.append(f"{where}: date must be YYYY-MM or YYYY-MM-DD, got {value!r}")


def validate(knowledge: Knowledge) -> list[str]:
    """Every problem in the data, as readable lines (empty list = valid)."""
    errors: list[str] = []
    for sid, service in knowledge.services.items():
        where = f"services.{sid}"
        for key in set(service) - SERVICE_KEYS:
            errors.append(f"{where}: unknown field {key!r}")
        for key in ("name", "what", "when", "procedure"):
            _check_bilingual(service.get(key), f"{where}.{key}", errors)
        if service.get("facts_source") not in knowledge.sources:
            errors.append(f"{where}.facts_source: unknown source {service.get('facts_source')!r}")
        _check_date(service.get("facts_date"), f"{where}.facts_date", errors)
        aliases = service.get("aliases") or []
        if not isinstance(aliases, list) or any(not isinstance(a, str) or a != normalise(a) for a in aliases):
            errors.append(f"{where}.aliases: a list of lower-case texts without accents")
        if service.get("via") and service["via"] not in knowledge.services:
            errors.append(f"{where}.via: unknown service {service['via']!r}")
        for i, contact in enumerate(service.get("contacts") or []):
            cwhere = f"{where}.contacts[{i}]"
            for key in set(contact) - CONTACT_KEYS:
                errors.append(f"{cwhere}: unknown field {key!r}")
            if not contact.get("value") or contact.get("kind") not in {"phone", "email", "web"}:
                errors.append(f"{cwhere}: needs kind (phone/email/web) and value")
            if contact.get("source") not in knowledge.sources:
                errors.append(f"{cwhere}: unknown source {contact.get('source')!r}")
            _check_date(contact.get("date"), f"{cwhere}.date", errors)
            if "note" in contact:
                _check_bilingual(contact["note"], f"{cwhere}.note", errors)
    intents_seen: dict[str, str] = {}
    for pid, entry in knowledge.routing.items():
        where = f"routing.{pid}"
        for key in set(entry) - ROUTING_KEYS:
            errors.append(f"{where}: unknown field {key!r}")
        intent = entry.get("intent")
        if not intent:
            errors.append(f"{where}: missing intent")
        elif intent in intents_seen:
            errors.append(f"{where}: intent {intent!r} already used by {intents_seen[intent]}")
        else:
            intents_seen[intent] = pid
        for key in ("child", "adult", "professional", "what_happens", "danger_now"):
            _check_bilingual(entry.get(key), f"{where}.{key}", errors)
        if not entry.get("services"):
            errors.append(f"{where}: no services")
        for i, route in enumerate(entry.get("services") or []):
            for key in set(route) - ROUTE_SERVICE_KEYS:
                errors.append(f"{where}.services[{i}]: unknown field {key!r}")
            if route.get("id") not in knowledge.services:
                errors.append(f"{where}.services[{i}]: unknown service {route.get('id')!r}")
            _check_bilingual(route.get("why"), f"{where}.services[{i}].why", errors)
    for i, office in enumerate(knowledge.offices):
        errors.extend(f"offices[{i}]: {e}" for e in office_errors(office, knowledge))
    known = knowledge.directory_phones()
    for text in iter_texts(knowledge.routing, wording.catalogue(), wording.lists()):
        for digits in phone_digits(text):
            if not any(p.endswith(digits) for p in known):
                errors.append(f"phone-like number {digits!r} in a text is not in the directory")
    return errors


def iter_texts(*docs: Any) -> Iterable[str]:
    """Every string inside nested dicts/lists (used to scan texts for numbers)."""
    for doc in docs:
        if isinstance(doc, str):
            yield doc
        elif isinstance(doc, dict):
            yield from iter_texts(*doc.values())
        elif isinstance(doc, list):
            yield from iter_texts(*doc)


def office_errors(office: dict[str, Any], knowledge: Knowledge) -> list[str]:
    """Problems with one local-office row (source and date are mandatory)."""
    errors = [f"unknown field {key!r}" for key in set(office) - OFFICE_KEYS]
    for key in ("settlement", "service", "source", "date"):
        if not str(office.get(key) or "").strip():
            errors.append(f"missing {key}")
    if office.get("service") and office["service"] not in knowledge.services:
        errors.append(f"unknown service {office['service']!r}")
    if office.get("date"):
        _check_date(office["date"], "date", errors)
    if not office.get("phone") and not office.get("address"):
        errors.append("needs a phone or an address")
    return errors


def read_offices_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of an offices CSV (settlement,district,service,address,phone,source,date[,sample])."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(line for line in handle if not line.startswith("#"))]
    offices = []
    for row in rows:
        office: dict[str, Any] = {k: (row.get(k) or "").strip() for k in OFFICE_FIELDS}
        sample = is_truthy(row.get("sample", "")) or office["source"].upper().startswith("SAMPLE")
        if sample:
            office["sample"] = True
        extra = set(row) - set(OFFICE_FIELDS) - {"sample"}
        for key in extra:
            office[key] = row[key]
        offices.append(office)
    return offices


def import_offices(csv_path: Path, out_path: Path | None = None,
                   knowledge: Knowledge | None = None) -> int:
    """Validate a CSV and merge it into the office directory; returns rows written.

    Rows replace existing ones with the same (settlement, service). Nothing is
    written if any row is invalid, so a half-broken import can't go live.
    """
    knowledge = knowledge or load()
    out_path = out_path or offices_path()
    new_rows = read_offices_csv(csv_path)
    errors = [f"row {i + 2}: {e}" for i, row in enumerate(new_rows)
              for e in office_errors(row, knowledge)]
    if errors:
        raise KnowledgeError("\n".join(errors))
    current = load_offices(out_path)
    key = lambda o: (normalise(str(o.get("settlement", ""))), o.get("service"))  # noqa: E731
    replaced = {key(o) for o in new_rows}
    merged = [o for o in current if key(o) not in replaced] + new_rows
    merged.sort(key=lambda o: (normalise(str(o["settlement"])), str(o["service"])))
    header = ("# Local offices, imported with `python -m knowledge import-offices FILE.csv`.\n"
              f"# Last import: {date.today().isoformat()}. Rows with sample: true are\n"
              "# fictional and never shown to users (unless KNOWLEDGE_ALLOW_SAMPLE=1).\n")
    body = yaml.safe_dump({"version": 1, "offices": merged}, allow_unicode=True, sort_keys=False)
    out_path.write_text(header + body, encoding="utf-8")
    return len(new_rows)
