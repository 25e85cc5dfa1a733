"""Liveness apart from readiness: /livez stays 200 while the gateway can give 112, whatever
Rasa, the action server or Redis do; /readyz (and /healthz, unchanged) report them."""
from __future__ import annotations

from bot import texts
from tests.conftest import RedisServer, free_port


async def _get(http, url: str) -> tuple[int, dict]:
    async with http.get(url) as resp:
        return resp.status, await resp.json()


async def test_rasa_down_is_alive_but_not_ready(gateway_factory, http) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    status, body = await _get(http, f"{gw.url}/livez")
    assert (status, body) == (200, {"status": "alive"})
    for path in ("/readyz", "/healthz"):
        status, body = await _get(http, f"{gw.url}{path}")
        assert status == 503, path
        assert {"rasa", "action_server"} <= set(body["failed"]) and "redis" not in body["failed"]


async def test_redis_down_is_alive_and_still_answers_112(gateway_factory, http, redis_server: RedisServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    redis_server.stop()
    try:
        status, _ = await _get(http, f"{gw.url}/livez")
        assert status == 200
        status, body = await _get(http, f"{gw.url}/readyz")
        assert status == 503 and "redis" in body["failed"]
        # what "alive" promises: a danger message gets the emergency reply
        async with http.post(f"{gw.url}/api/chat", json={
                "session": "probe-session-redis-down",
                "text": "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek"}) as resp:
            replies = (await resp.json())["replies"]
        assert replies[0]["text"] == texts.text("emergency", "hu") and "112" in replies[0]["text"]
    finally:
        redis_server.start()


async def test_livez_fails_when_the_emergency_reply_is_lost(gateway_factory, http, monkeypatch) -> None:
    """The probe checks something: without 112 at hand the process is not fit to serve."""
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    monkeypatch.setattr(texts, "text", lambda name, language="hu": "")
    status, body = await _get(http, f"{gw.url}/livez")
    assert status == 503 and body["status"] == "broken"
    assert body["problems"] == ["emergency text (hu) lacks 112", "emergency text (en) lacks 112"]
