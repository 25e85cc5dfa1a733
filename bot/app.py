"""The gateway application factory: one aiohttp app holding every channel.

``init_app(settings)`` builds it; Redis, the HTTP client for Rasa and the
Telegram application start and stop in ``cleanup_ctx``, so tests can build as
many apps as they like and nothing connects at import time.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot import abuse, appkeys, health, metrics, metrics_endpoint
from bot.action_watch import ActionServerWatch
from bot.aof import AofRewriter
from bot.appkeys import GATEWAY, HANDOFF, HTTP, HUB, REDIS, SETTINGS, VIEWS, WARMER
from bot.config import Settings
from bot.console import web as console_web
from bot.console.hub import Hub
from bot.console.views import ConsoleViews
from bot.crypto import Sealer
from bot.delivery import Delivery
from bot.gateway_build import build_gateway
from bot.handoff.service import HandoffService
from bot.rasa_client import RasaPool
from bot.reports import api as reports_api
from bot.reports import wire as reports_wire
from bot.screening import Screener
from bot.serve import body_deadline
from bot.spool import Spool
from bot.store import ConversationStore
from bot.warmup import RasaWarmer
from bot.web import routes as web_routes

log = logging.getLogger(__name__)
TELEGRAM = appkeys.TELEGRAM


def default_screener() -> Screener:
    from bot.safety import default_screener as load

    return load()


@web.middleware
async def store_errors(request: web.Request,
                       handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """A request that needs Redis while it is down gets a clear 503, never a bare 500."""
    try:
        return await handler(request)
    except RedisError as exc:
        resource = request.match_info.route.resource
        # the route template, never the path: paths carry session ids
        route = resource.canonical if resource is not None else "?"
        log.error("redis unavailable", extra={"url": route, "error": type(exc).__name__})
        from bot import texts

        return web.json_response(
            {"error": "temporarily unavailable", "message": texts.text("store_unavailable_lost", "hu")}, status=503
        )


async def refresh_queue_metrics(app: web.Application) -> None:
    """Set the queue-length and Telegram backlog gauges from Redis at scrape time."""
    try:
        await health.redis_memory_ratio(app[REDIS])
    except (RedisError, OSError, ValueError):
        pass
    metrics.QUEUE_LENGTH.clear()
    for w in await app[HANDOFF].queue.waiting():
        metrics.QUEUE_LENGTH.labels(w.level, w.skill).inc()
    if TELEGRAM in app:
        status = await app[TELEGRAM].outbox.status()
        metrics.TELEGRAM_OUTBOX_BACKLOG.set(status["backlog"])
        metrics.TELEGRAM_OUTBOX_AGE.set(status["oldest_age_seconds"])
        metrics.TELEGRAM_INBOX_BACKLOG.set(status["inbox"])
    if appkeys.EMAIL in app:
        up, _, age = app[appkeys.EMAIL].inbox.health()
        metrics.EMAIL_CONNECTED.set(1 if app[appkeys.EMAIL].inbox.connected.is_set() else 0)
        metrics.EMAIL_POLL_AGE.set(round(age, 1))
    if appkeys.MAIL_OUTBOX in app:
        st = await app[appkeys.MAIL_OUTBOX].status()
        for kind in ("report", "reply"):
            metrics.MAIL_OUTBOX_BACKLOG.labels(kind).set(st["kinds"].get(kind, {}).get("backlog", 0))
        metrics.MAIL_OUTBOX_AGE.set(st["oldest_age_seconds"])


def init_app(settings: Settings, *, screener: Screener | None = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024, middlewares=[body_deadline, store_errors])
    app[SETTINGS] = settings
    screener = screener or default_screener()

    async def resources(app: web.Application) -> AsyncIterator[None]:
        # Retry a few times on a dropped connection: after a Redis restart the pool still
        # holds sockets the server closed.
        # A blocking pool: a burst of concurrent updates waits for a connection instead of
        # failing with MaxConnectionsError (the default pool raised at 100).
        pool = BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=settings.redis_max_connections, timeout=10,
            socket_timeout=5, socket_connect_timeout=3, health_check_interval=30,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        # from_pool: the client owns the pool, so closing it at the end closes every connection
        # (a client given a pool with Redis(connection_pool=...) leaves the pool open).
        redis = Redis.from_pool(pool)
        http = aiohttp.ClientSession()
        sealer = Sealer(settings.data_keys)
        app[REDIS] = redis
        app[HTTP] = http
        store = ConversationStore(redis, sealer, settings.retention_seconds,
                                  max_chars=settings.max_message_chars, max_entries=settings.transcript_max_entries)
        guard = abuse.Guard(redis, settings)
        app[abuse.GUARD] = guard
        # The object graph, built once in order: each part gets what it needs at construction.
        delivery = Delivery(store)  # push channels register their pusher as they start
        rasa = RasaPool(http, list(settings.rasa_urls), settings.rasa_token, settings.rasa_timeout,
                        concurrency=settings.rasa_concurrency)
        outbox = None
        if settings.email_smtp_url:
            from bot.mail_outbox import MailOutbox

            sealers = {"reply": sealer}
            if settings.report_keys:
                sealers["report"] = Sealer(settings.report_keys)
            outbox = MailOutbox(redis, settings, sealers)
            app[appkeys.MAIL_OUTBOX] = outbox
        report_desk, eraser = reports_wire.build(settings, redis, delivery=delivery, guard=guard, outbox=outbox)
        app[reports_api.DESK] = report_desk
        handoff = HandoffService(redis, store, settings, sealer, delivery=delivery, rasa=rasa, http=http,
                                 guard=guard)
        app[HANDOFF] = handoff
        watch = ActionServerWatch(http, settings.action_server_url)
        rewriter = AofRewriter(redis, settings.erase_rewrite_seconds)
        gateway, replayer = build_gateway(settings, store=store, screener=screener, rasa=rasa, delivery=delivery,
                                          sealer=sealer, handoff=handoff, reports=report_desk, erase_hook=eraser,
                                          aof=rewriter, actions_up=lambda: watch.up)
        app[GATEWAY] = gateway
        views = ConsoleViews(redis, store, handoff.queue, handoff.presence, handoff.audit,
                             settings.operator_reads_per_10min)
        app[VIEWS] = views
        hub = Hub(redis, handoff, views)
        app[HUB] = hub
        await hub.start()
        if outbox is not None:
            await outbox.start()
        telegram = None
        if settings.telegram_enabled:
            from bot.telegram_channel import TelegramChannel

            telegram = TelegramChannel(settings, app[GATEWAY], redis, sealer,
                                       spool=Spool(settings.spool_dir / "telegram", sealer))
            app[TELEGRAM] = telegram
            await telegram.start()
        email = None
        if settings.email_enabled:
            from bot.email_channel import EmailChannel

            email = EmailChannel(settings, app[GATEWAY], redis, outbox, reports=report_desk)
            app[appkeys.EMAIL] = email
            await email.start()
        replay = asyncio.create_task(replayer.run(), name="replay-kept-messages")
        app[WARMER] = RasaWarmer(rasa, settings.rasa_warmup_conversations)
        warming = asyncio.create_task(app[WARMER].run(), name="rasa-warmup")
        watching = asyncio.create_task(watch.run(), name="action-server-watch")
        rasa_watch = asyncio.create_task(rasa.watch(), name="rasa-health")
        rewriting = asyncio.create_task(rewriter.run(), name="aof-rewrite-after-erase")
        yield
        periodic = [rewriting, warming, watching, rasa_watch, replay]
        for task in periodic:
            task.cancel()
        await asyncio.wait(periodic, timeout=2)
        await app[GATEWAY].stop()
        await hub.stop()
        await handoff.stop()
        if telegram is not None:
            await telegram.stop()
        if email is not None:
            await email.stop()
        if outbox is not None:
            await outbox.stop()
        # what the channels' last messages started after the gateway stopped
        await app[GATEWAY].background.cancel()
        await http.close()
        await redis.aclose()

    app.cleanup_ctx.append(resources)

    async def telegram_webhook(request: web.Request) -> web.Response:
        if TELEGRAM not in request.app:
            return web.Response(status=404)
        return await request.app[TELEGRAM].webhook(request)

    app.router.add_post("/telegram/webhook", telegram_webhook)
    health.setup(app)
    reports_api.setup(app)
    metrics_endpoint.setup(app)
    app[metrics_endpoint.QUEUE_REFRESH] = refresh_queue_metrics
    web_routes.setup(app)
    console_web.setup(app)
    return app
