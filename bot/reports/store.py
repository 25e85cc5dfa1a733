"""Reports in Redis, sealed under their own key ring; the link to the conversation apart.

What is stored where (all values sealed with the *report* key ring,
``REPORT_ENCRYPTION_KEYS``, separate from the transcript keys and the pseudonym key):

- ``keys.report(rid)``: the report (fields, status, additions, operator notes,
  messages for the reporter, authority, immediate-danger checklist). No chat id,
  username, name, phone or pseudonymous id, not even hashed. TTL: report retention,
  counted from creation.
- ``keys.report_link(rid)``: ``{"pid": ...}``, the pseudonymous conversation id, so an
  operator's message can reach the reporter. TTL: conversation retention; deleted
  when the case closes and when the conversation is erased (/torles).
- ``keys.conv_reports(pid)``: the reverse of the links, so /torles can delete them.
  Part of the conversation (erased with it). TTL: conversation retention.

The report itself (fields, statuses, checklist) is ``bot.reports.report``.

``rid`` is a keyed HMAC of the case code, so the code itself (the reporter's secret)
appears nowhere in Redis in clear and a Redis dump cannot be used to follow a case up.
"""
from __future__ import annotations

import builtins
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError

from bot import keys
from bot.crypto import InvalidToken, Sealer
from bot.redis_values import as_text, stream_entries
from bot.reports import codes
from bot.reports.report import (
    CHECKLIST,
    CLOSED,
    FIELDS,
    FORWARDED,
    MAX_ADDITION,
    MAX_ITEMS,
    RECEIVED,
    STATUSES,
    UNKNOWN,
    Report,
    ReportError,
    clean_fields,
    parents_are_source,
)

# The report's own rules are in bot.reports.report; callers read these names from here too.
__all__ = ["CLOSED", "FIELDS", "FORWARDED", "RECEIVED", "STATUSES", "UNKNOWN", "Report", "ReportError",
           "ReportStore"]

class ReportStore:
    def __init__(
        self,
        redis: Redis,
        sealer: Sealer,
        index_key: bytes,
        *,
        retention_seconds: int,
        link_seconds: int,
    ) -> None:
        self.redis = redis
        self._sealer = sealer
        self._index_key = index_key
        self.retention = retention_seconds
        self.link_ttl = link_seconds

    def rid(self, code: str) -> str:
        """The Redis id of a report: keyed HMAC of its normalised code."""
        compact = code.replace("-", "")
        return hmac.new(self._index_key, b"report-code:" + compact.encode(), hashlib.sha256).hexdigest()[:32]

    # -- create and read ------------------------------------------------------
    async def create(self, fields: dict[str, Any], *, language: str = "hu", pid: str | None = None) -> Report:
        """Store a confirmed report; link it to ``pid`` (the conversation) if given."""
        clean = clean_fields(fields)
        now = time.time()
        while True:
            code = codes.new_code()
            rid = self.rid(code)
            report = Report(code=code, created=now, updated=now, fields=clean, language=language,
                            immediate=clean.get("danger_now") == "yes",
                            history=[{"ts": now, "status": RECEIVED, "by": "reporter"}])
            ok = await self.redis.set(keys.report(rid), self._sealer.seal(report.to_dict()),
                                      ex=self.retention, nx=True)
            if ok:
                break  # nx: a (practically impossible) collision draws again
        report.__dict__["_rid"] = rid
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(keys.reports_index(), {rid: now})
            pipe.expire(keys.reports_index(), self.retention)
            await pipe.execute()
        if pid:
            await self.link(rid, pid)
        return report

    async def get(self, rid: str) -> Report | None:
        raw = await self.redis.get(keys.report(rid))
        if raw is None:
            return None
        return Report.from_dict(self._sealer.open(raw), rid)

    async def by_code(self, code: str) -> Report | None:
        norm = codes.normalise(code)
        return await self.get(self.rid(norm)) if norm else None

    async def list(self, status: str | None = None, limit: int = 200) -> list[Report]:
        """Newest first; drops index entries whose report has expired."""
        cutoff = time.time() - self.retention
        await self.redis.zremrangebyscore(keys.reports_index(), "-inf", cutoff)
        rids = [as_text(r) for r in await self.redis.zrevrange(keys.reports_index(), 0, limit * 4)]
        out: list[Report] = []
        for rid in rids:
            report = await self.get(rid)
            if report is None:
                await self.redis.zrem(keys.reports_index(), rid)
                continue
            if status is None or report.status == status:
                out.append(report)
            if len(out) >= limit:
                break
        return out

    # -- changes ---------------------------------------------------------------
    async def update(self, rid: str, change: Callable[[Report], None]) -> Report:
        """Read, change and write back atomically (optimistic, retried on a race)."""
        key = keys.report(rid)
        for _ in range(20):
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if raw is None:
                        raise KeyError(rid)
                    report = Report.from_dict(self._sealer.open(raw), rid)
                    change(report)
                    report.updated = time.time()
                    pipe.multi()
                    pipe.set(key, self._sealer.seal(report.to_dict()), keepttl=True)
                    await pipe.execute()
                    return report
                except WatchError:
                    continue
        raise ReportError("report busy, try again")

    async def add_addition(self, rid: str, text: str) -> Report:
        def change(r: Report) -> None:
            if r.status == CLOSED:
                raise ReportError("closed")
            if len(r.additions) >= MAX_ITEMS:
                raise ReportError("too many additions")
            r.additions.append({"ts": time.time(), "text": text.strip()[:MAX_ADDITION]})
        return await self.update(rid, change)

    async def add_note(self, rid: str, text: str, operator: str) -> Report:
        def change(r: Report) -> None:
            if len(r.notes) >= MAX_ITEMS:
                raise ReportError("too many notes")
            r.notes.append({"ts": time.time(), "text": text.strip()[:MAX_ADDITION], "by": operator})
        return await self.update(rid, change)

    async def add_message(self, rid: str, text: str, operator: str) -> Report:
        def change(r: Report) -> None:
            if len(r.messages) >= MAX_ITEMS:
                raise ReportError("too many messages")
            r.messages.append({"ts": time.time(), "text": text.strip()[:MAX_ADDITION], "by": operator,
                               "delivered": False})
        return await self.update(rid, change)

    async def mark_delivered(self, rid: str, upto: int | None = None) -> None:
        def change(r: Report) -> None:
            for i, m in enumerate(r.messages):
                if upto is None or i <= upto:
                    m["delivered"] = True
        try:
            await self.update(rid, change)
        except KeyError:
            pass

    async def set_status(self, rid: str, status: str, operator: str) -> Report:
        if status not in STATUSES:
            raise ReportError(f"status must be one of {STATUSES}")

        def change(r: Report) -> None:
            if r.status == CLOSED and status != CLOSED:
                raise ReportError("closed reports stay closed")
            r.status = status
            r.history.append({"ts": time.time(), "status": status, "by": operator})
        report = await self.update(rid, change)
        if status == CLOSED:
            await self.delete_link(rid)
        return report

    async def set_authority(self, rid: str, authority: dict[str, Any], operator: str) -> Report:
        clean = {k: str(v)[:500] for k, v in authority.items()
                 if k in ("id", "name", "address", "email", "phone", "kind", "settlement") and v}
        if not clean.get("name"):
            raise ReportError("authority needs a name")

        def change(r: Report) -> None:
            r.authority = {**clean, "by": operator, "ts": time.time()}
        return await self.update(rid, change)

    async def review_pii(self, rid: str, operator: str) -> Report:
        """An operator has reviewed the reporter's own data found in the report (masked in the PDF)."""
        def change(r: Report) -> None:
            r.pii_review = {"ts": time.time(), "by": operator, "kinds": r.pii_kinds(),
                            "additions": len(r.additions)}
        return await self.update(rid, change)

    async def set_immediate(self, rid: str, immediate: bool, operator: str) -> Report:
        def change(r: Report) -> None:
            r.immediate = immediate
        return await self.update(rid, change)

    async def check_step(self, rid: str, step: str, operator: str, note: str = "") -> Report:
        """Record one immediate-danger step; the order of :data:`CHECKLIST` is enforced."""
        if step not in CHECKLIST:
            raise ReportError(f"step must be one of {CHECKLIST}")

        def change(r: Report) -> None:
            if not r.immediate:
                raise ReportError("not an immediate-danger report")
            for earlier in CHECKLIST[: CHECKLIST.index(step)]:
                if earlier not in r.checklist:
                    raise ReportError(f"{earlier} comes first")
            if step in r.checklist:
                raise ReportError("already recorded")
            rec: dict[str, Any] = {"ts": time.time(), "by": operator, "note": note.strip()[:1000]}
            if step == "parents" and parents_are_source(r.fields.get("relation")):
                rec["skipped"] = "parents are the source of danger"
            r.checklist[step] = rec
        return await self.update(rid, change)

    # -- the link to the conversation ------------------------------------------
    async def link(self, rid: str, pid: str) -> None:
        await self.redis.set(keys.report_link(rid), self._sealer.seal({"pid": pid}), ex=self.link_ttl)
        await self._edit_conv_reports(pid, lambda rids: rids | {rid})

    async def linked_pid(self, rid: str) -> str | None:
        raw = await self.redis.get(keys.report_link(rid))
        if raw is None:
            return None
        try:
            return self._sealer.open(raw).get("pid")
        except InvalidToken:
            return None

    async def delete_link(self, rid: str) -> None:
        pid = await self.linked_pid(rid)
        await self.redis.delete(keys.report_link(rid))
        if pid:
            await self._edit_conv_reports(pid, lambda rids: rids - {rid})

    async def unlink_conversation(self, pid: str) -> int:
        """Delete every link from reports to this conversation (for /torles)."""
        raw = await self.redis.get(keys.conv_reports(pid))
        rids: list[str] = self._sealer.open(raw) if raw else []
        if rids:
            await self.redis.delete(*[keys.report_link(r) for r in rids])
        await self.redis.delete(keys.conv_reports(pid))
        return len(rids)

    async def _edit_conv_reports(self, pid: str, edit: Callable[[set[str]], set[str]]) -> None:
        key = keys.conv_reports(pid)
        for _ in range(20):
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    rids = set(self._sealer.open(raw)) if raw else set()
                    new = edit(rids)
                    pipe.multi()
                    if new:
                        pipe.set(key, self._sealer.seal(sorted(new)), ex=self.link_ttl)
                    else:
                        pipe.delete(key)
                    await pipe.execute()
                    return
                except WatchError:
                    continue

    # -- audit -------------------------------------------------------------------
    async def audit(self, rid: str, operator: str, action: str) -> None:
        """Who did what to which report, when. Operator names only; never the reporter."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(keys.reports_audit(), {"rid": rid, "by": operator[:100], "action": action[:100]},
                      maxlen=100_000, approximate=True)
            pipe.expire(keys.reports_audit(), self.retention)
            await pipe.execute()

    # ``builtins.list``: in this class's signatures ``list`` is the method above
    async def audit_log(self, rid: str | None = None, limit: int = 500) -> builtins.list[dict[str, Any]]:
        rows = await self.redis.xrevrange(keys.reports_audit(), count=limit if rid is None else 100_000)
        out = []
        for entry_id, f in stream_entries(rows):
            entry: dict[str, Any] = {k.decode(): v.decode() for k, v in f.items()}
            if rid is not None and entry.get("rid") != rid:
                continue
            entry["ts"] = int(entry_id.decode().split("-")[0]) / 1000
            out.append(entry)
            if len(out) >= limit:
                break
        return out


