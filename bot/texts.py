"""The gateway's own sentences (``texts.yml``), picked by language."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

_PATH = Path(__file__).with_name("texts.yml")
LANGUAGES = ("hu", "en")


@lru_cache(maxsize=1)
def _load() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(_PATH.read_text(encoding="utf-8"))
    for name, variants in data.items():
        missing = [lang for lang in LANGUAGES if not variants.get(lang)]
        if missing:
            raise ValueError(f"texts.yml: {name!r} lacks {missing}")
    return data


def text(name: str, language: str = "hu") -> str:
    """The sentence ``name`` in ``language`` (Hungarian when the language is unknown).

    ``language`` may name a register too (``hu_formal``, see bot.register); a text without
    that variant falls back to the plain language."""
    variants = _load()[name]
    return variants.get(language) or variants.get(language.split("_")[0]) or variants["hu"]
