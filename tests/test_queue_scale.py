"""A long operator queue (~7,000 fake chats made the queue API 2 MB and a second, and every
queue event a pass over everyone waiting): position updates read the head of
each queue per event and tell the rest at the periodic pass, only when their place changed by
a tenth; the queue API and the console's snapshot are pages with the whole queue's counts.

Real Redis, the real gateway app; no Rasa (nothing here reaches the bot). Work is counted as
Redis's own command statistics (commands run inside Lua scripts included), never timed."""
from __future__ import annotations

import json
import time
import uuid
from typing import Any

from redis.asyncio import Redis

from bot import keys
from bot.appkeys import HANDOFF
from bot.redis_values import as_text
from tests.conftest import free_port

AUTH = {"Authorization": "Bearer test-operator-token-0123456789"}


def new_pid() -> str:
    return "we-" + uuid.uuid4().hex


async def fill(svc: Any, redis: Redis, n: int, skill: str = "child", priority: str = "requested",
               told: bool = True) -> list[str]:
    """``n`` web chats queued in ``skill``, each told its place long ago (as the queue does)."""
    pids = [new_pid() for _ in range(n)]
    async with redis.pipeline(transaction=False) as pipe:
        for pid in pids:
            pipe.hset(keys.conv(pid), mapping={"channel": "web", "language": "hu"})
        await pipe.execute()
    for pid in pids:
        await svc.queue.enqueue(pid, priority, skill, "requested")
    mine = set(pids)  # in queue order (several enqueued within one millisecond sort by id)
    pids = [m.decode() for m in await redis.zrange(keys.handoff_queue(skill), 0, -1) if m.decode() in mine]
    if told:
        async with redis.pipeline(transaction=False) as pipe:
            for i, pid in enumerate(pids):
                pipe.hset(keys.handoff_ticket(pid), mapping={"told_pos": i + 1, "told_at": "1"})
            await pipe.execute()
    return pids


async def hmget_calls(redis: Redis) -> int:
    return int((await redis.info("commandstats")).get("cmdstat_hmget", {}).get("calls", 0))


async def online(svc: Any, operator_account: Any, name: str = "pos-op") -> None:
    await operator_account(name, skills=("child", "adult", "professional"))
    await svc.presence.heartbeat(name)
    svc.presence.forget()


async def test_a_queue_event_reads_the_head_of_the_queue_not_everyone(gateway_factory, redis: Redis,
                                                                      operator_account) -> None:
    gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{free_port()}")
    svc = gw.app[HANDOFF]
    await online(svc, operator_account)
    pids = await fill(svc, redis, 300)
    assert await svc.queue.claim(pids[0], "pos-op")  # the head is taken: everyone moves up one
    await redis.config_resetstat()
    before = await hmget_calls(redis)
    await svc.update_positions()  # what a queue event runs
    reads = await hmget_calls(redis) - before
    assert reads < 150  # not each waiting conversation, every event
    # The first 20 heard their new place; 21st and beyond moved by one of hundreds: not told.
    for pid in pids[1:21]:
        assert (await redis.hget(keys.handoff_ticket(pid), "told_pos")) is not None
    told = {pid: int(as_text(await redis.hget(keys.handoff_ticket(pid), "told_pos"))) for pid in pids[1:]}
    assert [told[p] for p in pids[1:21]] == list(range(1, 21))
    assert told[pids[200]] == 201  # unchanged: told 201, now 200 (a change nobody notices)


async def test_further_back_a_place_is_told_when_it_moved_by_a_tenth_at_the_periodic_pass(
        gateway_factory, redis: Redis, operator_account, monkeypatch) -> None:
    monkeypatch.setattr("bot.handoff.waits.POSITION_PAGE", 40, raising=False)  # 300 in several pages
    gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{free_port()}")
    svc = gw.app[HANDOFF]
    await online(svc, operator_account)
    pids = await fill(svc, redis, 300)
    for pid in pids[:25]:
        assert await svc.queue.claim(pid, "pos-op")
    await svc.update_positions()  # an event: the head only
    assert int(as_text(await redis.hget(keys.handoff_ticket(pids[100]), "told_pos"))) == 101
    await svc.update_positions(everyone=True)  # the periodic pass walks the whole queue
    tickets = {p: await redis.hmget(keys.handoff_ticket(p), "told_pos") for p in (pids[100], pids[289], pids[299])}
    assert int(as_text(tickets[pids[100]][0])) == 76  # 101 -> 76: moved by a quarter, told
    assert int(as_text(tickets[pids[289]][0])) == 290  # 290 -> 265: less than a tenth, not told
    assert int(as_text(tickets[pids[299]][0])) == 300
    # what the person now 76th heard, in their own transcript
    entries = await gw.app[HANDOFF].store.read(pids[100], 0)
    assert any("76" in e.text for e in entries)


async def test_the_queue_api_is_paged_and_walks_the_whole_queue_in_order(gateway_factory, redis: Redis, http) -> None:
    gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{free_port()}")
    svc = gw.app[HANDOFF]
    await fill(svc, redis, 150, "child", told=False)
    await fill(svc, redis, 90, "adult", told=False)
    await fill(svc, redis, 10, "adult", "immediate", told=False)
    everyone = [(w.pid, w.position) for w in await svc.queue.waiting()]
    assert len(everyone) == 250
    seen: list[tuple[str, int]] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "100", **({"after": cursor} if cursor else {})}
        async with http.get(f"{gw.url}/api/operator/queue", params=params, headers=AUTH) as resp:
            assert resp.status == 200
            raw = await resp.read()
            body = json.loads(raw)
        pages += 1
        assert len(body["waiting"]) <= 100 and body["total"] == 250
        assert body["counts"]["immediate"] == 10
        seen += [(w["id"], w["position"]) for w in body["waiting"]]
        cursor = body["next"]
        if cursor is None:
            break
        assert pages < 10
    assert seen == everyone  # same order, same places, nobody twice or left out
    async with http.get(f"{gw.url}/api/operator/queue", params={"after": "x"}, headers=AUTH) as resp:
        assert resp.status == 400


async def test_the_console_snapshot_carries_the_head_and_the_counts(gateway_factory, redis: Redis,
                                                                   operator_account, console_login) -> None:
    gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{free_port()}")
    svc = gw.app[HANDOFF]
    await fill(svc, redis, 300, told=False)
    oldest = min(w.enqueued for w in await svc.queue.waiting())
    password = await operator_account("snap-sup", role="supervisor")
    sup = await console_login(gw.url, "snap-sup", password)
    ws = await sup.ws()
    try:
        msg = await ws.receive(timeout=10)
        snap = json.loads(msg.data)
        assert snap["type"] == "queue"
        assert len(snap["waiting"]) == 100 and snap["waiting_total"] == 300
        assert len(msg.data.encode()) < 60_000
        assert snap["supervisor"]["waiting"] == 300
        assert abs(snap["supervisor"]["longest_wait"] - (time.time() - oldest)) < 5
    finally:
        await ws.close()
