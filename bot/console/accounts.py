"""Named operator accounts (argon2id password hashes) and console sessions, in Redis."""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from redis.asyncio import Redis

from bot import keys
from bot.handoff.operators import Operator
from bot.redis_values import as_text, as_text_or

log = logging.getLogger(__name__)
ROLES = ("operator", "supervisor")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
# Wrong passwords slow down the one who types them, never lock the account for everyone:
# per (client address, name), after FREE_FAILURES the next try waits
# 1, 2, 4 ... seconds, at most MAX_BACKOFF; the same per address over all names after
# FREE_FAILURES_ADDRESS (guessing across accounts). The right password from elsewhere works.
FREE_FAILURES = 5
FREE_FAILURES_ADDRESS = 20
MAX_BACKOFF = 900
THROTTLE_TTL = 86400
FAILURE_WINDOW = 900
ALERT_FAILURES = 50  # per account name per FAILURE_WINDOW: one log line and the abuse counter
_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)
# Verified against when the account does not exist, so timing does not reveal names.
_DUMMY = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    pass


def check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not NAME.match(name) or name == "api":
        raise AccountError("name: 2-32 characters of a-z, 0-9, '.', '_', '-' (not 'api')")
    return name


async def add_operator(redis: Redis, name: str, password: str, role: str = "operator",
                       skills: tuple[str, ...] = (), *, replace: bool = False) -> Operator:
    name = check_name(name)
    if role not in ROLES:
        raise AccountError(f"role must be one of {ROLES}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    bad = [s for s in skills if s not in keys.HANDOFF_SKILLS]
    if bad:
        raise AccountError(f"unknown skills {bad}; known: {keys.HANDOFF_SKILLS}")
    key = keys.operator_account(name)
    if not replace and await redis.exists(key):
        raise AccountError(f"operator {name!r} exists (use --replace to reset the password)")
    # password_set: every session opened before it is refused (a reset logs everyone out).
    await redis.hset(key, mapping={"hash": _hasher.hash(password), "role": role,
                                   "skills": ",".join(skills), "created": f"{time.time():.0f}",
                                   "password_set": f"{time.time():.6f}"})
    await redis.sadd(keys.operator_accounts(), name)
    return Operator(name, role, tuple(skills))


async def get_operator(redis: Redis, name: str) -> Operator | None:
    raw = await redis.hmget(keys.operator_account(name), "role", "skills")
    if raw[0] is None:
        return None
    skills = tuple(s for s in as_text_or(raw[1], "").split(",") if s)
    return Operator(name, as_text(raw[0]), skills)


async def _waiting(redis: Redis, key: str) -> bool:
    until = await redis.hget(key, "until")
    return until is not None and float(until or 0) > time.time()


async def _fail(redis: Redis, key: str, free: int) -> None:
    """Count a failure; past ``free`` failures the next try waits, doubling each time."""
    n = int(await redis.hincrby(key, "n", 1))
    if n > free:
        await redis.hset(key, "until", f"{time.time() + min(2 ** (n - free - 1), MAX_BACKOFF):.3f}")
    await redis.expire(key, THROTTLE_TTL)


async def login_wait(redis: Redis, name: str, client: str = "") -> float:
    """Seconds until this client may try ``name`` again (0: now)."""
    try:
        name = check_name(name)
    except AccountError:
        name = "-"
    until = 0.0
    for key in (keys.operator_login_throttle(client or "-", name), keys.operator_login_throttle(client or "-", "*")):
        until = max(until, float(await redis.hget(key, "until") or 0))
    return max(0.0, until - time.time())


async def verify(redis: Redis, name: str, password: str, client: str = "") -> Operator | None:
    """The operator if the password is right; None otherwise (also while this client
    waits out its backoff: then the password is not even checked, and nothing counts).

    ``client``: a keyed hash of the caller's address (bot.abuse.client_key)."""
    import asyncio

    from bot import metrics

    try:
        name = check_name(name)
    except AccountError:
        name = ""
    pair_key = keys.operator_login_throttle(client or "-", name or "-")
    addr_key = keys.operator_login_throttle(client or "-", "*")
    if await _waiting(redis, pair_key) or await _waiting(redis, addr_key):
        metrics.ABUSE_LIMITED.labels("login").inc()
        return None
    fail_key = keys.operator_login_failures(name or "-")
    stored = await redis.hget(keys.operator_account(name), "hash") if name else None
    loop = asyncio.get_running_loop()

    def check() -> bool:
        try:
            return _hasher.verify(as_text(stored) if stored else _DUMMY, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    ok = await loop.run_in_executor(None, check)  # ~50 ms of CPU: off the event loop
    if not ok or stored is None:
        await _fail(redis, pair_key, FREE_FAILURES)
        await _fail(redis, addr_key, FREE_FAILURES_ADDRESS)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(fail_key, 0, ex=FAILURE_WINDOW, nx=True)  # alert only: never a lock-out
            pipe.incr(fail_key)
            _, failures = await pipe.execute()
        if int(failures) == ALERT_FAILURES:
            metrics.ABUSE_LIMITED.labels("login_name").inc()
            log.warning("many failed log-ins for one account", extra={"count": ALERT_FAILURES})
        return None
    await redis.delete(pair_key)
    if _hasher.check_needs_rehash(as_text(stored)):
        await redis.hset(keys.operator_account(name), "hash", _hasher.hash(password))
    return await get_operator(redis, name)


# -- sessions ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Session:
    token_hash: str
    operator: Operator
    csrf: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_session(redis: Redis, op: Operator, ttl: int, idle: int | None = None) -> tuple[str, Session]:
    """A new session: it lives at most ``ttl`` seconds, and ends after ``idle`` seconds unused."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    th = _hash(token)
    await redis.hset(keys.operator_session(th), mapping={"operator": op.name, "csrf": csrf,
                                                          "created": f"{time.time():.6f}"})
    await redis.expire(keys.operator_session(th), min(ttl, idle or ttl))
    return token, Session(th, op, csrf)


async def load_session(redis: Redis, token: str | None, ttl: int, idle: int | None = None) -> Session | None:
    """The session behind a cookie, or None: unknown, older than ``ttl`` (use does not extend
    a session's whole life), opened before the operator's last password reset, or the
    account removed. Each use pushes the idle expiry on, never past the whole life."""
    if not token or len(token) > 128:
        return None
    th = _hash(token)
    key = keys.operator_session(th)
    raw = await redis.hmget(key, "operator", "csrf", "created")
    if raw[0] is None:
        return None
    op = await get_operator(redis, as_text(raw[0]))
    if op is None:  # account removed: the session dies with it
        await redis.delete(key)
        return None
    created = float(raw[2] or 0)
    password_set = float((await redis.hget(keys.operator_account(op.name), "password_set")) or 0)
    left = ttl - (time.time() - created)
    if left <= 0 or created < password_set:
        await redis.delete(key)
        return None
    await redis.expire(key, max(1, int(min(left, idle or ttl))))  # sliding, within the whole life
    return Session(th, op, as_text(raw[1]))


async def end_session(redis: Redis, session: Session) -> None:
    await redis.delete(keys.operator_session(session.token_hash))
