"""The JSON log lines (structlog) carry only whitelisted fields, never message data."""
from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from bot import logs


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buf = io.StringIO()
    logs.setup("DEBUG")
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)  # what logs.setup installs
    handler.setStream(buf)
    yield buf
    root.handlers[:], root.level = saved
    structlog.reset_defaults()


def lines(buf: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def test_stdlib_record_keeps_template_and_safe_extras_only(captured: io.StringIO) -> None:
    logging.getLogger("bot.x").info("sent to %s", "Kovács Béla", extra={"conv": "tg-1a", "risk": "high",
                                                                        "text": "megvert apa", "chat_id": 42})
    [line] = lines(captured)
    assert line["event"] == "sent to %s" and line["level"] == "info" and line["logger"] == "bot.x"
    assert line["conv"] == "tg-1a" and line["risk"] == "high"
    assert "Kovács" not in captured.getvalue() and "megvert" not in captured.getvalue()
    assert "chat_id" not in line and "text" not in line


def test_structlog_calls_are_whitelisted_too(captured: io.StringIO) -> None:
    structlog.get_logger("bot.y").warning("flood", conv="web-2b", count=9, text="segítség", phone="+3630")
    [line] = lines(captured)
    assert line == {**line, "event": "flood", "level": "warning", "conv": "web-2b", "count": 9}
    assert "text" not in line and "phone" not in line


def test_exceptions_give_type_and_place_never_the_message(captured: io.StringIO) -> None:
    try:
        raise ValueError("a gyerek neve Petike")
    except ValueError:
        logging.getLogger("bot.z").exception("failed")
        structlog.get_logger("bot.z").exception("failed again")
    first, second = lines(captured)
    assert first["exception"].startswith("ValueError at test_logs.py:")
    assert second["exception"].startswith("ValueError at test_logs.py:")
    assert "Petike" not in captured.getvalue()
