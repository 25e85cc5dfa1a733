"""Serve the gateway: slow clients are cut off, and a stop never waits long.

aiohttp has no deadline for a request's head: a client that opens connections and sends
its headers a byte at a time (slowloris) keeps each one open for as long as it likes, and
enough of them take every file descriptor. Here a connection whose request head is not
complete ``HTTP_HEADER_TIMEOUT`` seconds after it opened (on a kept-alive connection: after
the next head's first byte) is closed, and a request body must arrive within ``HTTP_BODY_TIMEOUT`` (408).
Idle keep-alive connections close after ``HTTP_KEEPALIVE_TIMEOUT``. On SIGTERM, requests
still running get ``SHUTDOWN_GRACE`` seconds (aiohttp's default is 60).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_runner import GracefulExit

from bot import metrics
from bot.appkeys import SETTINGS

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 2.0


class GuardedRequestHandler(RequestHandler):
    """A connection that must finish each request head within a deadline."""

    head_timeout = 10.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.busy = 0  # requests of this connection being handled (the middleware counts)
        self._heads = 0
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._heads = self._request_count
        self._deadline = asyncio.get_running_loop().call_later(self.head_timeout, self._too_slow)

    def _too_slow(self) -> None:
        self._deadline = None
        if self.busy == 0 and self._request_count == self._heads and self.transport is not None:
            metrics.ERRORS.labels("http_head_timeout").inc()
            self.force_close()
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._request_count != self._heads:  # a whole head arrived: no deadline until it is done
            self._heads = self._request_count
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
        elif self._deadline is None and self.busy == 0 and data:
            self._arm()  # the start of the next head on a kept-alive connection

    def request_done(self) -> None:
        # An idle kept-alive connection is aiohttp's (keepalive_timeout); the next head's
        # deadline starts with its first byte (data_received).
        self.busy -= 1

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)


class _GuardedServer(web.Server):
    def __call__(self) -> RequestHandler:
        return GuardedRequestHandler(self, loop=self._loop, **self._kwargs)


class GuardedAppRunner(web.AppRunner):
    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _GuardedServer  # the same server; only its connections differ
        return server


@web.middleware
async def body_deadline(request: web.Request,
                        handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Count the request on its connection (head deadline) and read its body in time."""
    proto = request.protocol
    guarded = proto if isinstance(proto, GuardedRequestHandler) else None
    if guarded is not None:
        guarded.busy += 1
    try:
        if request.body_exists:
            try:
                async with asyncio.timeout(request.app[SETTINGS].http_body_timeout):
                    # kept by aiohttp: request.json()/post() reuse it. The stream is spent, so
                    # handlers test ``body_exists``, never ``can_read_body`` (now False).
                    await request.read()
            except TimeoutError:
                metrics.ERRORS.labels("http_body_timeout").inc()
                resp = web.Response(status=408, text="request body too slow")
                resp.force_close()  # the rest of the body is never read: the connection ends
                return resp
        return await handler(request)
    finally:
        if guarded is not None:
            guarded.request_done()


async def serve(app: web.Application, host: str, port: int, **kwargs: Any) -> None:
    """Run until SIGTERM/SIGINT (like ``web.run_app``, with the guards above)."""
    settings = app[SETTINGS]
    GuardedRequestHandler.head_timeout = settings.http_header_timeout
    runner = GuardedAppRunner(app, handle_signals=True, access_log=None, shutdown_timeout=SHUTDOWN_GRACE,
                              keepalive_timeout=settings.http_keepalive_timeout, **kwargs)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        await asyncio.Event().wait()  # serve until a signal (handle_signals) or a cancel ends it
    finally:
        await runner.cleanup()


def run(app: web.Application, host: str, port: int) -> None:
    """As ``web.run_app``: on a signal the app's cleanup runs first, then leftover tasks end."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    main = loop.create_task(serve(app, host, port))
    try:
        loop.run_until_complete(main)
    except (GracefulExit, KeyboardInterrupt):
        pass
    finally:
        if not main.done():
            main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(main)
        rest = asyncio.all_tasks(loop)
        for task in rest:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
