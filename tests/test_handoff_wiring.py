"""The handoff gets its parts at construction: one data key ring for the whole app, not a
second Sealer of its own (two key rings would drift apart on a key rotation), and the abuse guard."""
from __future__ import annotations

from bot import abuse
from bot.appkeys import GATEWAY, HANDOFF
from tests.conftest import free_port


async def test_the_handoff_uses_the_apps_one_sealer(gateway_factory) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    handoff, gateway = gw.app[HANDOFF], gw.app[GATEWAY]
    assert handoff.sealer is gateway.store._sealer
    assert handoff.guard is gw.app[abuse.GUARD]  # given at construction, not set afterwards
