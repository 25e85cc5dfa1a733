"""Operators' verdicts on the danger screen: labelled examples for retraining.

An operator confirms, lowers or raises the level (and category) the screen gave a person's
message. Each verdict is kept, within the conversation retention, in the conversation's
``verdicts`` hash (erased by /torles with the rest of the conversation): the pseudonymous id,
the operator's level and category, the screen's level, categories and signals in the clear,
and the message text with the screen's matched words SEALED (the lexicon's matches are words
of the message, so they are text, not rule names). A command exports them:

    python -m bot.safety.verdicts export OUT.tsv [--approved-by NAME]

Without ``--approved-by``: ``level<TAB>category<TAB>`` and a comment with the screen's
evidence, no text. With it: ``level<TAB>category<TAB>text`` rows, the format of
``tests/data/safety_eval_*.tsv``. Nothing reads the export automatically: a reviewer copies
approved rows into a training file (bench/README.md, "Operators' verdicts").
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bot import keys, metrics
from bot.crypto import InvalidToken, Sealer
from bot.redis_values import as_text
from bot.safety.lexicon import CATEGORIES, CLASSIFIER_CATEGORY
from bot.screening import Level

VERDICT_CATEGORIES = (*CATEGORIES, CLASSIFIER_CATEGORY)
# A statistical signal's evidence is "classifier:0.87 «quote»": the score stays in the clear,
# the quote is message text.
_SIGNAL = re.compile(r"^(classifier|urgency):([0-9.]+)")


class VerdictError(ValueError):
    """A verdict that cannot be stored (bad level or category, nothing screened)."""


def parse(body: dict[str, Any]) -> tuple[Level, str, int | None]:
    """Validate a verdict request: ``{"level", "category"[, "seq"]}``."""
    level, category, seq = body.get("level"), body.get("category", ""), body.get("seq")
    if not isinstance(level, str) or level not in {lv.value for lv in Level}:
        raise VerdictError("level must be one of none, concern, high, immediate")
    if category is None:
        category = ""
    if not isinstance(category, str) or (category and category not in VERDICT_CATEGORIES):
        raise VerdictError("unknown category")
    if Level(level) > Level.NONE and not category:
        raise VerdictError("a level above none needs a category")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 1):
        raise VerdictError("seq must be a positive integer")
    return Level(level), category if Level(level) > Level.NONE else "", seq


def signals(matches: list[str]) -> list[str]:
    """The screen's evidence without message text: ``lexicon`` (``~lexicon`` for a typo
    guess) for each matched phrase, ``classifier:0.87`` for a statistical signal."""
    out: list[str] = []
    for m in matches:
        sig = _SIGNAL.match(m)
        out.append(sig.group(0) if sig else ("~lexicon" if m.startswith("~") else "lexicon"))
    return out


@dataclass(frozen=True)
class Verdict:
    pid: str
    seq: int
    level: str
    category: str
    screen_level: str
    screen_categories: list[str]
    screen_signals: list[str]
    operator: str
    ts: float


class VerdictStore:
    """Verdicts in Redis: plain evidence, sealed text, the conversation's retention."""

    def __init__(self, redis: Redis, sealer: Sealer, retention_seconds: int) -> None:
        self.redis = redis
        self.sealer = sealer
        self.retention = retention_seconds

    async def save(self, pid: str, seq: int, *, level: Level, category: str, screen: dict[str, Any],
                   text: str, operator: str) -> Verdict:
        matches = [str(m) for m in screen.get("matches") or []]
        v = Verdict(pid, seq, level.value, category, Level.parse(screen.get("level")).value,
                    [str(c) for c in screen.get("categories") or []], signals(matches), operator, time.time())
        record = {"level": v.level, "category": v.category, "screen_level": v.screen_level,
                  "screen_categories": v.screen_categories, "screen_signals": v.screen_signals,
                  "operator": operator, "ts": round(v.ts, 3),
                  "sealed": self.sealer.seal({"text": text, "matches": matches}).decode()}
        key = keys.conv_verdicts(pid)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, str(seq), json.dumps(record, ensure_ascii=False))
            pipe.expire(key, self.retention)
            pipe.zadd(keys.verdicts_index(), {pid: v.ts})
            pipe.expire(keys.verdicts_index(), self.retention)
            await pipe.execute()
        metrics.SCREEN_VERDICTS.labels(v.screen_level, v.level).inc()
        return v

    async def rows(self) -> list[dict[str, Any]]:
        """Every stored verdict, oldest first, the sealed part opened (``text`` is None when
        it cannot be opened with our keys). Index entries of erased or expired conversations
        are pruned on the way."""
        index = keys.verdicts_index()
        await self.redis.zremrangebyscore(index, "-inf", time.time() - self.retention)
        out: list[dict[str, Any]] = []
        for raw_pid in await self.redis.zrange(index, 0, -1):
            pid = as_text(raw_pid)
            stored = await self.redis.hgetall(keys.conv_verdicts(pid))
            if not stored:
                await self.redis.zrem(index, pid)
                continue
            for seq, value in sorted(stored.items(), key=lambda kv: int(kv[0])):
                rec = json.loads(value)
                try:
                    opened = self.sealer.open(rec.pop("sealed"))
                except InvalidToken:
                    opened = {}
                out.append({"pid": pid, "seq": int(seq), **rec, "text": opened.get("text")})
        out.sort(key=lambda r: r["ts"])
        return out


def _clean(text: str) -> str:
    """One TSV field: tabs and line breaks would break the row format."""
    return " ".join(text.split())


def write_tsv(rows: list[dict[str, Any]], path: str, approved_by: str | None) -> int:
    """Write the export; returns the number of rows. Text only with a reviewer's name."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        if approved_by:
            f.write(f"# level\tcategory\ttext  (operators' verdicts; text export approved by {_clean(approved_by)};"
                    " not read by any training command: copy reviewed rows into a training file)\n")
        else:
            f.write("# level\tcategory\ttext  (operators' verdicts, no text: export with --approved-by NAME "
                    "for the text; each row's comment gives the screen's evidence)\n")
        for r in rows:
            evidence = (f"# screen={r['screen_level']} categories={','.join(r['screen_categories']) or '-'} "
                        f"signals={','.join(r['screen_signals']) or '-'} operator_verdict={r['level']}\n")
            if approved_by:
                if r.get("text") is None:
                    continue  # sealed with a key we no longer hold
                f.write(f"{r['level']}\t{r['category']}\t{_clean(r['text'])}\n")
            else:
                f.write(evidence)
                f.write(f"{r['level']}\t{r['category']}\t\n")
            n += 1
    return n


async def _export(path: str, approved_by: str | None) -> int:
    from bot.config import Settings

    settings = Settings.from_env()
    redis = Redis.from_url(settings.redis_url)
    try:
        rows = await VerdictStore(redis, Sealer(settings.data_keys), settings.retention_seconds).rows()
    finally:
        await redis.aclose()
    return write_tsv(rows, path, approved_by)


def main(argv: list[str] | None = None) -> int:
    from bot.config import ConfigError

    parser = argparse.ArgumentParser(prog="python -m bot.safety.verdicts")
    sub = parser.add_subparsers(dest="cmd", required=True)
    exp = sub.add_parser("export", help="write the labelled examples as level<TAB>category<TAB>text")
    exp.add_argument("out")
    exp.add_argument("--approved-by", default="", help="the reviewer who approved exporting the text")
    args = parser.parse_args(argv)
    try:
        n = asyncio.run(_export(args.out, args.approved_by.strip() or None))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{n} verdicts written to {args.out}" + ("" if args.approved_by.strip() else " (no text)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
