"""The gateway's 112 block is known by its mark (``Reply.emergency``), not by its words.

The Telegram outbox sends it ahead of other chats' replies (``urgent``) and a mail answer over
the sender's limit is not withheld when it carries it. Matched by words, the formal voice's
block and the short "112 is the fastest help" line were ordinary replies.
"""
from __future__ import annotations

from redis.asyncio import Redis

from bot import keys, texts
from bot.crypto import Sealer
from bot.delivery import Reply
from bot.mail_writing import carries_emergency
from bot.redis_values import stream_entries
from bot.telegram_outbox import TelegramOutbox
from tests.conftest import KEYS


async def test_every_112_block_goes_out_ahead_and_nothing_else_does(redis: Redis) -> None:
    sealer = Sealer(KEYS["DATA_ENCRYPTION_KEYS"].split(","))
    outbox = TelegramOutbox(redis, sealer, bot=None, pid=lambda *_: "p", consumer="mark-host-1")  # type: ignore[arg-type]
    marked = [Reply(texts.text(name, voice), emergency=True)
              for name in ("emergency", "emergency_again") for voice in ("hu", "hu_formal", "en")]
    plain = [Reply(texts.text("bot_unavailable", "hu")), Reply("Hívd a 112-t!")]  # words are not the mark
    await outbox.deliver("p", {"chat_id": 1}, marked + plain)
    bodies = [sealer.open(f[b"d"]) for _, f in stream_entries(await redis.xrange(keys.telegram_outbox()))]
    assert [b["urgent"] for b in bodies] == [True] * len(marked) + [False] * len(plain)


def test_a_mail_answer_carries_the_112_block_by_its_mark() -> None:
    assert carries_emergency([Reply(texts.text("emergency_again", "hu_formal"), emergency=True)])
    assert carries_emergency([Reply("x"), Reply(texts.text("emergency", "hu_formal"), emergency=True)])
    assert not carries_emergency([Reply(texts.text("support", "hu"))])
