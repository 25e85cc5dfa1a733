"""Operator JSON API for reports, under ``/api/operator/reports``.

Authentication: ``Authorization: Bearer <OPERATOR_API_TOKEN>`` (the operators'
automation token) plus the operator's name, for the audit log, in the
``X-Operator`` header (percent-encoded UTF-8 allowed); or a logged-in console
session (the console's report view at ``/console/reports``), whose POSTs carry the
session's ``X-CSRF-Token``. Every read of a report,
every change and every export is written to the audit log.

``GET    /api/operator/reports[?status=received|forwarded|closed]``  list (summaries)
``POST   /api/operator/reports``                        {fields..., "language"?}: a report taken by phone
``POST   /api/operator/reports/lookup``                 {"code"}: find by case code (code in body, not URL)
``GET    /api/operator/reports/{rid}``                  the full report (audited "opened")
``POST   /api/operator/reports/{rid}/notes``            {"text"}: what the operator learned on the phone
``GET    /api/operator/reports/{rid}/authorities``      candidates from the knowledge directory
``POST   /api/operator/reports/{rid}/authority``        {"directory": id} | {"service": id} | {"office": n} |
                                                       {"name", "address"?, "email"?} (a typed e-mail is
                                                       printed on the PDF but never mailed to)
``POST   /api/operator/reports/{rid}/immediate``        {"immediate": bool}
``POST   /api/operator/reports/{rid}/checklist``        {"step": police|welfare_centre|parents, "note"?}
``POST   /api/operator/reports/{rid}/status``           {"status": received|forwarded|closed}
``POST   /api/operator/reports/{rid}/messages``         {"text"}: message for the reporter
``POST   /api/operator/reports/{rid}/pii-review``       the operator reviewed the reporter's own data found
                                                       in the text (audited "reviewed personal data")
``GET    /api/operator/reports/{rid}/pdf``              the written report (audited "exported pdf"); 409
                                                       while the text holds the reporter's own phone,
                                                       e-mail or name not yet reviewed (masked in the PDF)
``POST   /api/operator/reports/{rid}/mail``             send the written report (PDF attached) by e-mail to
                                                       the chosen authority, which must come from the
                                                       e-mail directory (202; audited "mail queued to ..."); 409
                                                       under the same review gate as the PDF
``POST   /api/operator/reports/{rid}/mail/{mid}/retry`` send a failed mail again now
``GET    /api/operator/reports/{rid}/audit``            the audit entries of one report
``GET    /api/operator/reports-audit``                  the whole audit log (newest first)
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from bot.console.auth import bearer_ok, check_csrf, current_session
from bot.jsonapi import error as _error
from bot.jsonapi import json_body as _body
from bot.reports import pdf
from bot.reports.followup import ReportDesk
from bot.reports.store import Report, ReportError, ReportStore

log = logging.getLogger(__name__)
DESK: web.AppKey[ReportDesk] = web.AppKey("report_desk")
_RID = re.compile(r"^[0-9a-f]{32}$")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]



async def operator_of(request: web.Request) -> str | None:
    """The authenticated operator's name, or None if the request is not authorised.

    Either the automation token with the operator's name in ``X-Operator``, or a
    console session (the console's report view), whose changes carry its CSRF token.
    """
    if "Authorization" not in request.headers:
        session = await current_session(request)
        if session is None:
            return None
        check_csrf(request, session)
        return session.operator.name
    if not bearer_ok(request):
        return None
    name = unquote(request.headers.get("X-Operator", "")).strip()
    return name[:100] or None


def guarded(handler: Callable[[web.Request, ReportStore, str], Awaitable[web.StreamResponse]]) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        operator = await operator_of(request)
        if operator is None:
            return _error(401, "log in to the console, or send the bearer OPERATOR_API_TOKEN and an X-Operator name")
        desk = request.app.get(DESK)
        if desk is None or desk.reports is None:
            return _error(503, "reports are not configured (REPORT_ENCRYPTION_KEYS)")
        rid = request.match_info.get("rid")
        if rid is not None and not _RID.match(rid):
            return _error(404, "no such report")
        try:
            return await handler(request, desk.reports, operator)
        except KeyError:
            return _error(404, "no such report")
        except ReportError as exc:
            return _error(409, str(exc))
    return wrapped



def summary(r: Report) -> dict[str, Any]:
    return {"rid": r.rid, "ref": r.ref, "status": r.status, "created": r.created, "updated": r.updated,
            "immediate": r.immediate, "settlement": r.fields.get("settlement"),
            "child_age": r.fields.get("child_age"), "additions": len(r.additions),
            "authority": (r.authority or {}).get("name"), "pii_review_needed": r.needs_pii_review()}


async def detail(r: Report, store: ReportStore, *, with_code: bool = False) -> dict[str, Any]:
    """The full report for an operator. Never the case code (the reporter's secret: it
    opens the case from any chat), except to the caller that just created the report by
    phone (``with_code``), who must tell it to the reporter."""
    out = r.to_dict()
    if not with_code:
        out.pop("code", None)
    out.update({"rid": r.rid, "ref": r.ref, "checklist_steps": r.checklist_steps() if r.immediate else [],
                "linked": await store.linked_pid(r.rid) is not None,
                # Kinds only ("phone", "email", "name"), never the values.
                "pii": {"kinds": r.pii_kinds(), "review_needed": r.needs_pii_review()}})
    return out


async def get_report(store: ReportStore, rid: str) -> Report:
    report = await store.get(rid)
    if report is None:
        raise KeyError(rid)
    return report


@guarded
async def list_reports(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    status = request.query.get("status") or None
    reports = await store.list(status)
    return web.json_response({"reports": [summary(r) for r in reports]})


@guarded
async def create_report(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    body = await _body(request)
    report = await store.create(body, language=str(body.get("language") or "hu")[:2])
    await store.audit(report.rid, operator, "created")
    return web.json_response(await detail(report, store, with_code=True), status=201)


@guarded
async def lookup(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    body = await _body(request)
    report = await store.by_code(str(body.get("code") or ""))
    if report is None:
        return _error(404, "no such report")
    await store.audit(report.rid, operator, "opened")
    return web.json_response(await detail(report, store))


@guarded
async def show(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    report = await get_report(store, request.match_info["rid"])
    await store.audit(report.rid, operator, "opened")
    return web.json_response(await detail(report, store))


def _text(body: dict[str, Any]) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ReportError("text is required")
    return text


@guarded
async def add_note(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    report = await store.add_note(request.match_info["rid"], _text(await _body(request)), operator)
    await store.audit(report.rid, operator, "added note")
    return web.json_response(await detail(report, store))


_knowledge_cache: tuple[tuple[tuple[str, int], ...], Any] | None = None


def _knowledge() -> Any:
    """The services directory, read once and again only when one of its files changes.

    Reading all the YAML takes ~90 ms: on every request it would stall the event loop (every
    conversation) for that long. A changed file (an edited directory, a new offices import)
    is seen at the next request by its modification time."""
    global _knowledge_cache
    try:
        import knowledge
    except ImportError:
        return None
    files = sorted({*knowledge.KNOWLEDGE_DIR.glob("*.yml"), knowledge.offices_path()})
    stamp = tuple((str(f), f.stat().st_mtime_ns if f.exists() else 0) for f in files)
    if _knowledge_cache is not None and _knowledge_cache[0] == stamp:
        return _knowledge_cache[1]
    try:
        loaded = knowledge.load()
    except (OSError, ValueError):
        return None
    _knowledge_cache = (stamp, loaded)
    return loaded


def _mail_directory(request: web.Request, report: Report) -> dict[str, Any]:
    mailer = request.app[DESK].mailer
    if mailer is None:
        return {"enabled": False, "directory": []}
    entries = mailer.directory.for_settlement(report.fields.get("settlement") or "")
    return {"enabled": mailer.enabled, "directory": [a.public() for a in entries]}


@guarded
async def authorities(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    report = await get_report(store, request.match_info["rid"])
    mail = _mail_directory(request, report)
    k = _knowledge()
    if k is None:
        return web.json_response({"services": [], "offices": [], "free_text": True, "mail": mail})
    services = [{"service": sid, "name": s.get("name", {}).get("hu", sid)} for sid, s in k.services.items()
                if sid not in ("hotline", "okit", "crisis_home")]
    offices = []
    settlement = report.fields.get("settlement") or ""
    for i, o in enumerate(k.offices):
        if settlement and o in k.find_offices(settlement):
            offices.append({"office": i, **{f: o.get(f) for f in ("settlement", "service", "address", "phone")}})
    return web.json_response({"services": services, "offices": offices, "free_text": True, "mail": mail})


@guarded
async def set_authority(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    body = await _body(request)
    chosen: dict[str, Any]
    k = _knowledge() if ("service" in body or "office" in body) else None
    if "directory" in body:
        mailer = request.app[DESK].mailer
        entry = mailer.directory.get(str(body["directory"])) if mailer is not None else None
        if entry is None:
            raise ReportError("unknown directory entry")
        chosen = {"id": f"dir:{entry.id}", "kind": entry.kind or "directory", "name": entry.name,
                  "email": entry.email, "settlement": entry.settlement}
    elif "service" in body:
        service = (k.services if k else {}).get(str(body["service"]))
        if not service:
            raise ReportError("unknown service id")
        chosen = {"id": str(body["service"]), "kind": "service", "name": service.get("name", {}).get("hu", ""),
                  "address": body.get("address"), "email": body.get("email")}
    elif "office" in body:
        try:
            office = (k.offices if k else [])[int(body["office"])]
        except (ValueError, IndexError, TypeError):
            raise ReportError("unknown office") from None
        chosen = {"id": f"office:{body['office']}", "kind": "office",
                  "name": f"{office.get('service', '')} ({office.get('settlement', '')})",
                  "address": office.get("address"), "phone": office.get("phone")}
    else:
        chosen = {"kind": "free_text", "name": body.get("name"), "address": body.get("address"),
                  "email": body.get("email")}
    report = await store.set_authority(request.match_info["rid"], chosen, operator)
    await store.audit(report.rid, operator, "chose authority")
    return web.json_response(await detail(report, store))


@guarded
async def set_immediate(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    body = await _body(request)
    report = await store.set_immediate(request.match_info["rid"], bool(body.get("immediate")), operator)
    await store.audit(report.rid, operator, f"immediate={report.immediate}")
    return web.json_response(await detail(report, store))


@guarded
async def check_step(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    body = await _body(request)
    report = await store.check_step(request.match_info["rid"], str(body.get("step") or ""), operator,
                                    str(body.get("note") or ""))
    await store.audit(report.rid, operator, f"checklist {body.get('step')}")
    return web.json_response(await detail(report, store))


@guarded
async def set_status(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    body = await _body(request)
    report = await store.set_status(request.match_info["rid"], str(body.get("status") or ""), operator)
    await store.audit(report.rid, operator, f"status {report.status}")
    return web.json_response(await detail(report, store))


@guarded
async def message(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    text = _text(await _body(request))
    rid = request.match_info["rid"]
    await get_report(store, rid)
    delivered = await request.app[DESK].message_reporter(rid, text, operator)
    return web.json_response({"delivered_now": delivered})


PII_KINDS_EN = {"phone": "phone number", "email": "e-mail address", "name": "name"}


@guarded
async def review_pii(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    report = await store.review_pii(request.match_info["rid"], operator)
    kinds = report.pii_review["kinds"] if report.pii_review else []
    await store.audit(report.rid, operator, "reviewed personal data" + (f" ({', '.join(kinds)})" if kinds else ""))
    return web.json_response(await detail(report, store))


@guarded
async def export_pdf(request: web.Request, store: ReportStore, operator: str) -> web.StreamResponse:
    report = await get_report(store, request.match_info["rid"])
    if report.needs_pii_review():
        found = ", ".join(PII_KINDS_EN[k] for k in report.pii_kinds())
        await store.audit(report.rid, operator, "pdf refused: review needed")
        return _error(409, f"review needed before export: the report's text may hold the reporter's own "
                           f"{found} (masked in the PDF); an operator must review it first "
                           f"(POST {request.path[:-4]}/pii-review; in the console: the review button)")
    body = await asyncio.to_thread(pdf.render, report)  # ~90 ms of CPU: off the event loop
    await store.audit(report.rid, operator, "exported pdf")
    return web.Response(body=body, content_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="jelzes-{report.ref}.pdf"', "Cache-Control": "no-store"})


@guarded
async def send_mail(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    mailer = request.app[DESK].mailer
    if mailer is None:
        return _error(503, "report mails are not configured")
    report = await mailer.send(request.match_info["rid"], operator)
    return web.json_response(await detail(report, store), status=202)


@guarded
async def retry_mail(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    mailer = request.app[DESK].mailer
    if mailer is None:
        return _error(503, "report mails are not configured")
    report = await mailer.retry(request.match_info["rid"], request.match_info["mid"][:64], operator)
    return web.json_response(await detail(report, store), status=202)


@guarded
async def report_audit(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    return web.json_response({"audit": await store.audit_log(request.match_info["rid"])})


@guarded
async def all_audit(request: web.Request, store: ReportStore, operator: str) -> web.Response:
    return web.json_response({"audit": await store.audit_log()})


async def _no_store(request: web.Request, response: web.StreamResponse) -> None:
    """Nothing the API answers (chat messages, reports) is kept in a browser's cache."""
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"


def setup(app: web.Application) -> None:
    app.on_response_prepare.append(_no_store)
    base = "/api/operator/reports"
    r = app.router
    r.add_get(base, list_reports)
    r.add_post(base, create_report)
    r.add_post(f"{base}/lookup", lookup)
    r.add_get(f"{base}/{{rid}}", show)
    r.add_post(f"{base}/{{rid}}/notes", add_note)
    r.add_get(f"{base}/{{rid}}/authorities", authorities)
    r.add_post(f"{base}/{{rid}}/authority", set_authority)
    r.add_post(f"{base}/{{rid}}/immediate", set_immediate)
    r.add_post(f"{base}/{{rid}}/checklist", check_step)
    r.add_post(f"{base}/{{rid}}/status", set_status)
    r.add_post(f"{base}/{{rid}}/messages", message)
    r.add_post(f"{base}/{{rid}}/pii-review", review_pii)
    r.add_get(f"{base}/{{rid}}/pdf", export_pdf)
    r.add_post(f"{base}/{{rid}}/mail", send_mail)
    r.add_post(f"{base}/{{rid}}/mail/{{mid}}/retry", retry_mail)
    r.add_get(f"{base}/{{rid}}/audit", report_audit)
    r.add_get("/api/operator/reports-audit", all_audit)
