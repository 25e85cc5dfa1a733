"""Web chat API. Paths are a contract (outside checks use them):

``POST /api/chat`` ``{"session", "text"}`` (or ``"payload"`` for a button) ->
``{"replies": [{"text", "buttons": [{"title", "payload"}]}], "state", "cursor"}``;
``GET /api/chat/{session}/messages?after=N`` -> messages that arrived later (to the
person only; ``&mine=1`` adds the person's own, so a reloaded page shows both sides);
``POST /api/chat/{session}/leave`` -> the quick exit withdraws a waiting chat.
"""
from __future__ import annotations

import functools
import html
import logging
import re
from pathlib import Path
from typing import Any, TypeGuard

from aiohttp import web
from redis.exceptions import RedisError

import wording
from bot import abuse, keys, texts
from bot.appkeys import GATEWAY, HANDOFF, SETTINGS
from bot.delivery import Reply
from bot.inbound import Inbound
from bot.screening import Level
from bot.store import PERSON, Entry

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
# fullmatch: with match() and "$", a trailing newline would slip through.
_SESSION = re.compile(r"[A-Za-z0-9_-]{8,128}")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_CURSOR = 2**53  # far beyond any transcript
CHANNEL = "web"

# The chat page loads only its own script, style and API: no inline script, no framing
# (a framed chat could be overlaid or read by another site), nothing leaves via Referer.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _reply_json(r: Reply) -> dict[str, Any]:
    return {"text": r.text, "buttons": [{"title": t, "payload": p} for t, p in r.buttons]}


def _bad(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


def _valid_session(session: object) -> TypeGuard[str]:
    return isinstance(session, str) and _SESSION.fullmatch(session) is not None


PAGE_LANGUAGE = "hu"  # the page's language unless the visitor's browser prefers English
PAGE_LANGUAGES = ("hu", "en")
_MARK = re.compile(r"\{\{(web_\w+)\}\}")
_ACCEPT = re.compile(r"\s*([a-zA-Z]{1,8})(?:-[a-zA-Z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*")


@functools.cache
def page(lang: str = PAGE_LANGUAGE) -> str:
    """index.html in ``lang`` with its {{web_*}} marks filled from the catalogue (read once per
    language, HTML-escaped)."""
    raw = (STATIC / "index.html").read_text(encoding="utf-8")
    return _MARK.sub(lambda m: html.escape(wording.text(m.group(1), lang)), raw)


def page_language(request: web.Request) -> str:
    """``?lang=en|hu`` (the page's own link), else the first of Hungarian and English the
    browser's Accept-Language prefers, else Hungarian: an English speaker sees an English page."""
    asked = request.query.get("lang", "")
    if asked in PAGE_LANGUAGES:
        return asked
    best, best_q = PAGE_LANGUAGE, 0.0
    for part in request.headers.get("Accept-Language", "")[:200].split(","):
        m = _ACCEPT.fullmatch(part)
        if not m:
            continue
        try:
            q = float(m.group(2)) if m.group(2) else 1.0
        except ValueError:
            continue
        code = m.group(1).lower()
        if code in PAGE_LANGUAGES and q > best_q:
            best, best_q = code, q
    return best


async def index(request: web.Request) -> web.StreamResponse:
    return web.Response(text=page(page_language(request)), content_type="text/html",
                        headers={"Cache-Control": "no-store", "Vary": "Accept-Language",
                                 "Content-Language": page_language(request)})


def _own_origin(request: web.Request) -> bool:
    """Not a cross-site request: no Origin, ``null`` (our page sends it: Referrer-Policy
    no-referrer), or the service's own host (PUBLIC_URL's if set, else the Host header).
    A browser's ``Sec-Fetch-Site: cross-site`` is refused whatever the Origin says."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return False
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return True
    public = request.app[SETTINGS].public_url
    if public:
        from urllib.parse import urlsplit

        parts = urlsplit(public)
        return origin == f"{parts.scheme}://{parts.netloc}"
    return origin in (f"http://{request.host}", f"https://{request.host}")


async def _over_new_chat_limit(request: web.Request, inbound: Inbound, client: str) -> web.Response | None:
    """A new conversation over the per-address or global limit gets a kind 429 with the
    numbers. A message the screen scores high or immediate is let in whatever the limit
    (counted and alerted all the same): a school or a mobile network shares one address, and a
    child in danger who is told "a colleague will write here" must really be in the queue.
    The queue's own limits let danger through in the same way (operators see the flag)."""
    gateway = request.app[GATEWAY]
    guard = request.app[abuse.GUARD]
    pid = gateway.pid(CHANNEL, inbound.chat_id)
    if guard.known_recently(pid):
        return None  # seen a moment ago: not new (no round trip for every message of a chat)
    if await gateway.store.redis.exists(keys.conv(pid)):
        guard.remember(pid)
        return None
    if not await guard.hit_both(guard.new_chat_address, guard.new_chat_global, client):
        return None
    if gateway.screen(inbound).level >= Level.HIGH:
        return None  # safety over limits: the conversation is made and queued as any other
    lang = gateway.guess_voice(inbound)
    replies = [Reply(texts.text("too_many_chats", lang))]
    return web.json_response(
        {"error": "too many new conversations", "replies": [_reply_json(r) for r in replies], "state": "bot",
         "cursor": 0}, status=429, headers={"Retry-After": str(guard.new_chat_address.window)})


def _capped(text: str, cap: int) -> str:
    """A long message cut to its first and last ``cap`` characters, before any screening.

    Screening time grows with the text (a 50,000-character message held the event loop for
    162 ms), and the bot reads only the first ``cap`` characters anyway (the gateway says so
    kindly: ``too_long``). The end is kept for the danger screen: a long story that ends in
    "tonight I will do it" must still get 112 first."""
    if len(text) <= 2 * cap:
        return text
    return f"{text[:cap]}\n[…]\n{text[-cap:]}"


async def post_chat(request: web.Request) -> web.Response:
    # Only JSON from our own page: a cross-site form or text/plain fetch cannot send it
    # without a CORS preflight, which this service never answers.
    if request.content_type != "application/json":
        return web.json_response({"error": "Content-Type must be application/json"}, status=415)
    if not _own_origin(request):
        return web.json_response({"error": "cross-site requests are refused"}, status=403)
    try:
        body = await request.json()
    except ValueError:
        return _bad("body must be JSON")
    if not isinstance(body, dict):
        return _bad("body must be a JSON object")
    session = body.get("session")
    text = body.get("text")
    payload = body.get("payload")
    if not _valid_session(session):
        return _bad("session must be 8-128 characters of letters, digits, _ or -")
    if text is not None and not isinstance(text, str):
        return _bad("text must be a string")
    if payload is not None and not isinstance(payload, str):
        return _bad("payload must be a string")
    message_id = body.get("id")
    if message_id is not None and not (isinstance(message_id, str) and _MESSAGE_ID.fullmatch(message_id)):
        return _bad("id must be 8-64 characters of letters, digits, _ or -")
    gateway = request.app[GATEWAY]
    text = _capped(text or "", request.app[SETTINGS].max_message_chars)
    inbound = Inbound(channel=CHANNEL, chat_id=session, text=text, payload=payload, route={"channel": CHANNEL},
                      client_id=message_id)
    client = request.app[abuse.GUARD].client(request)
    try:
        limited = await _over_new_chat_limit(request, inbound, client)
    except (RedisError, OSError):
        limited = None  # without Redis no limit can be counted: the message still gets its answer
    if limited is not None:
        return limited
    token = abuse.CLIENT.set(client)  # the queue and the case-code brake count per client
    try:
        outcome = await gateway.handle(inbound)
    finally:
        abuse.CLIENT.reset(token)
    if outcome.cursor:  # recorded: the conversation exists now
        request.app[abuse.GUARD].remember(outcome.pid)
    return web.json_response(
        {"replies": [_reply_json(r) for r in outcome.replies], "state": outcome.state.value,
         "cursor": outcome.cursor}
    )


def _with_mine(entries: list[Entry]) -> list[dict[str, Any]]:
    """Both sides, in transcript order, as the person saw them.

    A button press is stored as its payload ("/talk_to_human"): it is shown with the
    title of the button that carried it; a payload no button offered (the page's own
    "/greet") is not something the person wrote, and is left out."""
    titles: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    for e in entries:
        if e.sender != PERSON:
            titles.update({p: t for t, p in e.buttons})
            out.append(e.public())
            continue
        payload = (e.meta or {}).get("payload")
        text = e.text
        if payload and text == payload:
            text = titles.get(payload, "")
        if not text or (e.meta or {}).get("kind"):  # empty, or a photo/sticker placeholder
            continue
        out.append({**e.public(), "text": text, "buttons": []})
    return out


async def get_messages(request: web.Request) -> web.Response:
    session = request.match_info["session"]
    if not _valid_session(session):
        return _bad("bad session")
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        return _bad("after must be an integer")
    if after > MAX_CURSOR:  # 400 digits must not reach Redis (and read as "Redis down")
        return _bad("after is out of range")
    mine = request.query.get("mine", "") in ("1", "true")
    gateway = request.app[GATEWAY]
    pid = gateway.pid(CHANNEL, session)
    entries = await gateway.store.read(pid, after)
    conv = await gateway.store.load(pid)
    if mine:
        messages = _with_mine(entries)
    else:
        messages = [e.public() for e in entries if e.sender != PERSON]
    cursor = entries[-1].seq if entries else max(after, 0)
    return web.json_response({"messages": messages, "cursor": cursor, "state": conv.state.value})


async def leave(request: web.Request) -> web.Response:
    """Quick exit: nobody should be left waiting for someone who has gone."""
    session = request.match_info["session"]
    if not _valid_session(session):
        return _bad("bad session")
    gateway = request.app[GATEWAY]
    pid = gateway.pid(CHANNEL, session)
    async with gateway.conversation_lock(pid):  # not half-way through a message of theirs
        state = await request.app[HANDOFF].person_left(pid)
    return web.json_response({"state": state})


def _is_web_chat(path: str) -> bool:
    return path == "/" or path.startswith("/static/") or path == "/api/chat" or path.startswith("/api/chat/")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The web chat's page, assets and API answers, errors included."""
    if not _is_web_chat(request.path):
        return
    h = response.headers
    h.update(SECURITY_HEADERS)
    h["Content-Security-Policy"] = API_CSP if request.path.startswith("/api/") else PAGE_CSP
    if request.path == "/" or request.path.startswith("/api/"):
        h["Cache-Control"] = "no-store"  # a shared computer must not keep the conversation
    if request.app[SETTINGS].console_secure_cookies:  # served over https (PUBLIC_URL or the switch)
        h["Strict-Transport-Security"] = "max-age=31536000"


def setup(app: web.Application) -> None:
    app.on_response_prepare.append(security_headers)
    app.router.add_get("/", index)
    app.router.add_post("/api/chat", post_chat)
    app.router.add_get("/api/chat/{session}/messages", get_messages)
    app.router.add_post("/api/chat/{session}/leave", leave)
    app.router.add_static("/static/", STATIC, show_index=False)
