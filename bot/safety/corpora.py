"""Real text written outside the project (``../shared/corpora``), read the same way by the
training command and by ``bench/safety_real.py``.

Why one module: the `tune` rows set thresholds and give the reported figures, so training must
never see them, and both sides must agree on which rows they are. Corpora shipped with a
`tune` split keep it; for those shipped with `train` only (the Bible, UI strings, HuCOLA,
HuCoPA, Reddit) a fixed share of rows, chosen by a CRC-32 of the text (stable across runs,
machines and Python versions), is set aside as `tune` here.

Never used at run time by the gateway, and no text from here is ever logged.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
TUNE_SHARE_PCT = 25  # of a corpus shipped without a `tune` split
# Reddit groups of real distress writing; every other group is ordinary or mental-health talk.
DISTRESS_GROUPS = ("suicidewatch", "depression")
# Reddit groups about everyday life (money, law, work, politics...): the ordinary long posts.
ORDINARY_GROUPS = ("personalfinance", "ukpersonalfinance", "legaladvice", "teaching", "ukpolitics",
                   "unitedkingdom", "conspiracy", "guns", "divorce", "mindfulness")


@dataclass(frozen=True)
class Row:
    corpus: str
    group: str
    split: str
    lang: str
    text: str


def corpus_dir() -> Path:
    """The corpora folder: ``../shared/corpora`` next to the checkout (SAFETY_CORPORA overrides)."""
    import os

    env = os.environ.get("SAFETY_CORPORA")
    return Path(env) if env else CORPORA


def _own_tune(text: str) -> bool:
    return zlib.crc32(("tune|" + text).encode("utf-8")) % 100 < TUNE_SHARE_PCT


def load(name: str, directory: Path | None = None) -> list[Row]:
    """All rows of one corpus file (``name`` without .jsonl), with the split this project uses."""
    path = (directory or corpus_dir()) / f"{name}.jsonl"
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    shipped_tune = any(d.get("split") == "tune" for d in raw)
    out = []
    for d in raw:
        text = str(d.get("text") or "")
        split = d.get("split", "train") if shipped_tune else ("tune" if _own_tune(text) else "train")
        out.append(Row(str(d.get("corpus") or name), str(d.get("group") or ""), split, str(d.get("lang") or ""), text))
    return out


def names(directory: Path | None = None) -> list[str]:
    """The corpus files present, sorted."""
    return sorted(p.stem for p in (directory or corpus_dir()).glob("*.jsonl"))
