"""The intents the Rasa domain declares: the only ones a button payload may name."""
from __future__ import annotations

from pathlib import Path

import yaml


def load_intents(domain: Path) -> frozenset[str]:
    """Collect intent names from a domain file or a folder of domain files."""
    files = sorted(domain.rglob("*.yml")) if domain.is_dir() else [domain]
    names: set[str] = set()
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("intents") or []:
            names.add(next(iter(item)) if isinstance(item, dict) else str(item))
    return frozenset(names)
