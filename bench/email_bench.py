"""E-mail channel benchmark: prints figures, asserts nothing.

Run: .venv/bin/python bench/email_bench.py [--mails 200] [--danger 20] [--reports 20] [--poll]

Real servers on this machine: a redis-server, Debian's dovecot (IMAP, IDLE unless
``--poll``) holding the mailbox, an aiosmtpd server taking the answers (not delivered
back into the mailbox), and the gateway app with the e-mail channel in this process.
Rasa is a closed port: every ordinary mail takes the "bot unavailable" path, so the
figures are the channel's and the gateway's own cost (add Rasa's answer time on top).

1. Throughput: ``--mails`` mails from as many senders dropped into the Maildir at once;
   mails per second from the drop until the last answer reached the SMTP server, and
   each mail's drop -> answer time.
2. Danger: ``--danger`` mails in immediate danger, one at a time, ``--gap`` seconds
   apart (so the channel waits in IDLE, or between polls, when each arrives); from the mail's
   arrival in the mailbox until its conversation is in the operator queue
   (``HandoffService.queue.waiting()``), and until the 112 answer reached the SMTP server.
3. Operators' mails: an operator answers each danger conversation; how long the operator's
   call takes and when the mail reaches the SMTP server, sent straight from memory (the
   old path) and through the durable Redis outbox (the new one), side by side in one run.
4. Written reports: ``--reports`` reports sent to a (fictional, .invalid) authority of the
   directory; the send call, and the time until the mail (PDF attached) reached SMTP.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.appkeys import EMAIL, GATEWAY, HANDOFF
from bot.handoff.operators import Operator
from bot.reports.api import DESK
from tests.conftest import RedisServer, free_port, make_settings, start_gateway
from tests.email_servers import Dovecot, SmtpRelay

OURS = "segitseg@hotline.test"
ORDINARY = "Jó napot! Hova fordulhatok tanácsért, ha a gyerekem nem akar iskolába járni?"
DANGER = "meg akarok halni ma éjjel, megvannak a gyógyszerek"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def line(name: str, ms: list[float]) -> str:
    return (f"{name:<52} n={len(ms):>4}  median {statistics.median(ms):7.1f} ms  p95 {pct(ms, 0.95):7.1f} ms"
            f"  max {max(ms):7.1f} ms")


def mail(sender: str, text: str) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, OURS, "Kérdés"
    m["Message-ID"] = make_msgid(domain="example.org")
    m.set_content(text)
    return bytes(m)


async def main(args: argparse.Namespace) -> None:
    logging.disable(logging.CRITICAL)
    redis_server, dovecot = RedisServer(fsync="everysec"), Dovecot()
    redis_server.start()
    dovecot.start()
    relay = SmtpRelay(dovecot, deliver=False)
    relay.start()
    arrived: dict[str, float] = {}
    orig = relay.handle_DATA

    async def stamp(server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            arrived.setdefault(rcpt, time.perf_counter())
        return await orig(server, session, envelope)

    relay.handle_DATA = stamp  # type: ignore[method-assign]
    directory = Path(tempfile.mkdtemp(prefix="bench-authorities-")) / "authorities.yml"
    directory.write_text('version: 1\nauthorities:\n  - {id: bench, name: "Bench hivatal", '
                         'email: "bench@authority.invalid", source: "BENCH: fictional", date: "2026-01"}\n')
    settings = make_settings(
        REPORT_MAIL_FROM="jelzes@hotline.test", AUTHORITY_DIRECTORY=str(directory),
        REDIS_URL=redis_server.url, PORT=free_port(), SPOOL_DIR=tempfile.mkdtemp(prefix="bench-spool-"),
        RASA_URL=f"http://127.0.0.1:{free_port()}", EMAIL_IMAP_URL=dovecot.url, EMAIL_SMTP_URL=relay.url,
        EMAIL_ADDRESS=OURS, EMAIL_POLL_SECONDS="0.5", RATE_LIMIT_MESSAGES="1000",
        EMAIL_DISABLE_IDLE="1" if args.poll else "", NEW_CHATS_PER_ADDRESS="0", NEW_CHATS_GLOBAL="0",
        QUEUE_ENTRIES_PER_ADDRESS="0", QUEUE_ENTRIES_GLOBAL="0",
    )
    gw = await start_gateway(settings)
    try:
        channel = gw.app[EMAIL]
        await asyncio.wait_for(channel.inbox.connected.wait(), 20)
        gateway, handoff = gw.app[GATEWAY], gw.app[HANDOFF]
        mode = "poll 0.5 s" if args.poll else "IDLE"

        # 1. throughput
        senders = [f"bench-{i:05d}@example.org" for i in range(args.mails)]
        raws = [mail(s, ORDINARY) for s in senders]
        dropped: dict[str, float] = {}
        t0 = time.perf_counter()
        for s, raw in zip(senders, raws):
            dovecot.deliver(raw)
            dropped[s] = time.perf_counter()
        while len([s for s in senders if s in arrived]) < len(senders):
            await asyncio.sleep(0.01)
        elapsed = max(arrived[s] for s in senders) - t0
        print(f"email channel ({mode}): {args.mails} mails in {elapsed:.2f} s = {args.mails / elapsed:.1f} mails/s "
              f"(drop into Maildir -> answer at the SMTP server; Rasa down)")
        print(line("  mail dropped -> answer received by SMTP", [(arrived[s] - dropped[s]) * 1000 for s in senders]))

        # 2. danger -> queue, one at a time
        rng = random.Random(16)
        to_queue: list[float] = []
        to_answer: list[float] = []
        for i in range(args.danger):
            await asyncio.sleep(rng.uniform(args.gap, args.gap + 0.5))  # back in IDLE, or anywhere between polls
            sender = f"danger-{i:04d}@example.org"
            pid = gateway.pid("email", sender)
            t = time.perf_counter()
            dovecot.deliver(mail(sender, DANGER))
            while pid not in {w.pid for w in await handoff.queue.waiting()}:
                await asyncio.sleep(0.002)
            to_queue.append((time.perf_counter() - t) * 1000)
            while sender not in arrived:
                await asyncio.sleep(0.002)
            to_answer.append((arrived[sender] - t) * 1000)
        print(line("  danger mail in mailbox -> operator queue", to_queue))
        print(line("  danger mail in mailbox -> 112 answer at SMTP", to_answer))
        print(f"  answered {channel.stats.answered}, skipped {channel.stats.skipped}, failed {channel.stats.failed}")

        # 3. operators' mails: straight from memory (old) and through the outbox (new), alternating
        outbox = channel.outbox
        calls: dict[str, list[float]] = {"memory": [], "outbox": []}
        arrive: dict[str, list[float]] = {"memory": [], "outbox": []}
        ops = [Operator(f"bench{i}") for i in range(args.danger)]  # one chat each (operators' chat limit)
        for i in range(args.danger):
            pid = gateway.pid("email", f"danger-{i:04d}@example.org")
            await handoff.presence.heartbeat(ops[i].name)
            await handoff.claim(pid, ops[i])
        await asyncio.sleep(1.0)  # the "a colleague joined" mails go out first
        for i in range(args.danger):
            sender = f"danger-{i:04d}@example.org"
            pid = gateway.pid("email", sender)
            for path in (("memory", "outbox") if i % 2 else ("outbox", "memory")):
                channel.outbox = outbox if path == "outbox" else None
                before = len(relay.to(sender))
                t = time.perf_counter()
                await handoff.send(pid, ops[i], f"Itt vagyok veled ({path}).")
                calls[path].append((time.perf_counter() - t) * 1000)
                while len(relay.to(sender)) <= before:
                    await asyncio.sleep(0.001)
                arrive[path].append((time.perf_counter() - t) * 1000)
        channel.outbox = outbox
        for path in ("memory", "outbox"):
            print(line(f"  operator mail, {path}: the operator's call", calls[path]))
            print(line(f"  operator mail, {path}: call -> mail at SMTP", arrive[path]))

        # 4. written reports to an authority, PDF attached
        desk = gw.app[DESK]
        send_ms: list[float] = []
        reach_ms: list[float] = []
        for _ in range(args.reports):
            report = await desk.reports.create({"what": "A szomszéd gyereket minden este bántják.", "child_age": "9",
                                                "settlement": "Mintafalva"})
            await desk.reports.set_authority(report.rid, {"id": "dir:bench", "name": "Bench hivatal",
                                                          "email": "bench@authority.invalid"}, "bench")
            before = len(relay.to("bench@authority.invalid"))
            t = time.perf_counter()
            await desk.mailer.send(report.rid, "bench")
            send_ms.append((time.perf_counter() - t) * 1000)
            while len(relay.to("bench@authority.invalid")) <= before:
                await asyncio.sleep(0.001)
            reach_ms.append((time.perf_counter() - t) * 1000)
        if send_ms:
            print(line("  report mail: the send call (PDF built, sealed, queued)", send_ms))
            print(line("  report mail: send call -> mail with PDF at SMTP", reach_ms))
    finally:
        await asyncio.wait_for(gw.runner.cleanup(), 30)
        relay.stop()
        dovecot.cleanup()
        redis_server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=200)
    parser.add_argument("--danger", type=int, default=20)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between danger mails (+ 0-0.5 s)")
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--poll", action="store_true", help="polling instead of IDLE")
    asyncio.run(main(parser.parse_args()))
