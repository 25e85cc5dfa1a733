"""``GET /metrics``: the Prometheus instruments of ``bot.metrics``, for those allowed to read them.

Apart from the instruments so that ``bot.metrics`` stays a leaf every module can import:
the access check needs the settings and the client address rules (``bot.abuse``).
"""
from __future__ import annotations

import hmac

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import abuse, metrics
from bot.appkeys import SETTINGS


def allowed(request: web.Request) -> bool:
    """With METRICS_TOKEN: only its bearer; without: only a loopback client (a client
    behind a trusted proxy is judged by its forwarded address, not the proxy's)."""
    settings = request.app[SETTINGS]
    if settings.metrics_token:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and hmac.compare_digest(
            header[7:].strip().encode(), settings.metrics_token.encode())
    return abuse.is_loopback(abuse.client_address(request, abuse.parse_trusted(settings.trusted_proxy)))


async def metrics_view(request: web.Request) -> web.Response:
    if not allowed(request):
        return web.json_response({"error": "metrics need the METRICS_TOKEN bearer (or loopback)"}, status=403)
    refresh = request.app.get(QUEUE_REFRESH)
    if refresh is not None:
        await refresh(request.app)
    return web.Response(body=generate_latest(metrics.REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


# An optional coroutine ``refresh(app)`` that sets QUEUE_LENGTH from Redis at scrape time
# (installed by the handoff service, which knows the queue's shape).
QUEUE_REFRESH: web.AppKey = web.AppKey("metrics_queue_refresh")


def setup(app: web.Application) -> None:
    app.router.add_get("/metrics", metrics_view)
