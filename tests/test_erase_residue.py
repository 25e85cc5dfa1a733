"""/torles leaves nothing behind: the sealed transcript leaves Redis's
append-only file once it is rewritten, and a reply parked while the Bot API failed is
never delivered after the erase."""
from __future__ import annotations

import asyncio
from pathlib import Path

from bot import keys
from bot.appkeys import GATEWAY
from bot.crypto import Sealer
from tests.conftest import KEYS, RedisServer
from tests.fake_telegram import FakeBotAPI
from tests.test_report_flow import env
from tests.test_report_support import FakeRasa


async def _sealed(redis, pid: str) -> list[bytes]:
    """The conversation's sealed values as they are stored: transcript entries and route."""
    tokens = [fields[b"d"] for _, fields in await redis.xrange(keys.log(pid))]
    route = await redis.get(keys.route(pid))
    return tokens + ([route] if route else [])


async def _aof(redis, server: RedisServer) -> bytes:
    name = (await redis.config_get("appendfilename"))["appendfilename"]
    return (Path(server.dir) / name).read_bytes()


async def test_torles_rewrites_the_append_only_file(gateway_factory, fake_telegram: FakeBotAPI, rasa: FakeRasa,
                                                    redis, redis_server: RedisServer) -> None:
    # A rewrite normally starts with an RDB image whose compressed strings cannot be
    # searched for the tokens; commands only, for this test, so the file can be read.
    preamble = (await redis.config_get("aof-use-rdb-preamble"))["aof-use-rdb-preamble"]
    await redis.config_set("aof-use-rdb-preamble", "no")
    try:
        await _erase_and_search_aof(gateway_factory, fake_telegram, rasa, redis, redis_server)
    finally:
        await redis.config_set("aof-use-rdb-preamble", preamble)


async def _erase_and_search_aof(gateway_factory, fake_telegram: FakeBotAPI, rasa: FakeRasa, redis,
                                redis_server: RedisServer) -> None:
    gw = await gateway_factory(**env(rasa, fake_telegram), ERASE_REWRITE_SECONDS="1")
    erased_chat, kept_chat = 555000661, 555000662
    for chat in (erased_chat, kept_chat):
        fake_telegram.user_message(chat, "szia, a mostohaapám bánt")
        await fake_telegram.wait_for(chat, 1)
    await asyncio.sleep(0.3)
    erased = await _sealed(redis, gw.app[GATEWAY].pid("telegram", erased_chat))
    kept = await _sealed(redis, gw.app[GATEWAY].pid("telegram", kept_chat))
    assert len(erased) >= 3 and len(kept) >= 3
    aof = await _aof(redis, redis_server)
    assert all(t in aof for t in erased + kept)  # on disk (appendfsync always)

    fake_telegram.user_message(erased_chat, "/torles")
    await fake_telegram.wait_for(erased_chat, 2)
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        info = await redis.info("persistence")
        aof = await _aof(redis, redis_server)
        left = [t for t in erased if t in aof]
        if not left and not info["aof_rewrite_in_progress"]:
            break
        assert asyncio.get_running_loop().time() < deadline, f"{len(left)} sealed entries still in the AOF"
        await asyncio.sleep(0.2)
    # The rewritten file is plain enough to search: the other conversation is still in it.
    assert all(t in aof for t in kept)


async def test_reply_parked_by_a_failing_bot_api_is_never_sent_after_torles(
        gateway_factory, fake_telegram: FakeBotAPI, rasa: FakeRasa, redis) -> None:
    gw = await gateway_factory(**env(rasa, fake_telegram))
    chat = 555000663
    fake_telegram.fail_chat[chat] = [(500, {})] * 3  # the reply is retried after 1, 2, 4 s
    fake_telegram.user_message(chat, "szia")
    deadline = asyncio.get_running_loop().time() + 10
    while len(fake_telegram.fail_chat[chat]) > 2:  # the reply has met the first failure
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    fake_telegram.user_message(chat, "/torles")
    sent = await fake_telegram.wait_for(chat, 1)
    assert "töröltük" in sent[0], sent
    await asyncio.sleep(7)  # past the parked reply's retries: before the fix it went out here
    assert all("töröltük" in t for t in fake_telegram.texts_to(chat)), fake_telegram.texts_to(chat)
    # Nothing of the erased conversation is left in the outbox either.
    pid = gw.app[GATEWAY].pid("telegram", chat)
    sealer = Sealer((KEYS["DATA_ENCRYPTION_KEYS"],))
    bodies = [sealer.open(f[b"d"]) for _, f in await redis.xrange(keys.telegram_outbox())]
    assert not [b for b in bodies if b["pid"] == pid and "töröltük" not in b["text"]]
    assert await redis.get(keys.erased(pid)) is not None and 0 < await redis.ttl(keys.erased(pid)) <= keys.ERASED_TTL


async def test_a_redis_that_refuses_config_is_logged_once_and_skipped(caplog) -> None:
    from redis.exceptions import ResponseError

    from bot.aof import AofRewriter

    class Managed:  # e.g. a managed Redis with CONFIG renamed away
        calls = 0

        async def config_get(self, name: str) -> dict:
            self.calls += 1
            raise ResponseError("unknown command 'CONFIG'")

        async def bgrewriteaof(self) -> None:
            raise AssertionError("no rewrite without knowing that AOF is on")

    redis = Managed()
    rewriter = AofRewriter(redis, 0.01)  # type: ignore[arg-type]
    task = asyncio.create_task(rewriter.run())
    for _ in range(3):
        rewriter.request()
        await asyncio.sleep(0.05)
    await asyncio.wait_for(task, 1)  # it stopped: nothing more to try
    assert redis.calls == 1 and rewriter.rewrites == 0
    assert len([r for r in caplog.records if "refuses CONFIG" in r.getMessage()]) == 1
