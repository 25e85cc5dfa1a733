"""An operator whose console is gone past the grace period: their chat returns to the
queue, first in line, and the person is told (no silent stranding)."""
from __future__ import annotations

import time

from bot import keys
from bot.appkeys import HANDOFF
from bot.console.accounts import add_operator
from bot.handoff import data
from bot.handoff.operators import Operator
from tests.conftest import free_port


async def test_disconnected_operators_chat_returns_to_the_front(gateway_factory, http, redis) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    svc = gw.app[HANDOFF]
    await add_operator(redis, "anna", "a-long-password-123")
    anna = Operator("anna", "operator")

    session = "grace-session-0001"
    async with http.post(f"{gw.url}/api/chat", json={"session": session, "text": "/operator"}) as resp:
        assert (await resp.json())["state"] == "queued"
    pid = (await svc.queue.waiting())[0].pid
    await svc.presence.heartbeat("anna")
    await svc.claim(pid, anna)
    assert await svc.requeue_orphans() == 0  # still within the grace period

    # Her heartbeat runs out (browser gone, never reconnected).
    await redis.zadd(keys.handoff_online(), {"anna": time.time() - 1})
    svc.presence.forget()
    assert await svc.requeue_orphans() == 1
    waiting = await svc.queue.waiting()
    assert [w.pid for w in waiting] == [pid] and waiting[0].position == 1
    assert not await redis.smembers(keys.operator_chats("anna"))
    async with http.get(f"{gw.url}/api/chat/{session}/messages") as resp:
        body = await resp.json()
    assert body["state"] == "queued"
    assert any(data.text("operator_lost", "hu") in m["text"] for m in body["messages"])
    assert await svc.requeue_orphans() == 0  # moved once
