"""Words of the project's evaluation and training text that lost lexicon elements against a revision.

Why: the matcher does not stem a word that some pattern spells out, so a new literal form
("ejszak*", "rugta") silently takes away what the word's stem reached before ("éjszakás" lost its
night, "rúgta" its kick; bot/safety/wordlookup.py, ``WordLookup.word``). Run this after editing
lexicon.yml and rewrite the forms it names (use a word class or a bare stem instead).

    .venv/bin/python scripts/lexicon_shadow.py            # against HEAD
    .venv/bin/python scripts/lexicon_shadow.py 315285c    # against any revision

Prints each word (from the project's own test sets, never user text) with the element keys it
lost; a renamed element (one that keeps a shared form) is not counted. Exit status 1 when any
word lost an element, so it can gate a local commit.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.safety import LexiconScreener
from bot.safety.lexicon import load
from bot.safety.normalize import Token, tokenize

UNLIMITED = 10**9  # no slow-look-up budget: every word is looked up in full


def _words() -> dict[str, Token]:
    seen: dict[str, Token] = {}
    for path in sorted((ROOT / "tests" / "data").rglob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#"):
                for tok in tokenize(parts[2]):
                    seen.setdefault(tok.raw, tok)
    return seen


def _keys(screener: LexiconScreener, tok: Token) -> set[str]:
    matcher = screener._matcher  # a developer tool reads the matcher's look-up
    return {matcher.elements[i].key for i in matcher.word(tok, [UNLIMITED]).elements}


def main(argv: list[str]) -> int:
    rev = argv[0] if argv else "HEAD"
    old_text = subprocess.run(["git", "show", f"{rev}:bot/safety/lexicon.yml"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".yml", encoding="utf-8", delete=False) as fh:
        fh.write(old_text)
    old = LexiconScreener(lexicon=load(Path(fh.name)), classifier=False)
    new = LexiconScreener(classifier=False)
    Path(fh.name).unlink()
    words = _words()
    lost = 0
    for raw, tok in sorted(words.items()):
        before, after = _keys(old, tok), _keys(new, tok)
        gone = [k for k in before - after
                if not any(set(k.split("|")) & set(n.split("|")) for n in after)]
        if gone:
            lost += 1
            print(f"{raw}: {', '.join(sorted(gone))[:200]}")
    print(f"{lost} of {len(words)} words lost lexicon elements against {rev}")
    return 1 if lost else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
