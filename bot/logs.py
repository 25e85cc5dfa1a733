"""JSON-lines logging that can only carry what we allow.

Log records carry fixed fields (event, level, logger) plus a whitelist of
``extra`` fields that hold no message text and no raw identifiers; anything
else passed as ``extra`` is dropped rather than written.
"""
from __future__ import annotations

import json
import logging
import sys
import time

SAFE_FIELDS = frozenset(
    {"conv", "channel", "kind", "level", "state", "ms", "error", "status", "skill",
     "reason", "operator", "position", "component", "count", "attempt", "url", "port",
     "categories", "outcome", "event_type", "retry_after"}
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": round(time.time(), 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage() if not record.args else record.msg,
        }
        for name in SAFE_FIELDS:
            if name in record.__dict__:
                out[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type and where it happened, never its message: messages
            # of library exceptions can quote the data they choked on.
            etype = record.exc_info[0].__name__
            tb = record.exc_info[2]
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else ""
            out["exception"] = f"{etype} at {where}"
        return json.dumps(out, ensure_ascii=False)


def setup(level: str = "INFO") -> None:
    """Route all logging, ours and the libraries', through the JSON formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that log request URLs (which carry the bot token) or bodies stay quiet.
    for noisy in ("httpx", "httpcore", "telegram", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
