"""A Rasa process killed while answering must not hold its conversation for a minute.

Its ticket in the Redis lock store lives TICKET_LOCK_LIFETIME seconds (Rasa's default 60), and
every other Rasa process waits for it; the gateway gives up on Rasa after RASA_TIMEOUT (10 s).
bench/rasa_lock.py shows the whole effect with a real kill -9; here: the lifetime the launcher
(scripts/rasa_main.py, which every way of starting Rasa uses) gives Rasa's lock store."""
from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT, require_rasa_venv

PROBE = ("import sys; sys.path.insert(0, 'scripts'); import rasa_main; "
         "from rasa.core import lock_store; print(lock_store.LOCK_LIFETIME)")


def lifetime(**env: str) -> int:
    python = require_rasa_venv()
    base = {k: v for k, v in os.environ.items() if k not in ("TICKET_LOCK_LIFETIME", "RASA_TIMEOUT")}
    out = subprocess.run([str(python), "-c", PROBE], cwd=ROOT, env={**base, **env}, capture_output=True,
                         text=True, timeout=120, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def test_a_conversation_lock_lives_as_long_as_the_gateway_waits_for_rasa() -> None:
    assert lifetime() == 10  # Rasa's own 60 outlives the gateway's wait six times
    assert lifetime(RASA_TIMEOUT="7.5") == 8
    assert lifetime(TICKET_LOCK_LIFETIME="30") == 30  # an operator's explicit choice stands
