"""/torles (typed or the button) and retention: Telegram deletes, no transcript or
tracker left, reports kept without their link; every conversation key expires."""
from __future__ import annotations

import asyncio

from bot import keys
from bot.appkeys import GATEWAY
from bot.reports.api import DESK
from tests.fake_telegram import FakeBotAPI
from tests.test_report_flow import env, tg_report, web_say
from tests.test_report_support import FakeRasa


async def _settle(tg: FakeBotAPI, chat_id: int, count: int) -> None:
    await tg.wait_for(chat_id, count)
    await asyncio.sleep(0.3)  # the outbox records the sent ids just after sending


async def test_torles_deletes_telegram_messages_and_all_conversation_data(
        gateway_factory, fake_telegram: FakeBotAPI, rasa: FakeRasa, redis) -> None:
    gw = await gateway_factory(**env(rasa, fake_telegram))
    chat_id = 555000333
    code = await tg_report(fake_telegram, chat_id)
    await _settle(fake_telegram, chat_id, 3)
    pid = gw.app[GATEWAY].pid("telegram", chat_id)
    store = gw.app[DESK].reports
    rid = store.rid(code)
    ids = {int(i) for i in await redis.lrange(keys.telegram_ids(pid), 0, -1)}
    assert len(ids) >= 5  # two from the person, three from the bot
    assert await redis.exists(keys.log(pid)) and await redis.exists(keys.rasa_tracker(pid))
    assert await store.linked_pid(rid) == pid

    fake_telegram.button_press(chat_id, "/torles")  # the button, same as typing /torles
    deadline = asyncio.get_running_loop().time() + 10
    while not ids <= set(fake_telegram.deleted) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert ids <= set(fake_telegram.deleted)
    assert "deleteMessages" in fake_telegram.calls
    await fake_telegram.wait_for(chat_id, 4)
    for key in (keys.log(pid), keys.log_seq(pid), keys.route(pid), keys.rasa_tracker(pid),
                keys.conv_reports(pid), keys.conv_followup(pid)):
        assert not await redis.exists(key), key
    remaining = [k async for k in redis.scan_iter(f"*{pid}*")]
    # Only the fresh id list for the "erased" confirmation itself may remain (48 h), and
    # the erase marker (an outbox entry id, 48 h) that keeps parked replies from being sent.
    assert all(k.decode() in (keys.telegram_ids(pid), keys.conv(pid), keys.erased(pid)) for k in remaining), remaining
    report = await store.get(rid)
    assert report is not None and report.fields["settlement"] == "Kecskemét"
    assert await store.linked_pid(rid) is None


async def test_typed_torles_on_the_web(gateway_factory, rasa: FakeRasa, redis, http) -> None:
    gw = await gateway_factory(**env(rasa))
    session = "websession-erase-0001"
    await web_say(http, gw, session, "szia")
    pid = gw.app[GATEWAY].pid("web", session)
    assert await redis.exists(keys.rasa_tracker(pid))
    replies = await web_say(http, gw, session, "/törlés")
    assert "töröltük" in replies[0]["text"]
    assert not [k async for k in redis.scan_iter(f"*{pid}*")]


async def test_every_conversation_key_expires(gateway_factory, fake_telegram: FakeBotAPI, rasa: FakeRasa,
                                              redis, http) -> None:
    gw = await gateway_factory(**env(rasa, fake_telegram), RETENTION_DAYS="7", REPORT_RETENTION_DAYS="90")
    await tg_report(fake_telegram, 555000444)
    await _settle(fake_telegram, 555000444, 3)
    await web_say(http, gw, "websession-ttl-0001", "bejelentenék")
    replies = await web_say(http, gw, "websession-ttl-0001", "igen, küldd el")
    await web_say(http, gw, "websession-ttl-0002", replies[-1]["text"].split("\n")[1])  # follow-up by code
    seen = 0
    async for key in redis.scan_iter("*"):
        name = key.decode()
        ttl = await redis.ttl(key)
        if name in (keys.telegram_outbox(), keys.telegram_inbox()):
            continue  # trimmed queues whose entries are deleted once done (documented: no TTL)
        assert ttl > 0, name
        if name.startswith(("chv:conv:", "rasa:")):
            assert ttl <= 7 * 86400, name
            seen += 1
        if name.startswith("chv:report"):
            assert ttl <= 90 * 86400, name
    assert seen >= 8


async def test_web_chat_answers_are_never_cached_by_the_browser(gateway_factory, rasa: FakeRasa, http) -> None:
    gw = await gateway_factory(**env(rasa))
    async with http.post(f"{gw.url}/api/chat", json={"session": "websession-cache-01", "text": "szia"}) as resp:
        assert resp.headers.get("Cache-Control") == "no-store"
    async with http.get(f"{gw.url}/api/chat/websession-cache-01/messages?after=0") as resp:
        assert resp.status == 200 and resp.headers.get("Cache-Control") == "no-store"
    async with http.get(f"{gw.url}/") as resp:
        assert "no-store" in resp.headers.get("Cache-Control", "")
