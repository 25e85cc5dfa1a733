"""The Telegram inbox and outbox as Redis streams: their atomic steps and consumer groups.

One place for what both directions share with Redis, so the intake, the disk spool's
replay and the sender agree on names, lengths and lifetimes: an update is stored once
(``ACCEPT``, deduplicated by ``update_id``), a spooled one replayed once (``REPLAY``), an
entry is acknowledged and deleted in one round trip (``bot.stream_consumer``, whose loop
reads both streams), and a group that vanished (Redis came back empty) is created again
instead of failing every read.
"""
from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ResponseError

from bot import keys, metrics
from bot.stream_consumer import acknowledge

log = logging.getLogger(__name__)
SEEN_TTL = 24 * 3600  # Telegram redelivers an unconfirmed update within a day at most
INBOX_MAXLEN = 100_000
OUTBOX_MAXLEN = 100_000
ACCEPT_TIMEOUT = 3.0  # the webhook's (and a replay's) Redis step; past it the update goes to the disk spool

# Store an update once: SET NX of its id, then XADD; a redelivered update adds nothing.
# KEYS: seen marker, inbox stream. ARGV: sealed update, seen TTL, stream max length.
ACCEPT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'd', ARGV[1])
return 1
"""

# Replay a spooled update into the inbox. KEYS: seen marker, done marker, inbox stream.
# ARGV: sealed update, seen TTL, max length, the inbox entry it was taken from ('' if none),
# '1' if its 112 was given already, the inbox group. An update already answered, or (taken
# from the webhook) already in the inbox before the outage, adds nothing.
REPLAY = """
if ARGV[4] ~= '' then
  redis.call('XACK', KEYS[3], ARGV[6], ARGV[4])
  redis.call('XDEL', KEYS[3], ARGV[4])
end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
elseif not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  return 0
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'd', ARGV[1], 'pre', ARGV[5])
return 1
"""


async def ensure_groups(redis: Redis) -> None:
    for stream, group in ((keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP),
                          (keys.telegram_inbox(), keys.TELEGRAM_INBOX_GROUP)):
        try:
            await redis.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


async def recover(redis: Redis, exc: ResponseError) -> None:
    """A stream or group that vanished (Redis came back empty) is created again."""
    if "NOGROUP" in str(exc):
        log.error("telegram stream group missing; recreated", extra={"component": "telegram"})
        metrics.ERRORS.labels("telegram_group_recreated").inc()
        await ensure_groups(redis)
    else:
        log.error("telegram stream error", extra={"component": "telegram", "error": type(exc).__name__})
        await asyncio.sleep(1)


async def done_in(redis: Redis, entry_id: bytes, update_id: int | None) -> None:
    """An inbox entry answered (``update_id``: marked done, so a replay is not answered again)."""

    def mark(pipe: Pipeline) -> None:
        if update_id is not None:
            pipe.set(keys.telegram_done(update_id), "1", ex=SEEN_TTL)

    await acknowledge(redis, keys.telegram_inbox(), keys.TELEGRAM_INBOX_GROUP, entry_id, mark)


def mark_in_done(pipe: Pipeline, entry_id: bytes, update_id: int) -> None:
    """``done_in``'s commands, queued on a caller's transaction: the outbox puts them in the
    one that queues an update's answer, so a replica killed in between leaves either no
    answer and a pending entry (answered by another replica) or both (answered once)."""
    pipe.set(keys.telegram_done(update_id), "1", ex=SEEN_TTL)
    pipe.xack(keys.telegram_inbox(), keys.TELEGRAM_INBOX_GROUP, entry_id)
    pipe.xdel(keys.telegram_inbox(), entry_id)


async def done_out(redis: Redis, entry_id: bytes) -> None:
    """An outbox entry sent (or refused for good)."""
    await acknowledge(redis, keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP, entry_id)
