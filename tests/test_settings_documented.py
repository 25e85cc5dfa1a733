"""Every environment variable the settings module reads is in the README's table (it drifted:
fourteen were missing), and none the README lists is read by nobody."""
from __future__ import annotations

import re

from tests.conftest import ROOT

READ = re.compile(r'''env(?:\.get\(|, )"([A-Z][A-Z0-9_]+)"''')
# read outside bot/config.py: the Rasa environment, the danger screen, the report PDF, the scripts
ELSEWHERE = {"KNOWLEDGE_OFFICES_FILE", "KNOWLEDGE_ALLOW_SAMPLE", "REPORT_PDF_FONT", "SAFETY_CORPORA",
             "SAFETY_NO_HUNSPELL", "TRACKER_ENCRYPTION_KEYS", "REDIS_PORT", "REDIS_DIR", "MAXMEMORY",
             "RASA_PROCESSES",  # RASA_PROCESSES: scripts/rasa.sh and scripts/env.sh
             "TICKET_LOCK_LIFETIME"}  # Rasa's own, defaulted by scripts/rasa_main.py


def _readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration (environment)", 1)[1].split("\n## ", 1)[0]
    return {name for row in section.splitlines() if row.startswith("| `")
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_setting_is_documented() -> None:
    read = set(READ.findall((ROOT / "bot" / "config.py").read_text(encoding="utf-8")))
    assert len(read) > 30
    assert not read - _readme_table()


def test_the_readme_lists_no_setting_nobody_reads() -> None:
    read = set(READ.findall((ROOT / "bot" / "config.py").read_text(encoding="utf-8"))) | ELSEWHERE
    assert not _readme_table() - read
