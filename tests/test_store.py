"""The conversation store on a real Redis: cursor order, sealing, expiry, erasure."""
from __future__ import annotations

import asyncio

from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot import keys
from bot.crypto import Sealer
from bot.redis_values import as_bytes, as_text, stream_entries
from bot.screening import Level, RiskState
from bot.store import BOT, PERSON, TO_STAFF, ConversationStore, State


def make_store(redis: Redis, ttl: int = 3600) -> ConversationStore:
    return ConversationStore(redis, Sealer([Fernet.generate_key().decode()]), ttl)


async def test_append_gives_increasing_cursor_and_read_after(redis: Redis) -> None:
    store = make_store(redis)
    seqs = [await store.append("p1", PERSON, f"uzenet {i}") for i in range(5)]
    assert seqs == [1, 2, 3, 4, 5]
    later = await store.read("p1", after=3)
    assert [e.seq for e in later] == [4, 5]
    assert [e.text for e in later] == ["uzenet 3", "uzenet 4"]


async def test_concurrent_appends_never_share_a_cursor(redis: Redis) -> None:
    store = make_store(redis)
    seqs = await asyncio.gather(*(store.append("p2", BOT, "x") for _ in range(50)))
    assert sorted(seqs) == list(range(1, 51))


async def test_text_is_sealed_in_redis(redis: Redis) -> None:
    store = make_store(redis)
    await store.append("p3", PERSON, "apam megvert tegnap este")
    await store.set_route("p3", {"channel": "telegram", "chat_id": 987654321})
    dump = b""
    async for key in redis.scan_iter("*"):
        kind = as_text(await redis.type(key))
        if kind == "stream":
            for _, fields in stream_entries(await redis.xrange(key)):
                dump += b"".join(fields.values())
        elif kind == "string":
            dump += as_bytes(await redis.get(key) or b"")
    assert b"megvert" not in dump
    assert b"987654321" not in dump
    assert await store.get_route("p3") == {"channel": "telegram", "chat_id": 987654321}


async def test_staff_entries_hidden_from_person(redis: Redis) -> None:
    store = make_store(redis)
    await store.append("p4", BOT, "latja")
    await store.append("p4", "operator", "belso jegyzet", audience=TO_STAFF)
    assert [e.text for e in await store.read("p4")] == ["latja"]
    assert [e.text for e in await store.read("p4", staff=True)] == ["latja", "belso jegyzet"]


async def test_every_conversation_key_expires(redis: Redis) -> None:
    store = make_store(redis, ttl=1234)
    conv = await store.load("p5")
    await store.save(conv, channel="web", risk=RiskState(level=Level.HIGH))
    await store.append("p5", PERSON, "szia")
    await store.set_route("p5", {"channel": "web"})
    found = [k async for k in redis.scan_iter(f"{keys.PREFIX}:conv:p5*")]
    assert len(found) >= 4
    for key in found:
        ttl = await redis.ttl(key)
        assert 0 < ttl <= 1234, key


async def test_state_moves_only_from_allowed_states(redis: Redis) -> None:
    store = make_store(redis)
    conv = await store.load("p6")
    await store.save(conv, channel="web")
    assert await store.move(conv, State.QUEUED, (State.BOT,))
    assert not await store.move(conv, State.QUEUED, (State.BOT,))
    assert (await store.load("p6")).state == State.QUEUED


async def test_erase_leaves_no_key(redis: Redis) -> None:
    store = make_store(redis)
    conv = await store.load("p7")
    await store.save(conv, channel="web")
    await store.append("p7", PERSON, "szia")
    await store.set_route("p7", {"channel": "web"})
    await store.erase("p7")
    assert [k async for k in redis.scan_iter(f"{keys.PREFIX}:conv:p7*")] == []
