"""A supervisor blocks an abusive conversation for 24 h, with an audit entry; immediate
danger still reaches a human."""
from __future__ import annotations

from bot import keys
from tests.conftest import free_port

AUTH = {"Authorization": "Bearer test-operator-token-0123456789"}


async def post(http, url: str, session: str, text: str) -> dict:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text}) as resp:
        return await resp.json()


async def test_block_silences_the_bot_for_24h_but_not_immediate_danger(gateway_factory, http, redis) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    session = "block-session-0001"
    assert (await post(http, gw.url, session, "/operator"))["state"] == "queued"
    async with http.get(f"{gw.url}/api/operator/queue", headers=AUTH) as resp:
        pid = (await resp.json())["waiting"][0]["id"]
    async with http.post(f"{gw.url}/api/operator/chats/{pid}/block", headers=AUTH,
                         json={"reason": "ismételt trollkodás"}) as resp:
        assert resp.status == 200
    assert 23 * 3600 < await redis.ttl(keys.blocked(pid)) <= 24 * 3600
    audit = await redis.xrange(keys.audit_blocks())
    assert audit and audit[-1][1][b"by"] == b"api" and audit[-1][1][b"conv"] == pid.encode()
    async with http.get(f"{gw.url}/api/operator/queue", headers=AUTH) as resp:
        assert (await resp.json())["waiting"] == []

    # The bot no longer answers, and the chat does not re-enter the queue...
    ordinary = await post(http, gw.url, session, "szia, megint én")
    assert ordinary["replies"] == [] and ordinary["state"] == "bot"
    again = await post(http, gw.url, session, "/operator")
    assert again["replies"] == [] and again["state"] == "bot"
    # ...but immediate danger still gets 112 and a human.
    danger = await post(http, gw.url, session, "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek")
    assert "112" in danger["replies"][0]["text"] and danger["state"] == "queued"


async def test_only_supervisors_block(gateway_factory, http) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    async with http.post(f"{gw.url}/api/operator/chats/we-0123456789abcdef0123456789abcdef/block",
                         json={}) as resp:
        assert resp.status == 401
