"""Web chat API. Paths are a contract (outside checks use them):

``POST /api/chat`` ``{"session", "text"}`` (or ``"payload"`` for a button) ->
``{"replies": [{"text", "buttons": [{"title", "payload"}]}], "state", "cursor"}``;
``GET /api/chat/{session}/messages?after=N`` -> messages that arrived later.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from aiohttp import web

from bot.appkeys import GATEWAY
from bot.gateway import Inbound, Reply

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
CHANNEL = "web"


def _reply_json(r: Reply) -> dict:
    return {"text": r.text, "buttons": [{"title": t, "payload": p} for t, p in r.buttons]}


def _bad(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def post_chat(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _bad("body must be JSON")
    if not isinstance(body, dict):
        return _bad("body must be a JSON object")
    session = body.get("session")
    text = body.get("text")
    payload = body.get("payload")
    if not isinstance(session, str) or not _SESSION.match(session):
        return _bad("session must be 8-128 characters of letters, digits, _ or -")
    if text is not None and not isinstance(text, str):
        return _bad("text must be a string")
    if payload is not None and not isinstance(payload, str):
        return _bad("payload must be a string")
    gateway = request.app[GATEWAY]
    outcome = await gateway.handle(
        Inbound(channel=CHANNEL, chat_id=session, text=text or "", payload=payload,
                route={"channel": CHANNEL})
    )
    return web.json_response(
        {"replies": [_reply_json(r) for r in outcome.replies], "state": outcome.state.value,
         "cursor": outcome.cursor}
    )


async def get_messages(request: web.Request) -> web.Response:
    session = request.match_info["session"]
    if not _SESSION.match(session):
        return _bad("bad session")
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        return _bad("after must be an integer")
    gateway = request.app[GATEWAY]
    pid = gateway.pid(CHANNEL, session)
    entries = await gateway.store.read(pid, after)
    conv = await gateway.store.load(pid)
    messages = [e.public() for e in entries if e.sender != "person"]
    cursor = entries[-1].seq if entries else max(after, 0)
    return web.json_response({"messages": messages, "cursor": cursor, "state": conv.state.value})


def setup(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_post("/api/chat", post_chat)
    app.router.add_get("/api/chat/{session}/messages", get_messages)
    app.router.add_static("/static/", STATIC, show_index=False)
