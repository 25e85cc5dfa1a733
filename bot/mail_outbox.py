"""A durable outbox for mails, in Redis: nothing is lost to an SMTP outage or a crash.

Two kinds of mail go through it: written reports to an authority (``report``, sealed
under the report key ring) and operators' replies on the e-mail channel (``reply``,
sealed under the data key ring; they carry the person's address). A mail is stored,
sealed, before anyone is told it is on its way; a sender loop on every replica takes
due mails one at a time (a Lua claim that pushes the mail's due time by a lease, so a
replica that dies mid-send leaves it due again for another), sends it over
``EMAIL_SMTP_URL`` and deletes it, or counts the failure and retries with exponential
backoff (``MAIL_RETRY_SECONDS`` doubling up to ``MAIL_RETRY_MAX_SECONDS``) until
``MAIL_MAX_ATTEMPTS``. Delivery is at-least-once: a crash between the server's "250"
and the delete sends the mail twice, never zero times.

A person reads one conversation's mails in the order they were written: each reply mail
also joins its conversation's order list, and only the head of that list may be sent; a
later mail waits while an earlier one retries (other conversations' mails go on). A mail
given up, sent or dropped leaves the list and the next one is due at once.

Each kind may register a handler to hear what became of its mails (the report mailer
writes the status into the report and its audit log).
"""
from __future__ import annotations

import asyncio
import base64
import logging
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import keys, metrics
from bot.background import stop_requested
from bot.config import Settings
from bot.crypto import InvalidToken, Sealer
from bot.mail_endpoint import endpoint
from bot.redis_values import as_text

log = logging.getLogger(__name__)

QUEUED, SENT, FAILED, GAVE_UP = "queued", "sent", "failed", "gave_up"
IDLE_POLL = 1.0  # seconds between looks for mails other replicas queued (own ones wake at once)

# Take the first due mail that may go now and push its due time by the lease (it is
# being sent). A reply mail may go only when it heads its conversation's order list: one
# behind an earlier mail still waiting (retrying, or being sent) is moved to just after
# that mail's due time and the scan goes on, so other conversations are never held up.
# Heads that are no longer waiting (sent, given up, dropped) leave the list on the way.
# KEYS: due. ARGV: now, lease until, item key prefix, order key prefix, order key suffix.
# (Builds item and order keys itself: fine on one Redis, not a cluster.)
_CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(ids) do
  local pid = redis.call('HGET', ARGV[3] .. id, 'pid')
  local behind = false
  if pid and pid ~= '' then
    local order = ARGV[4] .. pid .. ARGV[5]
    while true do
      local head = redis.call('LINDEX', order, 0)
      if (not head) or head == id then break end
      local score = redis.call('ZSCORE', KEYS[1], head)
      if score then behind = tonumber(score) break end
      redis.call('LPOP', order)
    end
  end
  if behind then
    redis.call('ZADD', KEYS[1], behind + 0.001, id)
  else
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    return id
  end
end
return false
"""

# A mail left its conversation's order (sent, given up): the next one may go at once.
# KEYS: due, order. ARGV: mail id, now.
_ADVANCE = """
redis.call('LREM', KEYS[2], 0, ARGV[1])
local head = redis.call('LINDEX', KEYS[2], 0)
if head then
  local score = redis.call('ZSCORE', KEYS[1], head)
  if score and tonumber(score) > tonumber(ARGV[2]) then redis.call('ZADD', KEYS[1], ARGV[2], head) end
end
return head
"""


@dataclass
class Outcome:
    """What became of one attempt: ``sent``, ``failed`` (``next_at`` set) or ``gave_up``."""

    mid: str
    kind: str
    ref: str
    status: str
    attempts: int
    error: str = ""
    next_at: float | None = None


Handler = Callable[[Outcome], Awaitable[None]]


def kind_of(mid: str) -> str:
    return mid.split(".", 2)[1] if mid.count(".") >= 2 else "?"


class MailOutbox:
    def __init__(self, redis: Redis, settings: Settings, sealers: dict[str, Sealer]) -> None:
        self.redis = redis
        self.settings = settings
        self.sealers = sealers
        self.smtp = endpoint(settings.email_smtp_url, settings.email_user, settings.email_password, (587, 465))
        self.handlers: dict[str, Handler] = {}
        self.lease = settings.email_timeout * 2 + 30
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._claim = redis.register_script(_CLAIM)
        self._advance = redis.register_script(_ADVANCE)
        self._order_affixes = keys.mail_order("\0").split("\0")
        self.sending = False  # a send is in progress (tests, status)

    # -- lifecycle
    async def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="mail-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            # Cancelled again until it ends: Python 3.11's wait_for can swallow a cancellation
            # that meets its inner wait finishing (a wake-up), and the loop would go on.
            while not self._task.done():
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=1)
            self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # -- queueing
    @staticmethod
    def new_id(kind: str) -> str:
        """A mail id: creation time (ms), kind, random; ids sort by age."""
        return f"{int(time.time() * 1000):013d}.{kind}.{secrets.token_hex(6)}"

    async def put(self, kind: str, msg: EmailMessage, *, sender: str, recipients: list[str], ref: str,
                  ttl: int, pid: str = "", mid: str = "") -> str:
        """Store one mail (sealed) and wake the sender. Raises RedisError when it cannot be kept.

        ``mid`` (from :meth:`new_id`) lets the caller record the mail before it can be sent,
        so an outcome never arrives for a mail the caller does not know yet."""
        mid = mid or self.new_id(kind)
        body = self.sealers[kind].seal({"from": sender, "to": recipients,
                                        "raw": base64.b64encode(msg.as_bytes()).decode()})
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.mail_item(mid), mapping={"kind": kind, "ref": ref, "pid": pid, "body": body,
                                                    "created": now, "attempts": 0, "state": QUEUED})
            pipe.expire(keys.mail_item(mid), ttl)
            pipe.zadd(keys.mail_due(), {mid: now})
            if pid:
                pipe.sadd(keys.mail_conv(pid), mid)
                pipe.expire(keys.mail_conv(pid), ttl)
                pipe.rpush(keys.mail_order(pid), mid)  # sent in this order, one after the other
                pipe.expire(keys.mail_order(pid), ttl)
            await pipe.execute()
        self._wake.set()
        return mid

    async def retry(self, mid: str) -> bool:
        """Send a failed (or given-up) mail again now; False if it is gone or already sent."""
        state, pid = await self.redis.hmget(keys.mail_item(mid), ["state", "pid"])
        if state is None:
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.mail_item(mid), mapping={"attempts": 0, "state": QUEUED})
            pipe.zadd(keys.mail_due(), {mid: time.time()})
            if pid and as_text(state) == GAVE_UP:  # it left the order when given up: it goes first
                pipe.lpush(keys.mail_order(as_text(pid)), mid)
            await pipe.execute()
        self._wake.set()
        return True

    async def drop_conversation(self, pid: str) -> int:
        """/torles: the conversation's waiting mails are deleted, never sent."""
        mids = [as_text(m) for m in await self.redis.smembers(keys.mail_conv(pid))]
        async with self.redis.pipeline(transaction=True) as pipe:
            for mid in mids:
                pipe.delete(keys.mail_item(mid))
                pipe.zrem(keys.mail_due(), mid)
            pipe.delete(keys.mail_conv(pid), keys.mail_order(pid))
            await pipe.execute()
        return len(mids)

    async def status(self) -> dict[str, Any]:
        """Backlog (mails not yet sent and not given up) and the age of the oldest, per kind."""
        mids = [as_text(m) for m in await self.redis.zrange(keys.mail_due(), 0, 9999)]
        now = time.time()
        by_kind: dict[str, dict[str, float]] = {}
        for mid in mids:
            k = by_kind.setdefault(kind_of(mid), {"backlog": 0, "oldest_age_seconds": 0.0})
            k["backlog"] += 1
            age = now - int(mid.split(".", 1)[0]) / 1000
            k["oldest_age_seconds"] = round(max(k["oldest_age_seconds"], age), 1)
        oldest = max((k["oldest_age_seconds"] for k in by_kind.values()), default=0.0)
        return {"backlog": len(mids), "oldest_age_seconds": oldest, "kinds": by_kind,
                "sender_running": self.running}

    # -- sending
    async def run(self) -> None:
        backoff = 0.5
        while not stop_requested():
            self._wake.clear()  # before the claim: a mail put meanwhile wakes the wait below
            try:
                now = time.time()
                mid = await self._claim(keys=[keys.mail_due()],
                                        args=[now, now + self.lease, keys.mail_item(""), *self._order_affixes])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("mail outbox: redis unavailable", extra={"component": "mail", "error": type(exc).__name__})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = 0.5
            if mid is None:
                try:
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL)
                except TimeoutError:
                    pass
                continue
            try:
                await self._deliver(mid.decode() if isinstance(mid, bytes) else str(mid))
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:  # the claim's lease brings the mail back
                log.warning("mail outbox: step failed", extra={"component": "mail", "error": type(exc).__name__})
                await asyncio.sleep(backoff)

    async def _deliver(self, mid: str) -> None:
        item = {as_text(k): v for k, v in (await self.redis.hgetall(keys.mail_item(mid))).items()}
        if not item:  # expired or dropped (/torles)
            await self.redis.zrem(keys.mail_due(), mid)
            return
        kind, ref, pid = as_text(item["kind"]), as_text(item["ref"]), as_text(item.get("pid", b""))
        attempts = int(item.get("attempts") or 0) + 1
        try:
            body = self.sealers[kind].open(item["body"])
        except (KeyError, InvalidToken):
            metrics.ERRORS.labels("unreadable_record").inc()
            log.error("mail outbox: unreadable mail dropped", extra={"component": "mail", "kind": kind})
            await self._forget(mid, pid)
            return
        self.sending = True
        try:
            await self._send(body)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - refused, unreachable, timed out: count it and retry later
            await self._failed(mid, kind, ref, attempts, type(exc).__name__, pid)
            return
        finally:
            self.sending = False
        await self._forget(mid, pid)
        metrics.MAIL_SENT.labels(kind).inc()
        log.info("mail sent", extra={"component": "mail", "kind": kind, "attempt": attempts})
        await self._tell(Outcome(mid, kind, ref, SENT, attempts))

    async def _send(self, body: dict[str, Any]) -> None:
        import aiosmtplib

        await aiosmtplib.send(
            base64.b64decode(body["raw"]), sender=body["from"], recipients=body["to"],
            hostname=self.smtp.host, port=self.smtp.port, use_tls=self.smtp.tls,
            start_tls=None if not self.smtp.tls else False,
            username=self.smtp.user or None, password=self.smtp.password or None,
            timeout=self.settings.email_timeout,
        )

    async def _forget(self, mid: str, pid: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.mail_due(), mid)
            pipe.delete(keys.mail_item(mid))
            if pid:
                pipe.srem(keys.mail_conv(pid), mid)
            await pipe.execute()
        if pid:
            await self._advance(keys=[keys.mail_due(), keys.mail_order(pid)], args=[mid, time.time()])

    def delay(self, attempts: int) -> float:
        base = self.settings.mail_retry_seconds * 2 ** max(0, attempts - 1)
        return min(base, self.settings.mail_retry_max_seconds) * random.uniform(1.0, 1.1)

    async def _failed(self, mid: str, kind: str, ref: str, attempts: int, error: str, pid: str = "") -> None:
        metrics.MAIL_FAILED.labels(kind).inc()
        give_up = attempts >= self.settings.mail_max_attempts
        next_at = None if give_up else time.time() + self.delay(attempts)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.mail_item(mid), mapping={"attempts": attempts, "state": GAVE_UP if give_up else FAILED,
                                                    "error": error})
            if next_at is None:
                pipe.zrem(keys.mail_due(), mid)
            else:
                pipe.zadd(keys.mail_due(), {mid: next_at}, xx=True)
            await pipe.execute()
        if give_up and pid:  # a given-up mail holds its conversation's later mails no longer
            await self._advance(keys=[keys.mail_due(), keys.mail_order(pid)], args=[mid, time.time()])
        log.warning("mail not sent; given up" if give_up else "mail not sent; will retry",
                    extra={"component": "mail", "kind": kind, "attempt": attempts, "error": error})
        await self._tell(Outcome(mid, kind, ref, GAVE_UP if give_up else FAILED, attempts, error, next_at))

    async def _tell(self, outcome: Outcome) -> None:
        handler = self.handlers.get(outcome.kind)
        if handler is None:
            return
        try:
            await handler(outcome)
        except Exception as exc:  # noqa: BLE001 - the mail's fate is settled; a status write may be lost
            metrics.ERRORS.labels("mail_status").inc()
            log.error("mail outcome not recorded", extra={"component": "mail", "kind": outcome.kind,
                                                          "error": type(exc).__name__})
