"""Run the ``rasa`` command with message text kept out of its logs.

Rasa 3.6 logs the user's text in some structlog events (e.g. a REST request that
timed out logs ``rest.message.received.timeout`` with ``text=...``); its own
anonymiser only works with Rasa Pro's pipeline. This launcher replaces that
processor with one that redacts the same keys, then hands over to Rasa's CLI.
Usage: ``.venv-rasa/bin/python scripts/rasa_main.py run ...`` (same arguments as ``rasa``).
"""
from __future__ import annotations

from typing import Any

import sys
from pathlib import Path

import rasa.utils.log_utils as log_utils

# The repository root, so endpoints.redis.yml can name rasa_addons.* (Rasa would otherwise
# fall back silently to an in-memory tracker store when the module is not found).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The keys Rasa's own anonymiser would treat (rasa/utils/log_utils.py), plus the sender id.
SENSITIVE = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message", "metadata",
})


def _redact(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in SENSITIVE.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


log_utils._anonymizer = _redact  # looked up when Rasa configures structlog, after this

if __name__ == "__main__":
    from rasa.__main__ import main

    main()
