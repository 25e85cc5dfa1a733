"""Run the ``rasa`` command with message text kept out of its logs.

Rasa 3.6 logs the user's text in some structlog events (e.g. a REST request that
timed out logs ``rest.message.received.timeout`` with ``text=...``); its own
anonymiser only works with Rasa Pro's pipeline. This launcher replaces that
processor with one that redacts the same keys, then hands over to Rasa's CLI.
Usage: ``.venv-rasa/bin/python scripts/rasa_main.py run ...`` (same arguments as ``rasa``).
"""
from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

# A conversation's lock in the Redis lock store lives TICKET_LOCK_LIFETIME seconds (Rasa's
# default 60). A Rasa process killed while answering leaves its ticket there, and every other
# process then waits for it: after a `kill -9`, 4-10 messages a run timed out at the gateway
# (RASA_TIMEOUT, 10 s) while their conversations stayed locked for a minute (bench/rasa_lock.py).
# The gateway never waits longer than RASA_TIMEOUT for an answer, and sends a conversation's next
# message only after its last one was answered or timed out, so a lock outliving that protects
# nothing: it lives as long as the gateway waits. Set before Rasa is imported (read at import).
os.environ.setdefault("TICKET_LOCK_LIFETIME", str(max(1, math.ceil(float(os.environ.get("RASA_TIMEOUT") or 10)))))

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
