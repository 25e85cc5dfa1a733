"""The mailbox as the e-mail channel's durable inbox, read over IMAP.

Apart from the channel because it is the one part that speaks IMAP: it finds unseen mails
(IDLE when the server has it, polling every ``EMAIL_POLL_SECONDS`` otherwise), hands each
to ``answer`` and marks it ``\\Seen`` only once that returned (at-least-once: a crash
or a failed answer leaves it unseen, tried again later). What a mail says and how it is
answered is the channel's business; the connection's health is this module's.
"""
from __future__ import annotations

import asyncio
import logging
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot import metrics
from bot.background import stop_requested
from bot.config import Settings
from bot.mail_endpoint import endpoint

log = logging.getLogger(__name__)
CHANNEL = "email"
# aioimaplib logs every line it sends and receives (whole mails) at DEBUG, formatted
# before logging: never let that reach the output, whatever LOG_LEVEL says.
logging.getLogger("aioimaplib").setLevel(logging.WARNING)
CONCURRENCY = 8           # mails answered at the same time


class MailInbox:
    """Reads the mailbox; ``answer(raw, too_big)`` answers one mail or raises to retry it."""

    def __init__(self, settings: Settings, answer: Callable[[bytes, bool], Awaitable[None]],
                 spawn: Callable[[Coroutine[Any, Any, None]], None]) -> None:
        self.settings = settings
        self.imap = endpoint(settings.email_imap_url, settings.email_user, settings.email_password, (143, 993))
        self.mailbox = self.imap.path or "INBOX"
        self._answer = answer
        self._spawn = spawn  # the channel's: its stop() waits for answers under way
        self._sem = asyncio.Semaphore(CONCURRENCY)
        self._inflight: set[str] = set()     # UIDs being answered
        self._answered: list[str] = []        # UIDs to mark \Seen on the next turn
        self._retry_at: dict[str, float] = {}  # UIDs whose answer failed: not before
        self._wake = asyncio.Event()
        self.connected = asyncio.Event()
        self.idle = False
        self.last_poll = 0.0  # time.time() of the last successful read of the mailbox

    async def run(self) -> None:
        """Keep a session open, reconnecting with backoff (cancel to stop)."""
        backoff = 1.0
        while not stop_requested():
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - connection lost, login refused, timeout: try again
                self.connected.clear()
                metrics.ERRORS.labels("email_imap").inc()
                log.error("email mailbox unavailable", extra={"channel": CHANNEL, "error": type(exc).__name__})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
            else:
                backoff = 1.0

    async def _connect(self) -> Any:
        import aioimaplib

        timeout = self.settings.email_timeout
        if self.imap.tls:
            client = aioimaplib.IMAP4_SSL(self.imap.host, self.imap.port, timeout=timeout,
                                          ssl_context=ssl.create_default_context())
        else:
            client = aioimaplib.IMAP4(self.imap.host, self.imap.port, timeout=timeout)
        await client.wait_hello_from_server()
        resp = await client.login(self.imap.user, self.imap.password)
        if resp.result != "OK":
            raise PermissionError("IMAP login refused")
        resp = await client.select(self.mailbox)
        if resp.result != "OK":
            raise FileNotFoundError("IMAP mailbox not selectable")
        return client

    async def _session(self) -> None:
        client = await self._connect()
        idle = client.has_capability("IDLE") and not self.settings.email_disable_idle
        self.idle = idle
        self.connected.set()
        log.info("email mailbox open", extra={"channel": CHANNEL, "kind": "idle" if idle else "poll"})
        try:
            while not stop_requested():
                self._wake.clear()
                await self._mark_answered(client)
                await self._sweep(client)
                if self._wake.is_set():
                    continue
                wait = self.settings.email_idle_seconds if idle else self.settings.email_poll_seconds
                if self._retry_at:
                    wait = min(wait, max(0.5, min(self._retry_at.values()) - time.monotonic()))
                if idle:
                    await self._idle(client, wait)
                else:
                    await self._sleep(wait)
        finally:
            self.connected.clear()
            await self._close(client)

    @staticmethod
    async def _close(client: Any) -> None:
        """Log out when the connection is idle and well; close it in any case, never hang."""
        try:
            if not client.has_pending_idle() and client.get_state() == "SELECTED":
                await asyncio.wait_for(client.logout(), 2)
        except BaseException:  # noqa: BLE001, S110 - a dead connection has nothing to log out of
            pass
        transport = getattr(client.protocol, "transport", None)
        if transport is not None:
            transport.close()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    async def _idle(self, client: Any, seconds: float) -> None:
        """Wait in IDLE until the server says something changed, an answer went out, or time is up."""
        idle = await client.idle_start(timeout=seconds)
        push = asyncio.ensure_future(client.wait_server_push(timeout=seconds + 5))
        wake = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({push, wake}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            idle.cancel()  # stopping: the session closes the connection, no DONE needed
            raise
        finally:
            for t in (push, wake):
                t.cancel()
        if client.has_pending_idle():
            client.idle_done()
        await asyncio.wait_for(idle, self.settings.email_timeout)
        # drop pushes that came in meanwhile: the sweep that follows reads the mailbox anyway
        while not client.protocol.idle_queue.empty():
            client.protocol.idle_queue.get_nowait()

    async def _mark_answered(self, client: Any) -> None:
        while self._answered:
            uid = self._answered[0]
            resp = await client.uid("store", uid, "+FLAGS.SILENT", r"(\Seen)")
            if resp.result != "OK":
                raise RuntimeError("IMAP store refused")
            self._answered.pop(0)
            self._inflight.discard(uid)

    async def _sweep(self, client: Any) -> None:
        if not client.has_pending_idle():
            await client.noop()  # servers (dovecot) look for new mail on NOOP, not on SEARCH
        resp = await client.uid_search("UNSEEN")
        if resp.result != "OK":
            raise RuntimeError("IMAP search refused")
        uids = [u.decode() for line in resp.lines[:1] for u in bytes(line).split() if u.isdigit()]
        self.last_poll = time.time()
        now = time.monotonic()
        for uid in uids:
            if uid in self._inflight or self._retry_at.get(uid, 0) > now:
                continue
            if len(self._inflight) >= CONCURRENCY * 4:
                break  # the rest next turn, when answers have gone out
            raw, too_big = await self._fetch(client, uid)
            if raw is None:
                continue  # expunged meanwhile
            self._inflight.add(uid)
            self._retry_at.pop(uid, None)
            self._spawn(self._answer_uid(uid, raw, too_big))

    async def _fetch(self, client: Any, uid: str) -> tuple[bytes | None, bool]:
        resp = await client.uid("fetch", uid, "(RFC822.SIZE)")
        size_m = re.search(rb"RFC822\.SIZE (\d+)", b" ".join(bytes(x) for x in resp.lines))
        if resp.result != "OK" or size_m is None:
            return None, False
        too_big = int(size_m.group(1)) > self.settings.email_max_bytes
        part = "BODY.PEEK[HEADER]" if too_big else "BODY.PEEK[]"
        resp = await client.uid("fetch", uid, f"({part})")
        if resp.result != "OK":
            return None, False
        literals = [bytes(x) for x in resp.lines if isinstance(x, bytearray)]
        if not literals:
            return None, False
        return literals[0], too_big

    async def _answer_uid(self, uid: str, raw: bytes, too_big: bool) -> None:
        try:
            async with self._sem:
                await self._answer(raw, too_big)
        except asyncio.CancelledError:
            self._inflight.discard(uid)
            raise
        except Exception:  # noqa: BLE001 - counted and logged by the channel; kept unseen
            self._inflight.discard(uid)
            self._retry_at[uid] = time.monotonic() + self.settings.email_poll_seconds * 2
        else:
            self._answered.append(uid)  # \Seen only now: at-least-once
        self._wake.set()

    def health(self) -> tuple[bool, str, float]:
        """(ok, detail, seconds since the last successful read) for /healthz and /metrics."""
        age = time.time() - self.last_poll if self.last_poll else -1.0
        wait = self.settings.email_idle_seconds if self.idle else self.settings.email_poll_seconds
        stale_after = wait + 2 * self.settings.email_timeout + 10
        if not self.connected.is_set():
            return False, "IMAP not connected" + (f"; last read {age:.0f} s ago" if age >= 0 else ""), age
        if age < 0 or age > stale_after:
            return False, (f"connected, but no successful read for {age:.0f} s "
                           f"(expected within {stale_after:.0f} s)"), age
        return True, f"connected ({'IDLE' if self.idle else 'polling'}); last read {age:.0f} s ago", age
