"""Bulk block: a supervisor stops a flood of fake danger chats in one step.

The abuse limits cannot refuse danger from many addresses (a person must see every real
one), so a flood of fake emergencies reaches the queue. A supervisor selects the flood by
a filter: queued within the last N minutes, the first message identical or nearly so to a
sample conversation's, and never answered by an operator; previews the count; confirms.
Each selected conversation is then blocked exactly as one by one (``HandoffService.block``:
audited, the person told once with 112), so the rules of a block still hold: concern and
up still get 112 / 116 111, high and up are queued again marked "previously blocked".
A chat that was blocked already and came back to the queue for danger is never selected.
The preview is kept under a token for ``PREVIEW_TTL``; the confirmation blocks only what
was previewed and still matches (a conversation answered meanwhile is left alone).
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import time
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any

import wording
from bot import keys
from bot.handoff.operators import Conflict, Forbidden, HandoffError, NotFound, Operator
from bot.handoff.queue import short_id
from bot.handoff.service import HandoffService
from bot.redis_values import hash_fields
from bot.safety.normalize import clean, fold
from bot.store import OPERATOR, PERSON

log = logging.getLogger(__name__)
PREVIEW_TTL = 600
MAX_MINUTES = 24 * 60
READ_LIMIT = 200  # transcript entries read per conversation; a longer one is never selected
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Filter:
    """Which waiting conversations a bulk block selects."""

    like: str  # the sample conversation (pseudonymous id): its first message is compared
    minutes: int = 30  # queued within the last this many minutes
    similarity: float = 0.9  # 1.0: identical words; 0.9 tolerates a changed word or digits

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Filter:
        like, minutes, similarity = body.get("like"), body.get("minutes", 30), body.get("similarity", 0.9)
        if not isinstance(like, str) or not re.fullmatch(r"[a-z]{2}-[0-9a-f]{32}", like):
            raise HandoffError("like must be a conversation id")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
            raise HandoffError(f"minutes must be an integer from 1 to {MAX_MINUTES}")
        if not isinstance(similarity, (int, float)) or isinstance(similarity, bool) or not 0.7 <= similarity <= 1:
            raise HandoffError("similarity must be between 0.7 and 1")
        return cls(like=like, minutes=minutes, similarity=float(similarity))


def shape(text: str) -> str:
    """A message's words, folded: case, accents, digits, punctuation and disguises ignored,
    so "Meg akarok halni!!! 17" and "meg akarok halni 42" compare equal."""
    return " ".join(fold(w) for w in _WORD.findall(clean(text)))


def alike(a: str, b: str, similarity: float) -> bool:
    if a == b:
        return True
    if not a or not b or similarity >= 1:
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= similarity


class BulkBlocker:
    """Preview and confirm a bulk block (supervisors only)."""

    def __init__(self, service: HandoffService) -> None:
        self.svc = service

    async def _first(self, pid: str) -> tuple[str | None, bool]:
        """The person's first typed message (shaped) and whether an operator ever wrote to
        them. Button presses and the web page's own "/greet" are not typed words: every web
        chat would look alike by them."""
        entries = await self.svc.store.read(pid, 0, staff=True, limit=READ_LIMIT)
        answered = len(entries) >= READ_LIMIT or any(e.sender == OPERATOR for e in entries)
        first = next((e.text for e in entries if e.sender == PERSON and e.text and not e.meta.get("payload")
                      and "kind" not in e.meta), None)
        return (shape(first) if first is not None else None), answered

    async def select(self, f: Filter) -> list[str]:
        """The waiting conversations the filter selects, in queue order."""
        sample, _ = await self._first(f.like)
        if not sample:
            raise NotFound("the sample conversation has no message of the person")
        cutoff = time.time() - f.minutes * 60
        out: list[str] = []
        for w in await self.svc.queue.waiting():
            if w.enqueued < cutoff or w.reason == "blocked_danger":
                continue  # older, or blocked already and back for danger: that stays with a person
            first, answered = await self._first(w.pid)
            if not answered and first is not None and alike(first, sample, f.similarity):
                out.append(w.pid)
        return out

    async def preview(self, f: Filter, op: Operator) -> dict[str, Any]:
        if not op.supervisor:
            raise Forbidden("supervisors only")
        pids = await self.select(f)
        token = secrets.token_urlsafe(16)
        key = keys.bulk_block(token)
        async with self.svc.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"by": op.name, "filter": json.dumps(asdict(f)), "ids": json.dumps(pids)})
            pipe.expire(key, PREVIEW_TTL)
            await pipe.execute()
        return {"token": token, "count": len(pids), "ids": [short_id(p) for p in pids[:50]],
                "expires_seconds": PREVIEW_TTL, "filter": asdict(f)}

    async def confirm(self, token: str, op: Operator, reason: str = "") -> dict[str, Any]:
        """Block what the preview selected and the filter still selects; audited."""
        if not op.supervisor:
            raise Forbidden("supervisors only")
        key = keys.bulk_block(token)
        raw = hash_fields(await self.svc.redis.hgetall(key)) if re.fullmatch(r"[\w-]{10,64}", token or "") else {}
        if not raw:
            raise NotFound("no such preview (expired?): preview again")
        if raw[b"by"].decode() != op.name:
            raise Forbidden("confirm your own preview")
        if not await self.svc.redis.delete(key):
            raise Conflict("this preview was confirmed already")
        f = Filter(**json.loads(raw[b"filter"]))
        previewed = json.loads(raw[b"ids"])
        still = set(await self.select(f))
        chosen = [p for p in previewed if p in still]
        reason = (reason or "").strip()[:200] or wording.staff("staff_bulk_block_reason")
        blocked = 0
        for pid in chosen:
            try:
                await self.svc.block(pid, op, reason=wording.staff("staff_bulk_block", reason=reason))
                blocked += 1
            except NotFound:
                continue  # erased meanwhile
        await self.svc.audit.write(keys.audit_blocks(), {
            "by": op.name, "bulk": blocked, "previewed": len(previewed), "minutes": f.minutes, "like": f.like,
            "similarity": f"{f.similarity:.2f}", "reason": reason})
        log.warning("bulk block", extra={"operator": op.name, "count": blocked})
        return {"blocked": blocked, "previewed": len(previewed), "skipped": len(previewed) - blocked}
