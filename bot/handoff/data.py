"""The handoff's reviewed wording and lists: person-facing texts, canned replies, outcomes."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
LANGUAGES = ("hu", "en")


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, str]]:
    data = yaml.safe_load((HERE / "texts.yml").read_text(encoding="utf-8"))
    for name, variants in data.items():
        missing = [lang for lang in LANGUAGES if not variants.get(lang)]
        if missing:
            raise ValueError(f"handoff/texts.yml: {name!r} lacks {missing}")
    return data


def text(name: str, language: str = "hu", **values: Any) -> str:
    """The sentence ``name`` in ``language`` (Hungarian when unknown), placeholders filled."""
    variants = _texts()[name]
    out = variants.get(language) or variants.get(language.split("_")[0]) or variants["hu"]
    return out.format(**values) if values else out


def _items(filename: str) -> list[dict[str, str]]:
    data = yaml.safe_load((HERE / filename).read_text(encoding="utf-8"))
    ids = set()
    for item in data:
        if not item.get("id") or any(not item.get(lang) for lang in LANGUAGES) or item["id"] in ids:
            raise ValueError(f"handoff/{filename}: bad or duplicate item {item!r}")
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
