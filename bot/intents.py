"""What the gateway reads of the Rasa domain: the intents it declares (the only ones a button
payload may name) and the texts of a response (to know the greeting when it comes again)."""
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


def load_response_texts(domain: Path, name: str) -> frozenset[str]:
    """Every text variant of the response ``name`` (all languages and registers)."""
    files = sorted(domain.rglob("*.yml")) if domain.is_dir() else [domain]
    texts: set[str] = set()
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for variant in (data.get("responses") or {}).get(name) or []:
            if isinstance(variant, dict) and variant.get("text"):
                texts.add(str(variant["text"]).strip())
    return frozenset(texts)
