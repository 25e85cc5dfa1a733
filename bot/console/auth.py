"""Who is asking: a console session (cookie + CSRF token) or the automation bearer token."""
from __future__ import annotations

import hmac

from aiohttp import web

from bot.appkeys import REDIS, SETTINGS
from bot.console.accounts import Session, load_session
from bot.handoff.operators import API_OPERATOR, Operator

COOKIE = "console_session"
LOGIN_COOKIE = "console_login"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION: web.RequestKey[Session] = web.RequestKey("console_session")


def session_ttl(request: web.Request) -> int:
    return request.app[SETTINGS].console_session_hours * 3600


def session_idle(request: web.Request) -> int:
    return request.app[SETTINGS].console_idle_minutes * 60


def set_cookie(request: web.Request, resp: web.StreamResponse, name: str, value: str, max_age: int | None) -> None:
    resp.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="Strict",
                    secure=request.app[SETTINGS].console_secure_cookies)


async def current_session(request: web.Request) -> Session | None:
    if SESSION in request:
        return request[SESSION]
    session = await load_session(request.app[REDIS], request.cookies.get(COOKIE), session_ttl(request),
                                 session_idle(request))
    if session is not None:
        request[SESSION] = session
    return session


def same_origin(request: web.Request) -> bool:
    """A foreign Origin is refused. Absent or ``null`` is allowed: with our
    ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` on same-origin form
    and fetch POSTs; the CSRF token and the SameSite=Strict cookie are the guard."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return True
    return origin in (f"{request.scheme}://{request.host}", f"http://{request.host}", f"https://{request.host}")


def bearer_ok(request: web.Request) -> bool:
    token = request.app[SETTINGS].operator_api_token
    header = request.headers.get("Authorization", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())


async def operator_for_api(request: web.Request) -> Operator:
    """The caller of an ``/api/operator/*`` route, or an HTTP error.

    Bearer token (automation, acts as supervisor ``api``), or a console session
    whose state-changing requests carry the session's CSRF token.
    """
    if "Authorization" in request.headers:
        if bearer_ok(request):
            return Operator(API_OPERATOR, "supervisor")
        raise web.HTTPUnauthorized(text='{"error": "bad token"}', content_type="application/json")
    session = await current_session(request)
    if session is None:
        raise web.HTTPUnauthorized(text='{"error": "log in first"}', content_type="application/json")
    check_csrf(request, session)
    return session.operator


def check_csrf(request: web.Request, session: Session) -> None:
    """A state-changing request of a console session must come from our origin with its CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not same_origin(request) or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
        raise web.HTTPForbidden(text='{"error": "missing or wrong CSRF token"}', content_type="application/json")
