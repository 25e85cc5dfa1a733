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


async def test_the_erase_hook_reaches_telegram_through_the_registry_it_was_built_with(
        gateway_factory, fake_telegram) -> None:
    """/torles deletes the chat's Telegram messages through the channel's eraser, which the
    channel registered in the app's Delivery when it was built: nothing set afterwards."""
    from bot.appkeys import TELEGRAM

    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(TELEGRAM_BOT_TOKEN="123456:TEST", TELEGRAM_API_BASE_URL=fake_telegram.url,
                               RASA_URL=dead, ACTION_SERVER_URL=dead)
    gateway = gw.app[GATEWAY]
    eraser = gateway.router._erase_hook
    assert eraser.channels is gateway.delivery.erasers
    assert eraser.channels["telegram"] is gw.app[TELEGRAM]


def test_the_app_wires_no_object_after_building_it() -> None:
    """bot/app.py builds each part with what it needs: no attribute of a built object is set
    afterwards (a registry a part registers in when it is built is the way)."""
    import ast
    import inspect

    from bot import app

    tree = ast.parse(inspect.getsource(app))
    late = [ast.unparse(t) for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Attribute)]
    assert late == []
