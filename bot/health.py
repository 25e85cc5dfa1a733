"""The gateway's probes: liveness apart from readiness.

``GET /livez``      200 while this process can answer people, 112 first: its event loop runs
                    and the emergency reply is at hand. It asks nothing outside the process, so
                    Rasa, the action server or Redis being down never fails it: the gateway
                    answers everyone without them, and a restart would not bring them back.
                    For restarts (Docker's HEALTHCHECK, Kubernetes' livenessProbe).
``GET /readyz``     200 only when the dependencies answer: Redis, Rasa (warmed up), the action
                    server, the Telegram outbox. For rollouts and monitoring.
``GET /healthz``    the same checks and answer as /readyz, under the name deploy/haproxy.cfg
                    and the README have always used (a contract).
"""
from __future__ import annotations

import asyncio

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.appkeys import EMAIL, GATEWAY, HTTP, MAIL_OUTBOX, REDIS, SETTINGS, TELEGRAM, WARMER
from bot.rasa_client import action_server_healthy


async def _redis(request: web.Request) -> tuple[bool, str]:
    try:
        await asyncio.wait_for(request.app[REDIS].ping(), timeout=2)
        return True, "ok"
    except (TimeoutError, RedisError, OSError) as exc:
        return False, type(exc).__name__


MEMORY_ALERT = 0.8  # share of maxmemory above which /healthz warns (writes fail at 100 %)


async def redis_memory_ratio(redis: Redis) -> float:
    """Used memory as a share of Redis's maxmemory (0.0 when it has none); sets the gauge."""
    from bot import metrics

    info = await redis.info("memory")
    limit = int(info.get("maxmemory") or 0)
    ratio = int(info.get("used_memory") or 0) / limit if limit else 0.0
    metrics.REDIS_MEMORY_RATIO.set(round(ratio, 4))
    return ratio


async def _outbox(request: web.Request) -> tuple[bool, str]:
    """Replies must be leaving: the sender runs and nothing waits longer than it should."""
    from bot.telegram_outbox import OUTBOX_STALE_SECONDS

    try:
        st = await asyncio.wait_for(request.app[TELEGRAM].outbox.status(), timeout=2)
    except (TimeoutError, RedisError, OSError) as exc:
        return False, type(exc).__name__
    detail = f"backlog {st['backlog']}, oldest {st['oldest_age_seconds']} s, inbox {st['inbox']}"
    if not st["sender_running"]:
        return False, "sender stopped; " + detail
    return st["oldest_age_seconds"] < OUTBOX_STALE_SECONDS, detail


MAIL_STALE_SECONDS = 900  # a mail waiting longer than this in the outbox is worth a look


async def _mail_outbox(request: web.Request) -> tuple[bool, str]:
    try:
        st = await asyncio.wait_for(request.app[MAIL_OUTBOX].status(), timeout=2)
    except (TimeoutError, RedisError, OSError) as exc:
        return False, type(exc).__name__
    detail = f"backlog {st['backlog']}, oldest {st['oldest_age_seconds']} s"
    if not st["sender_running"]:
        return False, "sender stopped; " + detail
    return st["oldest_age_seconds"] < MAIL_STALE_SECONDS, detail


async def livez(request: web.Request) -> web.Response:
    """Alive and able to give 112; in-process only, so it answers in microseconds."""
    from bot import texts

    problems = [] if GATEWAY in request.app else ["gateway not started"]
    try:
        problems += [f"emergency text ({lang}) lacks 112" for lang in texts.LANGUAGES
                     if "112" not in texts.text("emergency", lang)]
    except (OSError, KeyError, ValueError) as exc:
        problems.append(f"emergency text unreadable: {type(exc).__name__}")
    if problems:
        return web.json_response({"status": "broken", "problems": problems}, status=503)
    return web.json_response({"status": "alive"})


async def healthz(request: web.Request) -> web.Response:
    """Readiness: every dependency answers (also served as /healthz, see the module's doc)."""
    settings = request.app[SETTINGS]
    redis, rasa, actions = await asyncio.gather(
        _redis(request),
        request.app[GATEWAY].rasa.healthy(),
        action_server_healthy(request.app[HTTP], settings.action_server_url),
    )
    warmer = request.app.get(WARMER)
    if rasa[0] and warmer is not None and not warmer.warm:
        rasa = (False, "warming up")
    checks = {"redis": redis, "rasa": rasa, "action_server": actions}
    if TELEGRAM in request.app:
        checks["telegram_outbox"] = await _outbox(request)
    ok = all(v[0] for v in checks.values())
    warnings: list[str] = []
    # The mailbox and the mail outbox are reported but do not fail the check: an unreachable
    # mail server is not mended by restarting the gateway or by taking it (and the web chat
    # and Telegram with it) out of the load balancer. They are warnings an operator must see.
    if EMAIL in request.app:
        up, detail, _ = request.app[EMAIL].inbox.health()
        checks["email_mailbox"] = (up, detail)
        if not up:
            warnings.append("email_mailbox")
    if MAIL_OUTBOX in request.app:
        checks["mail_outbox"] = await _mail_outbox(request)
        if not checks["mail_outbox"][0]:
            warnings.append("mail_outbox")
    if redis[0]:
        # An alert, not a failure: taking the service out of a load balancer would not free
        # memory; an operator must (retention, maxmemory). Writes fail only at 100 %.
        try:
            ratio = await asyncio.wait_for(redis_memory_ratio(request.app[REDIS]), timeout=2)
        except (TimeoutError, RedisError, OSError, ValueError):
            ratio = 0.0
        if ratio:
            checks["redis"] = (True, f"ok; memory {ratio:.0%} of maxmemory")
        if ratio > MEMORY_ALERT:
            warnings.append("redis_memory")
    body = {
        "status": "ok" if ok else "degraded",
        "checks": {name: {"ok": v[0], "detail": v[1]} for name, v in checks.items()},
        "failed": [name for name, v in checks.items() if not v[0] and name not in warnings],
        "warnings": warnings,
    }
    return web.json_response(body, status=200 if ok else 503)


def setup(app: web.Application) -> None:
    app.router.add_get("/livez", livez)
    app.router.add_get("/readyz", healthz)
    app.router.add_get("/healthz", healthz)
