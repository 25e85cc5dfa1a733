"""Bulk block: a flood of fake danger chats from many addresses is
blocked in one step by a supervisor (filter, preview, confirm), audited; the rules of a
block still hold for each of them, and what the filter leaves out stays in the queue."""
from __future__ import annotations

import time

from bot import keys
from bot.appkeys import GATEWAY, HANDOFF
from bot.handoff.queue import BAND, RANK
from tests.conftest import free_port

AUTH = {"Authorization": "Bearer test-operator-token-0123456789"}
FAKE = "most ugrok le a hídról, meg akarok halni"
REAL = "a nevelőapám megvert, vérzik a fejem és bezárt a szobába, segítsetek"


async def post(http, url: str, session: str, text: str) -> dict:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text}) as resp:
        assert resp.status == 200
        return await resp.json()


async def opened(http, url: str, session: str, text: str) -> dict:
    """A chat as the web page opens it: its own "/greet" first, then what the person typed."""
    async with http.post(f"{url}/api/chat", json={"session": session, "text": "", "payload": "/greet"}) as resp:
        assert resp.status == 200
    return await post(http, url, session, text)


async def test_supervisor_blocks_a_flood_at_once_and_help_still_holds(
        gateway_factory, http, redis, operator_account, console_login) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)

    def pid(session: str) -> str:
        return gw.app[GATEWAY].pid("web", session)

    # The flood: near-identical danger texts (numbers and punctuation vary), one session each.
    fakes = [f"flood-session-{i:04d}" for i in range(12)]
    for i, session in enumerate(fakes):
        assert (await opened(http, gw.url, session, f"{FAKE}{'!' * (i % 3)} {i * 7}"))["state"] == "queued"
    real = "real-person-session-0001"
    assert (await opened(http, gw.url, real, REAL))["state"] == "queued"
    # Someone who only pressed "talk to a person" on the page: no typed words to compare.
    pressed = "pressed-button-session-01"
    async with http.post(f"{gw.url}/api/chat", json={"session": pressed, "text": "", "payload": "/greet"}) as resp:
        assert resp.status == 200
    async with http.post(f"{gw.url}/api/chat",
                         json={"session": pressed, "text": "", "payload": "/talk_to_human"}) as resp:
        assert (await resp.json())["state"] == "queued"
    # One fake was answered by an operator (then handed back to the queue): never in a bulk block.
    answered = pid(fakes[0])
    for path, body in (("claim", None), ("messages", {"text": "Itt vagyok, mi történt?"}),
                       ("transfer", {"skill": "child"})):
        async with http.post(f"{gw.url}/api/operator/chats/{answered}/{path}", headers=AUTH, json=body) as resp:
            assert resp.status == 200, await resp.text()
    # One fake was queued two hours ago: outside "the last 30 minutes".
    old = pid(fakes[1])
    await redis.zadd(keys.handoff_queue("child"), {old: RANK["immediate"] * BAND + time.time() - 7200})

    await operator_account("sue", "supervisor")
    await operator_account("olga")
    sue = await console_login(gw.url, "sue", "pw-sue-0123456789")
    olga = await console_login(gw.url, "olga", "pw-olga-0123456789")
    flt = {"like": pid(fakes[5]), "minutes": 30}
    status, _ = await olga.call("POST", "/api/operator/bulk-block/preview", flt)
    assert status == 403  # operators cannot
    sue_no_csrf = sue.csrf
    sue.csrf = "wrong"
    status, _ = await sue.call("POST", "/api/operator/bulk-block/preview", flt)
    assert status == 403  # CSRF like the other routes
    sue.csrf = sue_no_csrf

    status, preview = await sue.call("POST", "/api/operator/bulk-block/preview", flt)
    assert status == 200, preview
    assert preview["count"] == 10  # 12 fakes, less the answered one and the old one
    assert len(await gw.app[HANDOFF].queue.waiting()) == 14  # a preview changes nothing
    status, done = await sue.call("POST", "/api/operator/bulk-block", {"token": preview["token"], "reason": "flood"})
    assert status == 200 and done["blocked"] == 10, done
    left = {w.pid for w in await gw.app[HANDOFF].queue.waiting()}
    assert left == {pid(real), answered, old, pid(pressed)}
    for session in fakes[2:]:
        assert await redis.exists(keys.blocked(pid(session)))
    audit = [f for _, f in await redis.xrange(keys.audit_blocks())]
    assert sum(1 for f in audit if f.get(b"conv") and f[b"by"] == b"sue") == 10
    bulk = [f for f in audit if b"bulk" in f]
    assert len(bulk) == 1 and bulk[0][b"bulk"] == b"10" and bulk[0][b"by"] == b"sue"
    assert not any(FAKE.encode() in v for f in audit for v in f.values())  # no text in the audit
    status, _ = await sue.call("POST", "/api/operator/bulk-block", {"token": preview["token"]})
    assert status == 404  # a preview is confirmed once

    # The rules of a block still hold: chatter is ignored, danger gets 112 and a person.
    blocked = fakes[7]
    assert (await post(http, gw.url, blocked, "hülye bot"))["replies"] == []
    danger = await post(http, gw.url, blocked, "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek")
    assert "112" in danger["replies"][0]["text"] and danger["state"] == "queued"
    waiting = {w.pid: w for w in await gw.app[HANDOFF].queue.waiting()}
    assert waiting[pid(blocked)].reason == "blocked_danger"
    # ...and a second bulk block does not take it away from the person it went back to.
    status, again = await sue.call("POST", "/api/operator/bulk-block/preview", flt)
    assert status == 200 and again["count"] == 0, again


async def test_bulk_block_refuses_bad_filters_and_tokens(gateway_factory, http) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    for body in ({}, {"like": "x"}, {"like": "we-" + "0" * 32, "minutes": 0},
                 {"like": "we-" + "0" * 32, "minutes": 5, "similarity": 0.1}):
        async with http.post(f"{gw.url}/api/operator/bulk-block/preview", headers=AUTH, json=body) as resp:
            assert resp.status == 400, body
    async with http.post(f"{gw.url}/api/operator/bulk-block/preview", headers=AUTH,
                         json={"like": "we-" + "0" * 32, "minutes": 5}) as resp:
        assert resp.status == 404  # no such sample conversation
    async with http.post(f"{gw.url}/api/operator/bulk-block", headers=AUTH, json={"token": "nope-nope-nope"}) as resp:
        assert resp.status == 404
    async with http.post(f"{gw.url}/api/operator/bulk-block", json={"token": "x"}) as resp:
        assert resp.status == 401


async def test_console_bulk_block_preview_and_confirm(browser, gateway_factory, http, redis, operator_account) -> None:
    from tests.test_console_browser import TIMEOUT, login

    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    for i in range(4):
        await post(http, gw.url, f"console-flood-{i:04d}", f"{FAKE} {i}")
    await post(http, gw.url, "console-real-0001", REAL)
    page = await login(browser, gw.url, "sara", await operator_account("sara", "supervisor"))
    await page.locator("[data-testid=queue-item]").nth(4).wait_for(timeout=TIMEOUT)
    await page.locator("[data-testid=queue-item]").first.click()
    form = page.locator("[data-testid=bulk-form]")
    await form.wait_for(state="visible", timeout=TIMEOUT)
    await page.click("[data-testid=bulk-preview]")
    await page.locator("[data-testid=bulk-count]", has_text="4 hasonló").wait_for(timeout=TIMEOUT)
    await page.fill("[data-testid=bulk-reason]", "áradat")
    await page.click("[data-testid=bulk-confirm]")
    await page.locator("[data-testid=bulk-done]", has_text="4 beszélgetés letiltva").wait_for(timeout=TIMEOUT)
    await page.locator("[data-testid=queue-item]").nth(1).wait_for(state="detached", timeout=TIMEOUT)
    assert await page.locator("[data-testid=queue-item]").count() == 1  # the real one stays
    assert await page.locator("[data-testid=error]").inner_text() == ""
    bulk = [f for _, f in await redis.xrange(keys.audit_blocks()) if b"bulk" in f]
    assert bulk and bulk[0][b"by"] == b"sara" and bulk[0][b"reason"] == "áradat".encode()


async def test_operators_see_no_bulk_block(browser, gateway_factory, http, operator_account) -> None:
    from tests.test_console_browser import TIMEOUT, login

    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    await post(http, gw.url, "console-flood-9999", FAKE)
    page = await login(browser, gw.url, "otto", await operator_account("otto"))
    await page.locator("[data-testid=queue-item]").first.click()
    await page.locator("[data-testid=verdict-form]").wait_for(state="visible", timeout=TIMEOUT)
    assert await page.locator("[data-testid=bulk-form]").count() == 0
