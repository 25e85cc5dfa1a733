"""Rasa's own logs must not carry message text (scripts/rasa_main.py redacts it)."""
from __future__ import annotations

import subprocess

from tests.conftest import RASA_VENV, ROOT

SNIPPET = """
import runpy, sys
sys.argv = ["rasa_main"]
runpy.run_path("scripts/rasa_main.py", run_name="not_main")
import rasa.utils.log_utils as lu
lu.configure_structlog()
import structlog
structlog.get_logger().error("rest.message.received.timeout", text="apam megvert TITOK-123")
"""


def test_rasa_structlog_event_with_text_is_redacted() -> None:
    out = subprocess.run([str(RASA_VENV / "bin" / "python"), "-c", SNIPPET], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    logged = out.stdout + out.stderr
    assert "rest.message.received.timeout" in logged  # the event itself is still logged
    assert "TITOK-123" not in logged
    assert "[redacted]" in logged
