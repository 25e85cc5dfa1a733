"""``python -m bot.safety``: one message a line in, one JSON result a line out.

Contract used by other checks: UTF-8 lines on stdin; for each, exactly one line
``{"level": ..., "categories": [...], "matches": [...]}`` on stdout, flushed at
once. Nothing else is printed, and message text is never logged.
"""
from __future__ import annotations

import io
import json
import sys

from bot.safety import default_screener


def main() -> int:
    screener = default_screener()
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="\n")
    out = sys.stdout
    for line in stdin:
        text = line[:-1] if line.endswith("\n") else line
        text = text[:-1] if text.endswith("\r") else text
        out.write(json.dumps(screener.screen(text).to_dict(), ensure_ascii=False) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
