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

``rid`` is a keyed HMAC of the case code, so the code itself (the reporter's secret)
appears nowhere in Redis in clear and a Redis dump cannot be used to follow a case up.
"""
from __future__ import annotations

import builtins
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError

from bot import keys
from bot.crypto import InvalidToken, Sealer
from bot.redis_values import as_text, stream_entries
from bot.reports import codes, pii

RECEIVED, FORWARDED, CLOSED = "received", "forwarded", "closed"
STATUSES = (RECEIVED, FORWARDED, CLOSED)
UNKNOWN = "unknown"  # the reporter answered "I don't know"

# The form's questions, in order. A field missing from ``fields`` was skipped.
FIELDS = ("what", "child_age", "settlement", "address", "danger_now", "relation", "since", "others_know")
MAX_FIELD = 4000
MAX_ADDITION = 4000
MAX_ITEMS = 200

# Immediate danger, in the seeds' order: police, then the family and child welfare
# centre, then the parents unless they are the source of danger.
CHECKLIST = ("police", "welfare_centre", "parents")
# Word starts naming a parent: apa/apja/apám/apu(ka), anya/anyja/anyám/anyu(ka),
# szülő(k)/szülei, mostoha-, nevelő-; and the English words.
_PARENT = re.compile(
    r"\b(?:ap[aájuó]|any[aájuó]|szül[őöe]|mostoha|nevelő|édesap|édesany|father|mother|parent|dad|mum|mom|"
    r"step-?(?:father|mother|dad|mum|mom))",
    re.IGNORECASE,
)


def parents_are_source(relation: str | None) -> bool:
    """Whether the stated relation of who causes harm names a parent or step-parent."""
    if not relation or relation == UNKNOWN:
        return False
    return bool(_PARENT.search(relation))


def clean_fields(raw: dict[str, Any]) -> dict[str, str]:
    """Keep only known fields, as trimmed text; drop skipped ones; map "don't know"."""
    out: dict[str, str] = {}
    for name in FIELDS:
        value = raw.get(name)
        if value is None or isinstance(value, (dict, list)):
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        text = str(value).strip()
        if not text or text.lower() in ("skipped", "skip", "none", "null"):
            continue
        if text.lower() in (UNKNOWN, "dont_know", "don't know", "nem tudom"):
            text = UNKNOWN
        if name == "danger_now":
            low = text.lower()
            text = "yes" if low in ("yes", "igen", "true") else "no" if low in ("no", "nem", "false") else UNKNOWN
        out[name] = text[:MAX_FIELD]
    return out


@dataclass
class Report:
    code: str
    created: float
    fields: dict[str, str]
    language: str = "hu"
    status: str = RECEIVED
    updated: float = 0.0
    immediate: bool = False
    additions: list[dict[str, Any]] = field(default_factory=list)  # from the reporter: {ts, text}
    notes: list[dict[str, Any]] = field(default_factory=list)  # operator's: {ts, text, by}
    messages: list[dict[str, Any]] = field(default_factory=list)  # to the reporter: {ts, text, by, delivered}
    authority: dict[str, Any] | None = None  # {id?, name, address?, email?, by, ts}
    checklist: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> {ts, by, note|skipped}
    history: list[dict[str, Any]] = field(default_factory=list)  # status changes {ts, status, by}
    # An operator's review of the reporter's own contact details / name found in the text:
    # {ts, by, kinds, additions: how many additions it covered}.
    pii_review: dict[str, Any] | None = None
    # Mails of the written report to an authority (bot.reports.mail): {id, to: {id, name,
    # email, source}, status: queued|sent|failed|gave_up, attempts, by, queued, sent?, error?, next_try?}.
    mails: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rid(self) -> str:  # filled in by the store
        return self.__dict__.get("_rid", "")

    @property
    def ref(self) -> str:
        """A short reference for the written report: not the code, not reversible to it."""
        return self.rid[:10].upper()

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @classmethod
    def from_dict(cls, data: dict[str, Any], rid: str) -> Report:
        r = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        r.__dict__["_rid"] = rid
        return r

    def pii_kinds(self) -> list[str]:
        """What kinds of the reporter's own data its text seems to hold (computed, never stored)."""
        return pii.kinds_in([*self.fields.values(), *(a.get("text") for a in self.additions)])

    def needs_pii_review(self) -> bool:
        """Whether an operator must review it before export: found data not covered by a review."""
        if self.pii_review is None:
            return bool(self.pii_kinds())
        covered = int(self.pii_review.get("additions") or 0)
        return bool(pii.kinds_in(a.get("text") for a in self.additions[covered:]))

    def checklist_steps(self) -> list[dict[str, Any]]:
        """The immediate-danger steps in order, each with its state."""
        out = []
        for step in CHECKLIST:
            rec = self.checklist.get(step)
            na = step == "parents" and parents_are_source(self.fields.get("relation"))
            out.append({"step": step, "done": bool(rec), "record": rec, "not_applicable": na})
        return out


class ReportError(Exception):
    """An operation a report does not allow (e.g. a checklist step out of order)."""


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


