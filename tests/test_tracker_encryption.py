"""Rasa's trackers reach Redis sealed: no message text in the stored bytes, and the
custom store really is in use (Rasa falls back to memory silently if it is not found)."""
from __future__ import annotations

from tests.test_e2e_rasa import chat, rasa_env


async def test_rasa_tracker_in_redis_is_encrypted(rasa_stack, gateway_factory, http, redis) -> None:
    gw = await gateway_factory(**rasa_env(rasa_stack))
    await chat(http, gw.url, "tracker-enc-session-1", "szia, a mostohaapám TITKOSSZO-4711 miatt írok")
    trackers = [k async for k in redis.scan_iter("rasa:tracker:*")]
    stored = [await redis.get(k) for k in trackers if (await redis.type(k)) == b"string"]
    assert stored, f"no Rasa tracker in Redis (keys: {trackers})"  # in-memory fallback would leave none
    blob = b"".join(v or b"" for v in stored)
    assert b"TITKOSSZO-4711" not in blob and b"mostoha" not in blob
    assert all(v.startswith(b"gAAAAA") for v in stored if v)  # Fernet tokens
