"""Run YAML conversation scripts through the web chat API and score what the bot said.

A script is written from the person's side (see README.md here): each step says
something or presses a button, and lists what a good reply must contain (``must``:
strings, or lists of alternatives) and must not contain (``must_not``), and maybe
the conversation's ``state`` afterwards. Matching ignores case and accents and
reads every reply text and button title of that step, plus anything pushed to the
person meanwhile (operator and queue messages). Operator steps (``operator: claim |
return | close | say``) use the operator automation API.
"""
from __future__ import annotations

import asyncio
import re
import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot import texts as catalogue

HERE = Path(__file__).parent


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: how checks and replies are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare.lower()).strip()


@dataclass
class Check:
    step: int
    kind: str  # must | must_not | state | press
    expected: str
    ok: bool


@dataclass
class Result:
    id: str
    who: str
    file: str
    checks: list[Check] = field(default_factory=list)
    transcript: list[tuple[str, str]] = field(default_factory=list)  # (person, bot) per step

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def load(paths: list[Path]) -> list[dict[str, Any]]:
    """Every conversation in the given YAML files (or folders of them), with its file name."""
    files: list[Path] = []
    for p in paths:
        files += sorted(p.glob("*.yml")) if p.is_dir() else [p]
    out: list[dict[str, Any]] = []
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for conv in data.get("conversations") or []:
            out.append({**conv, "_file": f.name})
    return out


def open_set() -> list[dict[str, Any]]:
    return load([HERE])


def sealed_set(name: str = "sealed") -> list[dict[str, Any]]:
    """A sealed folder: `sealed` (session 4, measured), `sealed2` (session 5), ..."""
    return load([HERE / name])


def _alternatives(item: Any) -> list[str]:
    return [str(x) for x in item] if isinstance(item, list) else [str(item)]


class Runner:
    """Plays scripts against a running gateway (web chat + operator API)."""

    def __init__(self, http: aiohttp.ClientSession, url: str, operator_token: str,
                 pid_of: Callable[[str], str]) -> None:
        self.http, self.url = http, url
        self._auth = {"Authorization": f"Bearer {operator_token}"}
        self._pid_of = pid_of  # web session -> pseudonymous id (the gateway's keyed HMAC)

    async def _post(self, session: str, text: str | None = None, payload: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"session": session}
        if text is not None:
            body["text"] = text
        if payload is not None:
            body["payload"] = payload
        async with self.http.post(f"{self.url}/api/chat", json=body) as resp:
            return await resp.json() if resp.status == 200 else {"replies": [], "state": f"http {resp.status}"}

    async def _pull(self, session: str, after: int) -> dict[str, Any]:
        async with self.http.get(f"{self.url}/api/chat/{session}/messages", params={"after": after}) as resp:
            return await resp.json()

    async def _await_late_answer(self, session: str, cursor: int, said: list[str]) -> None:
        """"A moment" (Rasa busy or slow) promises an answer that follows through the pulled
        messages, as the page shows it: wait for it (at most LATE_WAIT s) before the checks."""
        if not BUSY & set(said):
            return
        deadline = time.monotonic() + LATE_WAIT
        while time.monotonic() < deadline:
            pulled = await self._pull(session, cursor)
            if any(m["text"] not in said and m["text"] not in BUSY for m in pulled.get("messages", [])):
                return
            await asyncio.sleep(0.2)

    async def _operator(self, session_pid: str, action: str, text: str = "") -> None:
        base = f"{self.url}/api/operator/chats/{session_pid}"
        if action == "claim":
            path, body = f"{base}/claim", {}
        elif action == "say":
            path, body = f"{base}/messages", {"text": text}
        elif action == "return":
            path, body = f"{base}/return", {}
        elif action == "close":
            path, body = f"{base}/close", {"outcome": "other"}
        else:
            raise ValueError(f"unknown operator action {action!r}")
        async with self.http.post(path, json=body, headers=self._auth) as resp:
            await resp.read()

    async def run(self, conv: dict[str, Any]) -> Result:
        result = Result(id=conv["id"], who=conv.get("who", ""), file=conv.get("_file", ""))
        session = f"conv-{uuid.uuid4().hex[:20]}"
        cursor = 0
        last_buttons: list[dict[str, str]] = []
        pid = self._pid_of(session)
        for i, step in enumerate(conv.get("steps") or []):
            said = ""
            texts: list[str] = []
            state = ""
            if "operator" in step:
                await self._operator(pid, step["operator"], step.get("text", ""))
                said = f"[operator {step['operator']}]"
            elif "press" in step:
                wanted = [fold(x) for x in _alternatives(step["press"])]
                button = next((b for b in last_buttons if any(w in fold(b["title"]) for w in wanted)), None)
                result.checks.append(Check(i, "press", " | ".join(_alternatives(step["press"])), button is not None))
                if button is None:
                    result.transcript.append((f"[press {step['press']}]", "(no such button)"))
                    continue
                said = f"[{button['title']}]"
                body = await self._post(session, payload=button["payload"])
                texts += [r["text"] for r in body["replies"]]
                last_buttons = [b for r in body["replies"] for b in r.get("buttons", [])]
                state = body.get("state", "")
            else:
                said = str(step["say"])
                body = await self._post(session, text=said)
                texts += [r["text"] for r in body["replies"]]
                last_buttons = [b for r in body["replies"] for b in r.get("buttons", [])]
                state = body.get("state", "")
            if "say" in step or "press" in step:
                await self._await_late_answer(session, cursor, texts)
            pulled = await self._pull(session, cursor)
            seen = set(texts)
            for m in pulled.get("messages", []):
                if m["text"] not in seen:
                    texts.append(m["text"])
                    last_buttons += m.get("buttons", [])
            cursor = pulled.get("cursor", cursor)
            state = pulled.get("state", state)
            heard = fold(" \n ".join(texts + [b["title"] for b in last_buttons]))
            for item in step.get("must") or []:
                alts = _alternatives(item)
                result.checks.append(Check(i, "must", " | ".join(alts), any(fold(a) in heard for a in alts)))
            for item in step.get("must_not") or []:
                result.checks.append(Check(i, "must_not", str(item), fold(str(item)) not in heard))
            if step.get("state"):
                result.checks.append(Check(i, "state", str(step["state"]), state == step["state"]))
            result.transcript.append((said, " / ".join(texts)))
        return result


BUSY = {catalogue.text("bot_busy", voice) for voice in ("hu", "hu_formal", "en")}
LATE_WAIT = 30.0


SERVICE_WORDS = ("gyermekjóléti", "családsegítő", "gyámhatóság", "rendőr", "bíróság", "okit", "áldozatsegítő",
                 "krízis", "116 000", "116 111", "police", "welfare", "court", "victim support", "guardianship")


def first_reply_service(results: list[Result]) -> tuple[int, int]:
    """Where-to-turn questions answered in the first reply: conversations whose first step
    must name a service, and how many first replies did (issue 12's end-to-end figure)."""
    asked = held = 0
    for r in results:
        firsts = [c for c in r.checks if c.step == 0 and c.kind == "must"
                  and any(w in fold(c.expected) for w in map(fold, SERVICE_WORDS))]
        if firsts:
            asked += 1
            held += all(c.ok for c in firsts)
    return asked, held


def summary(results: list[Result]) -> dict[str, Any]:
    checks = [c for r in results for c in r.checks]
    held = sum(c.ok for c in checks)
    return {
        "conversations": len(results),
        "fully_right": sum(r.ok for r in results),
        "checks": len(checks),
        "checks_held": held,
        "share_checks": round(held / len(checks), 3) if checks else 0.0,
        "share_conversations": round(sum(r.ok for r in results) / len(results), 3) if results else 0.0,
    }
