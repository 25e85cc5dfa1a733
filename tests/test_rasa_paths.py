"""Rasa's data, domain and endpoints are found where Rasa looks by default.

A Rasa user runs `rasa train`, `rasa data validate`, `rasa shell` from the repository root
with no flags; the Makefile, the scripts and the gateway must use the same paths. The one
place that names the topic folders is the pair of links `data -> nlu_data` and
`domain.yml -> domain` (the Dockerfile recreates them, checked below).
"""
from __future__ import annotations

import os
import re

import yaml

from bot.config import Settings
from tests.conftest import ROOT

# Rasa 3.6's defaults (rasa/shared/constants.py): DEFAULT_DATA_PATH, DEFAULT_DOMAIN_PATH.
LINKS = {"data": "nlu_data", "domain.yml": "domain"}


def test_rasa_default_paths_are_links_to_the_topic_folders() -> None:
    for link, target in LINKS.items():
        path = ROOT / link
        assert path.is_symlink(), f"{link} must be a link to {target}/"
        assert os.readlink(path) == target
        assert path.is_dir() and any(path.rglob("*.yml"))


def test_dockerfile_makes_the_same_links() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    made = dict((link, target) for target, link in re.findall(r"ln -s (\S+) (\S+)", text))
    assert made and all(LINKS[link] == target for link, target in made.items()), made
    assert "data" in made and "domain.yml" in made


def test_no_script_or_module_names_the_paths_again() -> None:
    """Scripts pass no --data/--domain/--config: Rasa's defaults are the single source."""
    for name in ("Makefile", "scripts/train.sh", "scripts/model_hash.sh", "scripts/rasa.sh",
                 "scripts/actions.sh", "scripts/run.sh", "scripts/shell.sh"):
        text = (ROOT / name).read_text(encoding="utf-8")
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        for flag in ("--data", "--domain", "--config", "nlu_data", "domain/"):
            assert flag not in code, f"{name} names {flag!r}: use Rasa's default paths"
    assert Settings.__dataclass_fields__["domain_dir"].default == ROOT / "domain.yml"


def test_plain_endpoints_need_no_environment() -> None:
    """`rasa shell` reads endpoints.yml; an unset ${VAR} there makes Rasa refuse to start."""
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    assert "${" not in text
    data = yaml.safe_load(text)
    assert data["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"
    service = yaml.safe_load((ROOT / "endpoints.redis.yml").read_text(encoding="utf-8"))
    assert service["tracker_store"]["type"].endswith("EncryptedRedisTrackerStore")
