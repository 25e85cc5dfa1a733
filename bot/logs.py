"""JSON-lines logging (structlog) that can only carry what we allow.

Everything, our ``logging`` calls, the libraries' and ``structlog.get_logger()``
calls, goes through one structlog ``ProcessorFormatter`` whose first processor
rebuilds each event from fixed fields (ts, level, logger, event) plus a whitelist
of fields that hold no message text and no raw identifiers; anything else is
dropped rather than written. A %-style message is logged as its template, never
with its arguments filled in (arguments are where data hides), and an exception
as its type and place, never its message.
"""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

SAFE_FIELDS = frozenset(
    {"conv", "channel", "kind", "risk", "state", "ms", "error", "status", "skill",
     "reason", "operator", "position", "component", "count", "attempt", "url", "port",
     "categories", "outcome", "event_type", "retry_after"}
)


def _where(exc_info: Any) -> str | None:
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if not exc_info or exc_info[0] is None:
        return None
    etype, _, tb = exc_info
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else ""
    return f"{etype.__name__} at {where}"


def whitelist(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    """The only fields that reach the output; built afresh, so nothing else slips through."""
    record: logging.LogRecord | None = event_dict.get("_record")
    if record is not None and not event_dict.get("_from_structlog"):
        # A stdlib record: the template, not the formatted message; extras from the record.
        event = record.msg if record.args else record.getMessage()
        source: Mapping[str, Any] = record.__dict__
        level, name = record.levelname.lower(), record.name
        exc = event_dict.get("exc_info") or record.exc_info
    else:
        event = event_dict.get("event")
        source = event_dict
        level = str(event_dict.get("level") or method).lower()
        name = record.name if record is not None else str(event_dict.get("logger", ""))
        exc = event_dict.get("exc_info") or (record.exc_info if record is not None else None)
    out: dict[str, Any] = {"ts": round(time.time(), 3), "level": level, "logger": name, "event": str(event)}
    for field in SAFE_FIELDS:
        if field in source:
            out[field] = source[field]
    where = _where(exc)
    if where:
        out["exception"] = where
    return out


def formatter() -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        processors=[whitelist, structlog.processors.JSONRenderer(ensure_ascii=False)],
        use_get_message=False,
    )


def setup(level: str = "INFO") -> None:
    """Route all logging, ours and the libraries', through the JSON formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    structlog.configure(
        processors=[structlog.stdlib.add_log_level, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    # Libraries that log request URLs (which carry the bot token) or bodies stay quiet.
    for noisy in ("httpx", "httpcore", "telegram", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
