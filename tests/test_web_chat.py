"""The web chat's own API: a reload restores
both sides of the conversation, the quick exit withdraws a waiting chat from the
operator queue, and the page and its API answers carry security headers.

Real Redis and the real gateway; Rasa is a dead URL (its fallback is an answer too)."""
from __future__ import annotations

import re
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bot import keys, texts
from bot.appkeys import GATEWAY, HANDOFF, VIEWS
from bot.handoff.operators import Operator
from bot.redis_values import stream_entries
from bot.store import State
from tests.conftest import free_port

SESSION = "webchat-test-0001"


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


async def gateway(factory: Any) -> Any:
    dead = dead_url()
    return await factory(RASA_URL=dead, ACTION_SERVER_URL=dead)


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with http.post(f"{url}/api/chat", json=body) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def messages(http: aiohttp.ClientSession, url: str, session: str, **params: Any) -> dict[str, Any]:
    async with http.get(f"{url}/api/chat/{session}/messages", params={"after": 0, **params}) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def leave(http: aiohttp.ClientSession, url: str, session: str) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{url}/api/chat/{session}/leave", json={}) as resp:
        return resp.status, await resp.json()


async def staff_lines(gw: Any, session: str, kind: str) -> list[Any]:
    g = gw.app[GATEWAY]
    entries = await g.store.read(g.pid("web", session), 0, staff=True)
    return [e for e in entries if (e.meta or {}).get("kind") == kind]


# -- reload restores both sides --------------------------------------------------------
async def test_messages_with_mine_return_both_sides_in_order(gateway_factory, http, redis: Redis) -> None:
    gw = await gateway(gateway_factory)
    await post(http, gw.url, {"session": SESSION, "payload": "/greet"})  # the page's own greeting request
    await post(http, gw.url, {"session": SESSION, "text": "Szia, kérdeznék valamit"})
    await post(http, gw.url, {"session": SESSION, "payload": "/talk_to_human"})  # the reply's button
    await post(http, gw.url, {"session": SESSION, "text": "Itt vagyok még"})

    both = await messages(http, gw.url, SESSION, mine=1)
    seqs = [m["seq"] for m in both["messages"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    mine = [m["text"] for m in both["messages"] if m["from"] == "person"]
    # "/greet" is the page's, not the person's; the button press reads as its title.
    assert mine == ["Szia, kérdeznék valamit", texts.text("talk_to_person_button", "hu"), "Itt vagyok még"]
    first = next(i for i, m in enumerate(both["messages"]) if m["from"] == "person")
    assert first > 0 and both["messages"][first - 1]["from"] == "bot"  # the greeting (fallback) came first
    assert both["messages"][first + 1]["from"] == "bot"  # and the answer follows the question
    assert all(m["buttons"] == [] for m in both["messages"] if m["from"] == "person")

    # The documented contract without the flag is unchanged: the person's side is not in it.
    plain = await messages(http, gw.url, SESSION)
    assert plain["cursor"] == both["cursor"] and plain["state"] == both["state"] == "queued"
    assert [m for m in plain["messages"] if m["from"] == "person"] == []
    assert [m["seq"] for m in plain["messages"]] == [m["seq"] for m in both["messages"] if m["from"] != "person"]
    # after=N with the flag: only what came later, both sides.
    later = await messages(http, gw.url, SESSION, mine=1, after=seqs[-2])
    assert [m["seq"] for m in later["messages"]] == seqs[-1:]
    # No staff-only line ever reaches the person.
    assert "Sorba került" not in str(both)


async def test_bad_session_and_cursor_are_refused(gateway_factory, http) -> None:
    gw = await gateway(gateway_factory)
    async with http.post(f"{gw.url}/api/chat", json={"session": "abcdefgh\n", "text": "x"}) as resp:
        assert resp.status == 400  # fullmatch: a trailing newline is not a session
    for path in ("/api/chat/abcdefgh%0A/messages", "/api/chat/short/messages"):
        async with http.get(f"{gw.url}{path}") as resp:
            assert resp.status == 400
    for path in ("/api/chat/abcdefgh%0A/leave", "/api/chat/a.b.c.d.e.f/leave"):
        async with http.post(f"{gw.url}{path}", json={}) as resp:
            assert resp.status == 400
    async with http.get(f"{gw.url}/api/chat/{SESSION}/messages", params={"after": "9" * 400}) as resp:
        assert resp.status == 400  # not a 503 "Redis unavailable"


# -- quick exit ---------------------------------------------------------------------------
async def test_leave_withdraws_a_queued_chat_once(gateway_factory, http, redis: Redis) -> None:
    gw = await gateway(gateway_factory)
    handoff = gw.app[HANDOFF]
    other = "webchat-other-0002"
    await post(http, gw.url, {"session": other, "payload": "/talk_to_human"})  # someone else waits too
    reply = await post(http, gw.url, {"session": SESSION, "payload": "/talk_to_human"})
    assert reply["state"] == "queued"
    assert len(await handoff.queue.waiting()) == 2

    status, body = await leave(http, gw.url, SESSION)
    assert status == 200 and body == {"state": "closed"}
    waiting = await handoff.queue.waiting()
    pid = gw.app[GATEWAY].pid("web", SESSION)
    assert [w.pid for w in waiting] == [gw.app[GATEWAY].pid("web", other)]
    assert len(await staff_lines(gw, SESSION, "left")) == 1
    assert (await gw.app[GATEWAY].store.load(pid)).state == State.CLOSED
    # Operators are told through the event stream (the consoles redraw the queue).
    events = stream_entries(await redis.xrange(keys.handoff_events()))
    assert any(f[b"k"] == b"closed" and f[b"p"] == pid.encode() for _, f in events)

    # Idempotent: a second exit (a double click, a retry) changes nothing.
    status, body = await leave(http, gw.url, SESSION)
    assert status == 200 and body == {"state": "closed"}
    assert len(await staff_lines(gw, SESSION, "left")) == 1
    assert len(await handoff.queue.waiting()) == 1
    # The staff line never reaches the person.
    restored = await messages(http, gw.url, SESSION, mine=1)
    assert "kilépett" not in str(restored)


async def test_leave_tells_the_operator_of_a_live_chat(gateway_factory, http) -> None:
    gw = await gateway(gateway_factory)
    handoff = gw.app[HANDOFF]
    await post(http, gw.url, {"session": SESSION, "payload": "/talk_to_human"})
    pid = gw.app[GATEWAY].pid("web", SESSION)
    await handoff.claim(pid, Operator("api"))
    for _ in range(2):
        status, body = await leave(http, gw.url, SESSION)
        assert status == 200 and body == {"state": "live"}  # the operator closes it, with an outcome
    lines = await staff_lines(gw, SESSION, "left")
    assert len(lines) == 1 and "kilépett" in lines[0].text
    chat = await gw.app[VIEWS].chat(pid, Operator("api"))
    assert any(e["staff"] and e.get("kind") == "left" for e in chat["entries"])


async def test_leave_without_a_conversation_or_queue_is_harmless(gateway_factory, http) -> None:
    gw = await gateway(gateway_factory)
    status, body = await leave(http, gw.url, "never-wrote-0003")
    assert status == 200 and body == {"state": "bot"}
    await post(http, gw.url, {"session": SESSION, "text": "szia"})
    status, body = await leave(http, gw.url, SESSION)
    assert status == 200 and body == {"state": "bot"}
    assert await staff_lines(gw, SESSION, "left") == []


# -- security headers -------------------------------------------------------------------
def check_headers(h: Any, *, page: bool) -> None:
    csp = h.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    if page:
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert h.get("X-Content-Type-Options") == "nosniff"
    assert h.get("Referrer-Policy") == "no-referrer"
    assert h.get("X-Frame-Options") == "DENY"


async def test_security_headers_on_page_assets_and_api(gateway_factory, http) -> None:
    gw = await gateway(gateway_factory)
    async with http.get(f"{gw.url}/") as resp:
        assert resp.status == 200
        check_headers(resp.headers, page=True)
        assert resp.headers.get("Cache-Control") == "no-store"
        html = await resp.text()
    # No inline script or handler, so the policy can forbid them.
    assert all(re.search(r'\bsrc="/static/', tag) for tag in re.findall(r"<script[^>]*>", html))
    assert not re.search(r"<script[^>]*>\s*[^<\s]", html) and not re.search(r"\son[a-z]+=", html)
    assert "style=" not in html
    for asset in ("chat.js", "chat.css"):
        async with http.get(f"{gw.url}/static/{asset}") as resp:
            assert resp.status == 200
            check_headers(resp.headers, page=True)
    async with http.post(f"{gw.url}/api/chat", json={"session": SESSION, "text": "szia"}) as resp:
        assert resp.status == 200
        check_headers(resp.headers, page=False)
        assert resp.headers.get("Cache-Control") == "no-store"
    for method, path in (("GET", f"/api/chat/{SESSION}/messages?after=0&mine=1"), ("GET", "/api/chat/x/messages"),
                         ("POST", f"/api/chat/{SESSION}/leave")):
        async with http.request(method, f"{gw.url}{path}") as resp:
            assert resp.status in (200, 400)
            check_headers(resp.headers, page=False)
            assert resp.headers.get("Cache-Control") == "no-store"


async def test_a_replayed_message_is_answered_but_recorded_once(gateway_factory, http, redis: Redis) -> None:
    """HAProxy replays a request whose gateway died with it (retry-on empty-response): the
    page's message id keeps the dead gateway's entry the only one; the replay is answered."""
    gw = await gateway(gateway_factory)
    body = {"session": "webchat-replay-01", "text": "szia", "id": "msg-0001-abcdef"}
    first = await post(http, gw.url, body)
    again = await post(http, gw.url, body)
    other = await post(http, gw.url, {**body, "id": "msg-0002-abcdef"})
    assert first["replies"] and again["replies"] and other["replies"]
    mine = [m["text"] for m in (await messages(http, gw.url, "webchat-replay-01", mine=1))["messages"]
            if m["from"] == "person"]
    assert mine == ["szia", "szia"]  # the replay is not there; a new message with the same text is
    pid = gw.app[GATEWAY].pid("web", "webchat-replay-01")
    assert await redis.ttl(keys.conv_seen(pid)) > 0
    async with http.post(f"{gw.url}/api/chat", json={**body, "id": "x"}) as resp:
        assert resp.status == 400


async def test_later_messages_of_a_conversation_skip_the_new_conversation_check(gateway_factory, http,
                                                                               redis: Redis) -> None:
    """Redis round trips per message: the abuse limit on new conversations looked up
    whether the conversation exists for every message (one EXISTS each); a conversation this
    gateway has seen is not new, so its later messages cost no round trip for it."""
    gw = await gateway(gateway_factory)
    await post(http, gw.url, {"session": "webchat-known-0001", "text": "szia"})
    await redis.config_resetstat()
    for text in ("ingyenes?", "köszönöm", "szia"):
        await post(http, gw.url, {"session": "webchat-known-0001", "text": text})
    stats = await redis.info("commandstats")
    # Left: the block check inside the prefetch's pipelined read, one per message.
    assert int(stats.get("cmdstat_exists", {}).get("calls", 0)) == 3


async def test_invisible_characters_alone_are_an_empty_message(gateway_factory, http) -> None:
    """Zero-width spaces or a byte-order mark alone look empty to the person; the bot said
    "I'm not sure I understood, write it differently" (whitespace got "I see no text")."""
    gw = await gateway(gateway_factory)
    for i, blank in enumerate(("\u200b", "\u200b\u200b \ufeff", "\u2060\u200e")):
        reply = await post(http, gw.url, {"session": f"webchat-blank-{i:04d}", "text": blank})
        assert [r["text"] for r in reply["replies"]] == [texts.text("empty", "hu")]
    # Not a blank: a zero-width joiner inside an emoji is part of what was written.
    reply = await post(http, gw.url, {"session": "webchat-blank-flag", "text": "🏳️\u200d🌈"})
    assert [r["text"] for r in reply["replies"]] != [texts.text("empty", "hu")]
