"""Build the report desk and the erase hook for the gateway app (called from ``bot.app``)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

from bot.config import Settings
from bot.crypto import Sealer
from bot.delivery import Delivery
from bot.reports.erase import Eraser
from bot.reports.followup import ReportDesk
from bot.reports.store import ReportStore

if TYPE_CHECKING:
    from bot.mail_outbox import MailOutbox

log = logging.getLogger(__name__)


def build(settings: Settings, redis: Redis, *, delivery: Delivery, guard: Any,
          outbox: MailOutbox | None) -> tuple[ReportDesk, Eraser]:
    """The report desk and the erase hook; reports are refused without their key ring."""
    store: ReportStore | None = None
    sealer = None
    if settings.report_keys:
        sealer = Sealer(settings.report_keys)
        store = ReportStore(redis, sealer, settings.pseudonym_key,
                            retention_seconds=settings.report_retention_seconds,
                            link_seconds=settings.retention_seconds)
    else:
        log.warning("REPORT_ENCRYPTION_KEYS not set: reports are refused", extra={"component": "reports"})
    desk = ReportDesk(store, redis, sealer or Sealer(settings.data_keys), delivery=delivery, guard=guard,
                      mailer=_mailer(store, settings, outbox))
    return desk, Eraser(redis, store, Sealer(settings.data_keys), delivery=delivery, mail_outbox=outbox)


def _mailer(store: ReportStore | None, settings: Settings, outbox: MailOutbox | None) -> Any:
    """Written reports by e-mail: addresses from the directory only (checked at start-up)."""
    from bot.reports.directory import Directory
    from bot.reports.mail import ReportMailer

    if store is None:
        return None
    directory = Directory.load(settings.authority_directory)
    return ReportMailer(store, outbox if settings.report_mail_enabled else None, directory,
                        settings.report_mail_from)
