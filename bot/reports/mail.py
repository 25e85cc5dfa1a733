"""Written reports to the competent authority by e-mail: the PDF, to a cited address.

An operator sends a report to the authority chosen for it from the e-mail directory
(``bot.reports.directory``: addresses with their source, never typed in). The mail is
built from the report alone, exactly as the PDF is (``pdf.blocks``: the report's fields,
the reporter's later additions, the operator's notes, all masked by ``bot.reports.pii``):
no case code, no conversation id or pseudonym, no channel, no operator name, no trace
of the reporter in the body or the headers. The same gate as the PDF applies: while
the text may hold the reporter's own phone, e-mail or name not yet reviewed, sending
is refused (409). The mail goes through the durable outbox (``bot.mail_outbox``); its
fate (queued, sent, failed with the next try, given up) is written into the report and
its audit log as it happens, so the console shows the delivery status.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from bot.mail_outbox import FAILED, GAVE_UP, QUEUED, SENT, MailOutbox, Outcome
from bot.reports import pdf
from bot.reports.directory import Authority, Directory
from bot.reports.store import FORWARDED, RECEIVED, Report, ReportError, ReportStore

log = logging.getLogger(__name__)
KIND = "report"
SYSTEM = "(e-mail)"  # the audit's actor for what the outbox did on its own


class ReviewNeeded(ReportError):
    """The report's text may hold the reporter's own data nobody has reviewed yet."""


def directory_id(report: Report) -> str:
    """The directory entry chosen as the report's authority, or ""."""
    aid = str((report.authority or {}).get("id") or "")
    return aid[4:] if aid.startswith("dir:") else ""


def compose(report: Report, to: Authority, sender: str) -> EmailMessage:
    """The mail: the PDF attached, the same text in the body; headers name nobody but us and them."""
    msg = EmailMessage()
    msg["From"] = Address(display_name=pdf.say("pdf_sender"), addr_spec=sender)
    msg["To"] = Address(display_name=to.name, addr_spec=to.email)
    msg["Subject"] = pdf.say("report_mail_subject", ref=report.ref)
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    msg.set_content(pdf.say("report_mail_intro") + "\n\n" + pdf.text(report))
    msg.add_attachment(pdf.render(report), maintype="application", subtype="pdf",
                       filename=pdf.say("report_mail_filename", ref=report.ref))
    return msg


class ReportMailer:
    def __init__(self, store: ReportStore, outbox: MailOutbox | None, directory: Directory, sender: str) -> None:
        self.store = store
        self.outbox = outbox
        self.directory = directory
        self.sender = sender
        if outbox is not None:
            outbox.handlers[KIND] = self.on_outcome

    @property
    def enabled(self) -> bool:
        return self.outbox is not None and bool(self.sender)

    async def send(self, rid: str, operator: str) -> Report:
        """Queue the report's mail to its chosen authority; raises ReportError when not allowed."""
        report = await self.store.get(rid)
        if report is None:
            raise KeyError(rid)
        to = self.directory.get(directory_id(report))
        if to is None:
            raise ReportError("choose the authority from the e-mail directory first (addresses only with a source)")
        if report.needs_pii_review():
            await self.store.audit(rid, operator, "mail refused: review needed")
            raise ReviewNeeded("review needed before sending: the report's text may hold the reporter's own data "
                               "(masked in the mail); an operator must review it first")
        if any(m["status"] in (QUEUED, FAILED) and m["to"]["id"] == to.id for m in report.mails):
            raise ReportError("a mail to this authority is already on its way; retry it instead")
        if not self.enabled:
            raise ReportError("report mails are off (EMAIL_SMTP_URL and REPORT_MAIL_FROM)")
        assert self.outbox is not None
        # fpdf2 takes 0.1-0.3 s of CPU: not on the event loop every conversation shares
        msg = await asyncio.to_thread(compose, report, to, self.sender)
        mid = self.outbox.new_id(KIND)
        record = {"id": mid, "to": {"id": to.id, "name": to.name, "email": to.email, "source": to.source},
                  "status": QUEUED, "attempts": 0, "by": operator, "queued": time.time()}

        def add(r: Report) -> None:
            r.mails.append(record)

        def remove(r: Report) -> None:
            r.mails[:] = [m for m in r.mails if m["id"] != mid]
        # Recorded first: the outbox may send it (and report the outcome) at once.
        await self.store.update(rid, add)
        await self.store.audit(rid, operator, f"mail queued to {to.id}")
        try:
            await self.outbox.put(KIND, msg, sender=self.sender, recipients=[to.email], ref=rid,
                                  ttl=self.store.retention, mid=mid)
        except BaseException:
            await self.store.update(rid, remove)
            await self.store.audit(rid, operator, f"mail not queued to {to.id}")
            raise
        return await self.store.get(rid) or report

    async def retry(self, rid: str, mid: str, operator: str) -> Report:
        report = await self.store.get(rid)
        if report is None:
            raise KeyError(rid)
        record = next((m for m in report.mails if m["id"] == mid), None)
        if record is None or record["status"] not in (FAILED, GAVE_UP):
            raise ReportError("only a failed mail can be retried")
        if self.outbox is None:
            raise ReportError("report mails are off (EMAIL_SMTP_URL and REPORT_MAIL_FROM)")

        def mark(status: str) -> Any:
            def change(r: Report) -> None:
                for m in r.mails:
                    if m["id"] == mid:
                        m.update(status=status, next_try=None)
            return change
        # Marked first: the outbox may send it (and report the outcome) at once.
        await self.store.update(rid, mark(QUEUED))
        if not await self.outbox.retry(mid):
            await self.store.update(rid, mark(record["status"]))
            raise ReportError("this mail is no longer in the outbox; send the report again")
        await self.store.audit(rid, operator, f"mail retry to {record['to']['id']}")
        return await self.store.get(rid) or report

    async def on_outcome(self, outcome: Outcome) -> None:
        """The outbox tells what became of a mail: into the report and its audit log."""
        rid = outcome.ref
        previous: dict[str, Any] = {}

        def change(r: Report) -> None:
            for m in r.mails:
                if m["id"] == outcome.mid:
                    previous.update(m)
                    m.update(status=outcome.status, attempts=outcome.attempts, error=outcome.error or None,
                             next_try=outcome.next_at)
                    if outcome.status == SENT:
                        m["sent"] = time.time()
            if outcome.status == SENT and r.status == RECEIVED:
                r.status = FORWARDED
                r.history.append({"ts": time.time(), "status": FORWARDED, "by": SYSTEM})
        try:
            await self.store.update(rid, change)
        except KeyError:  # the report expired meanwhile
            return
        to = (previous.get("to") or {}).get("id", "?")
        if outcome.status == SENT:
            await self.store.audit(rid, SYSTEM, f"mail sent to {to}")
        elif outcome.status == GAVE_UP:
            await self.store.audit(rid, SYSTEM, f"mail given up to {to} ({outcome.error})")
        elif previous.get("status") != FAILED:  # the first failure of a run, not every retry
            await self.store.audit(rid, SYSTEM, f"mail failed to {to} ({outcome.error}); retrying")
