"""Redis stopped mid-conversation: the person still gets the emergency numbers, the
message is kept and processed when Redis is back, and nothing stored is lost (AOF)."""
from __future__ import annotations

import asyncio

from bot import texts
from tests.conftest import RedisServer, free_port


async def chat(http, url: str, session: str, text: str) -> dict:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text}) as resp:
        assert resp.status == 200
        return await resp.json()


async def messages(http, url: str, session: str, after: int = 0) -> dict:
    async with http.get(f"{url}/api/chat/{session}/messages", params={"after": after}) as resp:
        assert resp.status == 200
        return await resp.json()


async def test_redis_restart_mid_conversation(gateway_factory, http, redis_server: RedisServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    session = "fault-redis-session-1"
    first = await chat(http, gw.url, session, "szia")
    before = await messages(http, gw.url, session)
    assert before["messages"], "the first exchange is stored"

    redis_server.stop()
    try:
        during = await chat(http, gw.url, session, "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek")
        text = " ".join(r["text"] for r in during["replies"])
        assert "112" in text and "116 111" in text
        assert during["replies"][0]["text"] == texts.text("emergency", "hu")  # 112 first
        assert texts.text("store_unavailable", "hu") in text
    finally:
        redis_server.start()

    # The kept message is processed once Redis answers: it reaches the queue.
    for _ in range(100):
        state = (await messages(http, gw.url, session))["state"]
        if state == "queued":
            break
        await asyncio.sleep(0.1)
    assert state == "queued"
    after = await messages(http, gw.url, session)
    seqs = [m["seq"] for m in after["messages"]]
    assert seqs[: len(before["messages"])] == [m["seq"] for m in before["messages"]]  # nothing lost (AOF)
    assert first["cursor"] >= 1
