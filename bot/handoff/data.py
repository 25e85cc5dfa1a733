"""The handoff's reviewed lists (canned replies, outcomes) and its texts from ``wording/``."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

import wording

LISTS = wording.WORDING_DIR / "lists"  # canned replies and close outcomes: items with ids
LANGUAGES = ("hu", "en")


def text(name: str, language: str = "hu", **values: Any) -> str:
    """The sentence ``name`` in ``language`` (Hungarian when unknown), placeholders filled."""
    return wording.text(name, language, **values)


def staff_word(kind: str, value: str) -> str:
    """The staff word for a level, skill or reason (``staff_<kind>_<value>``); unknown: as is."""
    key = f"staff_{kind}_{value}"
    return wording.staff(key) if wording.has(key) else value


def _items(filename: str) -> list[dict[str, str]]:
    data = yaml.safe_load((LISTS / filename).read_text(encoding="utf-8"))
    ids = set()
    for item in data:
        if not item.get("id") or any(not item.get(lang) for lang in LANGUAGES) or item["id"] in ids:
            raise ValueError(f"wording/lists/{filename}: bad or duplicate item {item!r}")
        ids.add(item["id"])
    return data


@lru_cache(maxsize=1)
def outcomes() -> list[dict[str, str]]:
    """Close categories (Child Helpline International's contact classification)."""
    return _items("outcomes.yml")


@lru_cache(maxsize=1)
def canned() -> list[dict[str, str]]:
    """Canned replies for operators, Hungarian and English."""
    return _items("canned.yml")


def outcome_ids() -> frozenset[str]:
    return frozenset(o["id"] for o in outcomes())
