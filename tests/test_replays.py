"""A web message delivered twice (HAProxy replays a request, `retry-on empty-response`)
reaches Rasa once: the second delivery returns the first's answer, waits for it
while the first is still being answered on another replica, and answers itself only when
the first delivery's gateway died (its lease lapsed).

Real Redis and real gateways; Rasa is the tests' small fake, which counts what it hears."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bot import keys
from bot.appkeys import GATEWAY
from tests.conftest import free_port
from tests.test_report_support import FakeRasa

SESSION = "webchat-replay-0042"


class SlowRasa(FakeRasa):
    """Answers after ``delay`` seconds, as Rasa does under load."""

    delay = 1.0

    async def webhook(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        return await super().webhook(request)


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with http.post(f"{url}/api/chat", json=body) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


def texts(answer: dict[str, Any]) -> list[str]:
    return [r["text"] for r in answer["replies"]]


async def test_a_replayed_message_gets_the_first_answer_without_asking_rasa_again(gateway_factory, rasa: FakeRasa,
                                                                                 http) -> None:
    gw = await gateway_factory(RASA_URL=rasa.url, ACTION_SERVER_URL=rasa.url)
    body = {"session": SESSION, "text": "hogyan tudok bejelentést tenni?", "id": "msg-replay-000001"}
    first = await post(http, gw.url, body)
    again = await post(http, gw.url, body)
    assert texts(first) and texts(again) == texts(first)
    assert again["cursor"] == first["cursor"]
    pid = gw.app[GATEWAY].pid("web", SESSION)
    assert rasa.senders.count(pid) == 1
    other = await post(http, gw.url, {**body, "id": "msg-replay-000002"})  # a new message: asked
    assert texts(other) and rasa.senders.count(pid) == 2


async def test_a_replay_on_the_other_replica_waits_for_the_first_answer(gateway_factory, redis_server, http) -> None:
    slow = SlowRasa(redis_server.url)
    await slow.start(free_port())
    try:
        gw1 = await gateway_factory(RASA_URL=slow.url, ACTION_SERVER_URL=slow.url)
        gw2 = await gateway_factory(RASA_URL=slow.url, ACTION_SERVER_URL=slow.url)
        body = {"session": SESSION + "b", "text": "hol kérhetek segítséget?", "id": "msg-replay-000003"}
        first = asyncio.create_task(post(http, gw1.url, body))
        await asyncio.sleep(0.3)  # gw1 is waiting for Rasa when HAProxy sends it to gw2 too
        again = await post(http, gw2.url, body)
        first_answer = await first
        pid = gw1.app[GATEWAY].pid("web", SESSION + "b")
        assert slow.senders.count(pid) == 1
        assert texts(first_answer) and texts(again) == texts(first_answer)
    finally:
        await slow.stop()


async def test_a_replay_answers_itself_once_the_dead_gateways_lease_lapses(gateway_factory, rasa: FakeRasa, http,
                                                                          redis: Redis) -> None:
    gw = await gateway_factory(RASA_URL=rasa.url, ACTION_SERVER_URL=rasa.url)
    body = {"session": SESSION + "c", "text": "hol kérhetek segítséget?", "id": "msg-replay-000004"}
    await post(http, gw.url, body)
    pid = gw.app[GATEWAY].pid("web", SESSION + "c")
    # As a gateway killed after recording the message leaves it: recorded, never answered,
    # its lease running out in a second.
    seen = keys.conv_seen(pid)
    await redis.hdel(seen, "msg-replay-000004:a")
    await redis.hset(seen, "msg-replay-000004:w", f"{time.time() + 1:.3f}")
    started = time.monotonic()
    again = await post(http, gw.url, body)
    took = time.monotonic() - started
    assert texts(again)
    assert 0.9 <= took < 3.0  # waited for the lease, then answered (not the whole replay wait)
    assert rasa.senders.count(pid) == 2  # asked again: nobody else was going to answer
    mine = await redis.xlen(keys.log(pid))
    assert mine >= 3  # the message once, the two answers



