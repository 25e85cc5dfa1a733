"""The web chat page in a real Chromium (Debian's, driven by Playwright), as a child
would use it: the greeting and its buttons before typing anything, a question, a
reload that keeps both sides, tap-to-call numbers, and the quick exit that leaves no
chat waiting in the operator queue and nothing of the conversation in the tab.

Rasa is a small local stand-in that answers with the real domain's texts (the
greeting from domain/greeting.yml), so the test needs no trained model."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml
from aiohttp import web

from bot.appkeys import HANDOFF
from bot.config import ROOT
from tests.conftest import free_port

TIMEOUT = 15_000  # ms
QUESTION = "Ingyenes ez a szolgáltatás? Kinek szólhatok?"
HOSTILE = "mit csinál ez: <b>vastag</b>"



def response(name: str) -> dict[str, Any]:
    """The Hungarian variant of a response of the real domain, as Rasa's REST channel sends it."""
    for f in (ROOT / "domain").glob("*.yml"):
        found = (yaml.safe_load(f.read_text(encoding="utf-8")).get("responses") or {}).get(name)
        if found:
            first = found[0]
            return {"text": first["text"], "buttons": first.get("buttons", [])}
    raise KeyError(name)


@pytest.fixture
async def fake_rasa() -> AsyncIterator[str]:
    """Rasa's REST webhook: /greet gets utter_greet, anything else utter_ask_help (it names 112)."""
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("message") == "/greet":
            return web.json_response([response("utter_greet")])
        if "<b>" in body.get("message", ""):
            # A reply carrying markup and an e-mail address: shown as text, the address linked.
            return web.json_response([{"text": "<b>nem vastag</b> <img src=x> írj: okit@ncsszi.hu"}])
        return web.json_response([response("utter_ask_help")])

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_post("/conversations/{sid}/tracker/events", ok)
    app.router.add_get("/health", ok)  # it stands in for the action server too
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def test_greeting_reload_keeps_both_sides_links_and_quick_exit(
        browser: Any, gateway_factory: Any, fake_rasa: str) -> None:
    gw = await gateway_factory(RASA_URL=fake_rasa, ACTION_SERVER_URL=fake_rasa)
    greet = response("utter_greet")
    ctx = await browser.new_context(locale="hu-HU")
    # The quick exit's neutral site, served here (no internet in tests).
    await ctx.route("https://www.google.com/**",
                    lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Időjárás</p>"))
    page = await ctx.new_page()
    policy_errors: list[str] = []
    page.on("console", lambda m: policy_errors.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto(f"{gw.url}/")

    # 1. The bot's greeting and its buttons, before the person types anything.
    await page.locator("#log .msg.bot", has_text=greet["text"][:30]).wait_for(timeout=TIMEOUT)
    for b in greet["buttons"]:
        await page.locator("#log .buttons button", has_text=b["title"]).wait_for(timeout=TIMEOUT)
    assert await page.locator("#log .msg.person").count() == 0  # "/greet" is not the person's
    # 2. Numbers in a reply are tap-to-call links.
    assert await page.locator("#log .msg.bot a[href='tel:112']").count() >= 1

    # 3. A question and its answer.
    await page.fill("#text", QUESTION)
    await page.press("#text", "Enter")
    answer = response("utter_ask_help")["text"]
    await page.locator("#log .msg.bot", has_text=answer[:30]).wait_for(timeout=TIMEOUT)

    # 4. Reload: both sides come back, in order, and the greeting is not asked for again.
    session = await page.evaluate("sessionStorage.getItem('chat-session')")
    await page.reload()
    await page.locator("#log .msg.person", has_text=QUESTION).wait_for(timeout=TIMEOUT)
    await page.locator("#log .msg.bot", has_text=answer[:30]).wait_for(timeout=TIMEOUT)
    texts = await page.locator("#log .msg").all_inner_texts()
    assert [t[:20] for t in texts] == [greet["text"][:20], QUESTION[:20], answer[:20]]
    assert await page.evaluate("sessionStorage.getItem('chat-session')") == session
    link = page.locator("#log .msg.bot", has_text=answer[:30]).locator("a[href='tel:112']")
    assert await link.count() == 1 and await link.inner_text() == "112"
    # The header's numbers are links too.
    assert await page.locator(".sos a[href='tel:0680205520']").count() == 1

    # 5. Text from the server is never markup; an address becomes a mailto: link.
    await page.fill("#text", HOSTILE)
    await page.press("#text", "Enter")
    hostile = page.locator("#log .msg.bot", has_text="<b>nem vastag</b>")
    await hostile.wait_for(timeout=TIMEOUT)
    assert await page.locator("#log b, #log img").count() == 0
    assert await hostile.locator("a[href='mailto:okit@ncsszi.hu']").count() == 1

    # 6. Asking for a person queues the chat; the quick exit takes it out again.
    handoff = gw.app[HANDOFF]
    await page.locator("#log .buttons button", has_text="Emberrel beszélnék").last.click()
    await page.locator("#log .msg.person", has_text="Emberrel beszélnék").wait_for(timeout=TIMEOUT)

    def waiting(n: int) -> Any:
        async def check() -> bool:
            return len(await handoff.queue.waiting()) == n
        return check

    await until(waiting(1))
    await page.click("#exit")
    await page.wait_for_url("https://www.google.com/**", timeout=TIMEOUT)
    await until(waiting(0))  # the leave request outlived the page (keepalive)

    # Back on the chat in the same tab: a new, empty conversation with a fresh greeting.
    await page.goto(f"{gw.url}/")
    await page.locator("#log .msg.bot", has_text=greet["text"][:30]).wait_for(timeout=TIMEOUT)
    assert await page.evaluate("sessionStorage.getItem('chat-session')") != session
    assert await page.locator("#log .msg.person").count() == 0
    assert policy_errors == []
    await ctx.close()
