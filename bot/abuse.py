"""Limits against abuse: who is asking, and how often.

- :func:`client_address` is the peer address, or, only when ``TRUSTED_PROXY`` is set and
  the peer is such a proxy, the nearest untrusted address of ``X-Forwarded-For``.
- :func:`client_key` turns it into a keyed hash at once: neither Redis nor the logs
  ever hold a raw address.
- :data:`CLIENT` carries that key from the web route down to the queue and the case-code
  brake (a context variable: ``Gateway.handle`` runs in the route's task). Telegram sets
  nothing; there the pseudonymous conversation id is the only client there is.
- :class:`Limiter` counts in fixed windows in Redis (every replica sees the same counts);
  the first hit over a limit in a window raises the supervisor alert: the counter
  ``gyermekvedo_abuse_limited_total{limit=...}`` and one log line, with the limit's name only.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from redis.asyncio import Redis

from bot import keys, metrics
from bot.proxies import Network, parse_trusted

log = logging.getLogger(__name__)

# The keyed hash of the web client's address, while a web request is handled.
CLIENT: ContextVar[str | None] = ContextVar("abuse_client", default=None)

def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(addr: ipaddress.IPv4Address | ipaddress.IPv6Address | None, trusted: tuple[Network, ...]) -> bool:
    return addr is not None and any(addr in net for net in trusted)


def client_address(request: web.Request, trusted: tuple[Network, ...]) -> str:
    """The client's address as far as we can trust it (``""`` if unknown)."""
    peer = request.remote or ""
    if not trusted or not _trusted(_ip(peer), trusted):
        return peer
    forwarded = [p.strip() for h in request.headers.getall("X-Forwarded-For", []) for p in h.split(",")]
    # From the right: each hop appends the address it saw; the first untrusted one is
    # the client (anything further left the client could have written itself).
    for hop in reversed([p for p in forwarded if p]):
        addr = _ip(hop)
        if addr is None:
            return peer
        if not _trusted(addr, trusted):
            return str(addr)
    return peer


def is_loopback(address: str) -> bool:
    addr = _ip(address)
    return addr is not None and addr.is_loopback


def client_key(secret: bytes, address: str) -> str:
    """A keyed hash of an address: comparable, not reversible without the key."""
    return "a-" + hmac.new(secret, f"client:{address}".encode(), hashlib.sha256).hexdigest()[:24]


@dataclass(frozen=True)
class Limit:
    name: str  # metric label and log field: what was limited ("new_chat_address", ...)
    count: int  # allowed per window; 0 = no limit
    window: int  # seconds


class Limiter:
    """Fixed-window counters in Redis, keyed by limit name and subject (hashed)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def hit(self, limit: Limit, subject: str = "all") -> bool:
        """Count one event; True when it is over the limit (the alert fires once a window)."""
        if limit.count <= 0:
            return False
        key = keys.abuse_counter(limit.name, subject)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=limit.window, nx=True)  # the window starts at the first event
            pipe.incr(key)
            _, count = await pipe.execute()
        if int(count) <= limit.count:
            return False
        await self._alert(limit, subject)
        return True

    async def over(self, limit: Limit, subject: str = "all") -> bool:
        """Whether the limit is already used up (a refusal, alerted), without counting."""
        if limit.count <= 0:
            return False
        value = await self.redis.get(keys.abuse_counter(limit.name, subject))
        if not value or int(value) < limit.count:
            return False
        await self._alert(limit, subject)
        return True

    async def _alert(self, limit: Limit, subject: str) -> None:
        """Every refusal is counted; the log line comes once per subject and window."""
        metrics.ABUSE_LIMITED.labels(limit.name).inc()
        if await self.redis.set(keys.abuse_counter(limit.name, subject) + ":alerted", 1, ex=limit.window, nx=True):
            log.warning("abuse limit tripped", extra={"reason": limit.name, "count": limit.count})


KNOWN_SECONDS = 60.0
KNOWN_MAX = 20_000


class Guard:
    """The service's abuse limits, built from the settings; one per app."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.limiter = Limiter(redis)
        self.secret = settings.pseudonym_key
        self.trusted = parse_trusted(settings.trusted_proxy)
        w = settings.abuse_window
        self.new_chat_address = Limit("new_chat_address", settings.new_chats_per_address, w)
        self.new_chat_global = Limit("new_chat_global", settings.new_chats_global, w)
        self.queue_address = Limit("queue_address", settings.queue_entries_per_address, w)
        self.queue_global = Limit("queue_global", settings.queue_entries_global, w)
        self.code_address = Limit("code_address", settings.code_failures_per_address, 3600)
        self.code_global = Limit("code_global", settings.code_failures_global, 3600)
        # Web conversations seen to exist recently: the new-conversation check (one EXISTS)
        # runs once per KNOWN_SECONDS per conversation, not for each of its messages. One
        # erased meanwhile is "not new" for at most that long: the limit is on throw-away
        # sessions, not on one person.
        self._known: dict[str, float] = {}

    def known_recently(self, pid: str) -> bool:
        return self._known.get(pid, 0.0) > time.monotonic()

    def remember(self, pid: str) -> None:
        if len(self._known) >= KNOWN_MAX:
            self._known.clear()
        self._known[pid] = time.monotonic() + KNOWN_SECONDS

    def client(self, request: web.Request) -> str:
        """The keyed hash of the request's client address."""
        return client_key(self.secret, client_address(request, self.trusted))

    async def hit_both(self, per_client: Limit, overall: Limit, client: str | None) -> bool:
        """Count one event for the client (if known) and, unless that is over, globally:
        one client over its own limit does not use up everyone's."""
        if client is not None and await self.limiter.hit(per_client, client):
            return True
        return await self.limiter.hit(overall)

    async def over_either(self, per_client: Limit, overall: Limit, client: str | None) -> bool:
        return (client is not None and await self.limiter.over(per_client, client)) or \
            await self.limiter.over(overall)


GUARD: web.AppKey[Guard] = web.AppKey("abuse_guard")

if TYPE_CHECKING:
    from bot.config import Settings
