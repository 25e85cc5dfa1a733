"""Prometheus metrics (served at ``/metrics`` by ``bot.metrics_endpoint``). Labels never carry ids or text.

Only the instruments: every module counts here, so this one imports nothing of ours.
Every metric of ours is named ``gyermekvedo_...`` (PREFIX), so it cannot clash with another
exporter's on a shared Prometheus; the process and Python runtime metrics keep their standard
names (``process_*``, ``python_*``) that existing dashboards and alerts expect."""
from __future__ import annotations

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

# No ``*_created`` series: their timestamps told within seconds when someone wrote about
# suicide.
disable_created_metrics()

REGISTRY = CollectorRegistry(auto_describe=True)
# CPU seconds, resident memory, open files, start time; Python's version and garbage collector.
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

PREFIX = "gyermekvedo_"


def _counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
    return Counter(PREFIX + name, doc, labels, registry=REGISTRY)


def _gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
    return Gauge(PREFIX + name, doc, labels, registry=REGISTRY)


def _histogram(name: str, doc: str, buckets: tuple[float, ...], labels: tuple[str, ...] = ()) -> Histogram:
    return Histogram(PREFIX + name, doc, labels, buckets=buckets, registry=REGISTRY)


MESSAGES = _counter("chat_messages_total", "Inbound messages by channel and kind", ("channel", "kind"))
SCREEN_HITS = _counter("screening_hits_total", "Messages flagged by the danger screen, by category and level",
                       ("category", "level"))
SCREEN_VERDICTS = _counter("screen_verdicts_total", "Operators' verdicts on the danger screen: the screen's level "
                           "against the operator's (agreement where they are equal)", ("screen", "operator"))
HANDOFFS = _counter("handoffs_total", "Conversations handed to the operator queue, by level and reason",
                    ("level", "reason"))
ERRORS = _counter("errors_total", "Errors by kind", ("kind",))
RATE_LIMITED = _counter("rate_limited_total", "Messages slowed by the per-conversation flood limit")
REPLY_LATENCY = _histogram("reply_latency_seconds", "Time from a message arriving to the gateway's answer, by channel",
                           (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), ("channel",))
QUEUE_LENGTH = _gauge("queue_length", "Conversations waiting for an operator, by level and skill", ("level", "skill"))
QUEUE_WAIT = _histogram("queue_wait_seconds", "Time waited in the queue until an operator took the chat",
                        (5, 15, 30, 60, 120, 300, 600, 1200, 3600))

TELEGRAM_OUTBOX_BACKLOG = _gauge("telegram_outbox_backlog", "Replies waiting to be sent to Telegram")
TELEGRAM_OUTBOX_AGE = _gauge("telegram_outbox_oldest_age_seconds", "Age of the oldest unsent Telegram reply")
TELEGRAM_INBOX_BACKLOG = _gauge("telegram_inbox_backlog", "Telegram updates stored but not yet answered")
MAIL_SENT = _counter("mail_sent_total", "Mails sent from the durable outbox, by kind (report, reply)", ("kind",))
MAIL_FAILED = _counter("mail_failed_total", "Failed attempts to send an outbox mail (retried with backoff), by kind",
                       ("kind",))
MAIL_OUTBOX_BACKLOG = _gauge("mail_outbox_backlog", "Mails waiting in the outbox (not given up), by kind", ("kind",))
MAIL_OUTBOX_AGE = _gauge("mail_outbox_oldest_age_seconds", "Age of the oldest mail waiting in the outbox")
EMAIL_CONNECTED = _gauge("email_mailbox_connected", "1 while the e-mail channel's IMAP session is open")
EMAIL_POLL_AGE = _gauge("email_mailbox_last_poll_age_seconds", "Seconds since the mailbox was last read "
                        "successfully (-1: never)")
ABUSE_LIMITED = _counter("abuse_limited_total", "Requests refused or slowed by an abuse limit (supervisor alert)",
                         ("limit",))
REDIS_MEMORY_RATIO = _gauge("redis_memory_used_ratio", "Redis used memory as a share of its maxmemory "
                            "(0 when no maxmemory is set); alert above 0.8")

