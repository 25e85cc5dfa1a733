"""The operator API. The first four paths are a contract used by outside checks:

``GET  /api/operator/queue`` -> ``{"waiting": [{"id", "level", "categories", "skill",
      "waiting_seconds", "position", ...}], "total", "counts", "next"}`` in priority order
      (position within the skill), one page: ``?limit=`` (100) and ``?after=`` (``next``);
``POST /api/operator/chats/{id}/claim``; ``POST /api/operator/chats/{id}/messages``
``{"text"}``; ``POST /api/operator/chats/{id}/close`` (optional ``{"outcome"}``).

The console uses the same routes (session cookie + CSRF header), plus the chat view,
notes, transfer, return-to-bot and ``POST /api/operator/chats/{id}/verdict``
``{"level", "category"[, "seq"]}`` (the operator's verdict on the screen, bot.safety.verdicts),
``POST /api/operator/chats/{id}/reopen`` (a close undone by its operator, ``REOPEN_MINUTES``), and for
supervisors ``POST /api/operator/bulk-block/preview`` / ``POST /api/operator/bulk-block``
(bot.handoff.bulk_block). Bearer token: ``OPERATOR_API_TOKEN``.
"""
from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.appkeys import HANDOFF, SETTINGS, VIEWS
from bot.console.auth import operator_for_api
from bot.console.views import QUEUE_PAGE
from bot.handoff import bulk_block, data
from bot.handoff.operators import HandoffError, Operator
from bot.handoff.service import HandoffService
from bot.jsonapi import error as _error
from bot.jsonapi import json_body as _body
from bot.keys import HANDOFF_SKILLS
from bot.safety import verdicts

_PID = re.compile(r"^[a-z]{2}-[0-9a-f]{32}$")
_CURSOR = re.compile(r"[0-9]+(\.[0-9]+)?(e\+?[0-9]+)?:[a-z]{2}-[0-9a-f]{32}")




Handler = Callable[[web.Request, HandoffService, Operator, str], Awaitable[Any]]


def _chat_route(fn: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        op = await operator_for_api(request)
        pid = request.match_info["id"]
        if not _PID.match(pid):
            return _error(404, "no such conversation")
        try:
            result = await fn(request, request.app[HANDOFF], op, pid)
        except HandoffError as exc:
            return _error(exc.status, str(exc))
        return web.json_response(result)

    return handler


async def get_queue(request: web.Request) -> web.Response:
    """A page of the queue: ``?limit=`` (default 100, at most 1000) and ``?after=`` (the
    previous page's ``next``); with thousands waiting, never the whole queue at once."""
    await operator_for_api(request)
    try:
        limit = int(request.query.get("limit", str(QUEUE_PAGE)))
        after = request.query.get("after") or None
        if after is not None and (len(after) > 100 or not _CURSOR.fullmatch(after)):
            raise ValueError(after)
    except ValueError:
        return _error(400, "limit must be an integer and after a cursor from an earlier page")
    return web.json_response(await request.app[VIEWS].queue_json(limit, after))


async def _claim(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    return await svc.claim(pid, op)


async def _message(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    body = await _body(request)
    if not isinstance(body.get("text"), str):
        raise HandoffError("text must be a string")
    return {"seq": await svc.send(pid, op, body["text"])}


async def _note(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    body = await _body(request)
    if not isinstance(body.get("text"), str):
        raise HandoffError("text must be a string")
    return {"seq": await svc.note(pid, op, body["text"])}


async def _close(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    body = await _body(request)
    outcome = body.get("outcome")
    if outcome is not None and not isinstance(outcome, str):
        raise HandoffError("outcome must be a string")
    return await svc.close(pid, op, outcome)


async def _reopen(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    return await svc.reopen(pid, op)


async def _block(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    body = await _body(request)
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise HandoffError("reason must be a string")
    return await svc.block(pid, op, reason)


async def _return(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    return await svc.return_to_bot(pid, op)


async def _transfer(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    body = await _body(request)
    to_op, to_skill, note = body.get("operator"), body.get("skill"), body.get("note", "")
    if not all(v is None or isinstance(v, str) for v in (to_op, to_skill, note)):
        raise HandoffError("operator, skill and note must be strings")
    return await svc.transfer(pid, op, to_operator=to_op or None, to_skill=to_skill or None, note=note or "")


async def _chat(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        raise HandoffError("after must be an integer") from None
    return await request.app[VIEWS].chat(pid, op, after)


async def _verdict(request: web.Request, svc: HandoffService, op: Operator, pid: str) -> Any:
    """``{"level", "category"[, "seq"]}``: the operator's verdict on the screened message."""
    try:
        level, category, seq = verdicts.parse(await _body(request))
    except verdicts.VerdictError as exc:
        raise HandoffError(str(exc)) from None
    return await svc.verdict(pid, op, level, category, seq)


async def get_lists(request: web.Request) -> web.Response:
    """Outcome categories and canned replies for the console's menus (and how long a close
    may be undone, for its confirmation)."""
    await operator_for_api(request)
    return web.json_response({"outcomes": data.outcomes(), "canned": data.canned(),
                              "skills": list(HANDOFF_SKILLS),
                              "reopen_minutes": request.app[SETTINGS].reopen_minutes})


async def get_operators(request: web.Request) -> web.Response:
    """Who is online (names and skills), for the transfer menu."""
    await operator_for_api(request)
    online = await request.app[HANDOFF].presence.skills_online()
    return web.json_response({"online": [{"name": n, "skills": sorted(s)} for n, s in sorted(online.items())]})


async def get_supervisor(request: web.Request) -> web.Response:
    op = await operator_for_api(request)
    if not op.supervisor:
        return _error(403, "supervisors only")
    views = request.app[VIEWS]
    snap = await views.snapshot()
    return web.json_response(views.snapshot_for(snap, op, time.time()).get("supervisor", {}))


async def post_bulk_block_preview(request: web.Request) -> web.Response:
    """``{"like": id, "minutes"[, "similarity"]}`` -> ``{"token", "count", "ids"}`` (supervisors)."""
    op = await operator_for_api(request)
    try:
        f = bulk_block.Filter.parse(await _body(request))
        result = await bulk_block.BulkBlocker(request.app[HANDOFF]).preview(f, op)
    except HandoffError as exc:
        return _error(exc.status, str(exc))
    return web.json_response(result)


async def post_bulk_block(request: web.Request) -> web.Response:
    """``{"token"[, "reason"]}``: block what the preview selected (supervisors; audited)."""
    op = await operator_for_api(request)
    body = await _body(request)
    token, reason = body.get("token"), body.get("reason", "")
    if not isinstance(token, str) or not isinstance(reason, str):
        return _error(400, "token and reason must be strings")
    try:
        result = await bulk_block.BulkBlocker(request.app[HANDOFF]).confirm(token, op, reason)
    except HandoffError as exc:
        return _error(exc.status, str(exc))
    return web.json_response(result)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/operator/queue", get_queue)
    r.add_post("/api/operator/chats/{id}/claim", _chat_route(_claim))
    r.add_post("/api/operator/chats/{id}/messages", _chat_route(_message))
    r.add_post("/api/operator/chats/{id}/close", _chat_route(_close))
    r.add_get("/api/operator/chats/{id}", _chat_route(_chat))
    r.add_post("/api/operator/chats/{id}/notes", _chat_route(_note))
    r.add_post("/api/operator/chats/{id}/transfer", _chat_route(_transfer))
    r.add_post("/api/operator/chats/{id}/return", _chat_route(_return))
    r.add_post("/api/operator/chats/{id}/reopen", _chat_route(_reopen))
    r.add_post("/api/operator/chats/{id}/block", _chat_route(_block))
    r.add_post("/api/operator/chats/{id}/verdict", _chat_route(_verdict))
    r.add_get("/api/operator/lists", get_lists)
    r.add_get("/api/operator/operators", get_operators)
    r.add_get("/api/operator/supervisor", get_supervisor)
    r.add_post("/api/operator/bulk-block/preview", post_bulk_block_preview)
    r.add_post("/api/operator/bulk-block", post_bulk_block)
