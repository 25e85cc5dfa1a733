"""The operator console at ``/console/``: log-in, the page, its websocket, its files.

Only the log-in page answers without a session. Cookies are HttpOnly and
SameSite=Strict (Secure with CONSOLE_SECURE_COOKIES=1); every state-changing
request carries a CSRF token; every response gets a strict CSP, DENY framing and
no referrer.
"""
from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from functools import cache
from pathlib import Path

import jinja2
from aiohttp import WSMsgType, web

import wording
from bot.abuse import GUARD
from bot.appkeys import HUB, REDIS, SETTINGS
from bot.console import api
from bot.console.accounts import create_session, end_session, login_wait, verify
from bot.console.auth import COOKIE, LOGIN_COOKIE, current_session, same_origin, session_idle, session_ttl, set_cookie
from bot.console.hub import ConsoleSocket

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
STATIC = HERE / "static"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
_ENV.globals["t"] = wording.staff  # the console's words: wording/console.yml
_ENV.globals["lang"] = wording.STAFF_LANGUAGE
# The catalogue entries the console's scripts read (w("key") in static/*.js): its own words and
# the staff's names for danger levels and queues.
SCRIPT_WORDS = ("console_", "staff_level_", "staff_skill_")
_PID = re.compile(r"^[a-z]{2}-[0-9a-f]{32}$")
_STATIC_FILES = {"common.js": "application/javascript", "console.js": "application/javascript",
                 "reports.js": "application/javascript",
                 "console.css": "text/css"}
NONCE: web.RequestKey[str] = web.RequestKey("csp_nonce")


def _csp(nonce: str = "") -> str:
    style = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return ("default-src 'none'; script-src 'self'; style-src " + style + "; img-src 'self'; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    path = request.path
    if not path.startswith(("/console", "/api/operator")):
        return
    h = response.headers
    h.setdefault("Content-Security-Policy", _csp(request.get(NONCE, "")))
    h["X-Frame-Options"] = "DENY"
    h["Referrer-Policy"] = "no-referrer"
    h["X-Content-Type-Options"] = "nosniff"
    h["Cache-Control"] = "no-store"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.app[SETTINGS].console_secure_cookies:
        h["Strict-Transport-Security"] = "max-age=31536000"


@cache
def script_words() -> dict[str, str]:
    """The scripts' words in the console's language, in the catalogue's order (lists like the
    screen's categories are shown in that order)."""
    return {key: wording.staff(key) for key in wording.catalogue() if key.startswith(SCRIPT_WORDS)}


@cache
def words_json() -> str:
    """``script_words()`` for a ``<script type="application/json">`` block: data, never run
    (the CSP allows no inline script), and HTML-safe: ``<``, ``>``, ``&`` and ``'`` are
    escaped in JSON, so no text can close the element or start markup. (A Markup string: the
    template's autoescape leaves it as it is.)"""
    return jinja2.utils.htmlsafe_json_dumps(script_words(), ensure_ascii=False)


def _render(request: web.Request, name: str, status: int = 200, **ctx: object) -> web.Response:
    nonce = secrets.token_urlsafe(16)
    request[NONCE] = nonce
    html = _ENV.get_template(name).render(nonce=nonce, words=words_json(), **ctx)
    return web.Response(text=html, content_type="text/html", status=status)


async def login_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(24)
    resp = _render(request, "login.html", status=status, csrf=token, error=error)
    set_cookie(request, resp, LOGIN_COOKIE, token, max_age=3600)
    return resp


async def get_login(request: web.Request) -> web.Response:
    if await current_session(request):
        raise web.HTTPSeeOther("/console/")
    return await login_page(request)


async def post_login(request: web.Request) -> web.Response:
    form = await request.post()
    sent = str(form.get("csrf", ""))
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not same_origin(request) or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return await login_page(request, wording.staff("staff_login_expired"), status=403)
    client = request.app[GUARD].client(request)
    op = await verify(request.app[REDIS], str(form.get("name", "")), str(form.get("password", "")), client)
    if op is None:
        log.warning("console login failed")
        wait = await login_wait(request.app[REDIS], str(form.get("name", "")), client)
        if wait > 0:
            return await login_page(request, wording.staff("staff_login_wait", seconds=int(wait) + 1),
                                    status=429)
        return await login_page(request, wording.staff("staff_login_wrong"), status=401)
    token, _ = await create_session(request.app[REDIS], op, session_ttl(request), session_idle(request))
    resp = web.HTTPSeeOther("/console/")
    set_cookie(request, resp, COOKIE, token, max_age=session_ttl(request))
    resp.del_cookie(LOGIN_COOKIE, path="/")
    log.info("console login", extra={"operator": op.name})
    raise resp


async def post_logout(request: web.Request) -> web.Response:
    session = await current_session(request)
    if session is not None:
        form = await request.post()
        if same_origin(request) and hmac.compare_digest(str(form.get("csrf", "")).encode(), session.csrf.encode()):
            await end_session(request.app[REDIS], session)
            hub = request.app[HUB]
            for sock in [s for s in hub.sockets if s.session == session.token_hash]:
                await sock.ws.close(code=4001, message=b"logged out")
            if not any(s.operator.name == session.operator.name for s in hub.sockets if not s.ws.closed):
                await hub.service.presence.offline(session.operator.name)
                await hub.service.events.publish("presence")
            log.info("console logout", extra={"operator": session.operator.name})
        else:
            raise web.HTTPForbidden(text="missing or wrong CSRF token")
    resp = web.HTTPSeeOther("/console/login")
    resp.del_cookie(COOKIE, path="/")
    raise resp


async def console_page(request: web.Request) -> web.Response:
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/console/login")
    return _render(request, "console.html", operator=session.operator, csrf=session.csrf)


async def reports_page(request: web.Request) -> web.Response:
    """The reports view: list, details, authority, checklist, PDF (calls /api/operator/reports)."""
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/console/login")
    return _render(request, "reports.html", operator=session.operator, csrf=session.csrf)


async def console_redirect(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/console/")


async def static_file(request: web.Request) -> web.StreamResponse:
    if await current_session(request) is None:
        raise web.HTTPUnauthorized()
    name = request.match_info["name"]
    if name not in _STATIC_FILES:
        raise web.HTTPNotFound()
    return web.Response(body=(STATIC / name).read_bytes(), content_type=_STATIC_FILES[name], charset="utf-8")


async def websocket(request: web.Request) -> web.WebSocketResponse:
    session = await current_session(request)
    if session is None:
        raise web.HTTPUnauthorized()
    if not same_origin(request):
        raise web.HTTPForbidden()
    ws = web.WebSocketResponse(heartbeat=20, max_msg_size=8192)
    await ws.prepare(request)
    hub = request.app[HUB]
    sock = ConsoleSocket(ws, session.operator, session.token_hash)
    await hub.add(sock)
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                data = json.loads(msg.data)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            pid = data.get("id")
            if data.get("type") == "subscribe" and isinstance(pid, str) and _PID.match(pid):
                after = data.get("after")
                await hub.subscribe(sock, pid, after if isinstance(after, int) else 0)
            elif data.get("type") == "unsubscribe" and isinstance(pid, str):
                sock.cursors.pop(pid, None)
    finally:
        await hub.remove(sock)
    return ws


async def _close_sockets(app: web.Application) -> None:
    if HUB in app:
        for sock in list(app[HUB].sockets):
            await sock.ws.close(code=1001, message=b"server shutdown")


def setup(app: web.Application) -> None:
    app.on_response_prepare.append(security_headers)
    app.on_shutdown.append(_close_sockets)
    r = app.router
    r.add_get("/console", console_redirect)
    r.add_get("/console/", console_page)
    r.add_get("/console/reports", reports_page)
    r.add_get("/console/login", get_login)
    r.add_post("/console/login", post_login)
    r.add_post("/console/logout", post_logout)
    r.add_get("/console/ws", websocket)
    r.add_get("/console/static/{name}", static_file)
    api.setup(app)
