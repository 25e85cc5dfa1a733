"""The console's scripts take their words from the catalogue, written into each page as a
JSON block: data the CSP never runs, escaped so no text can break out of it; and the queue
shows more than its head on request ("Továbbiak"), page by page, in priority order."""
from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

import wording
from bot.appkeys import HANDOFF
from bot.console import web
from tests.conftest import free_port
from tests.test_console_browser import TIMEOUT, login
from tests.test_queue_scale import AUTH, fill

# A word that tries everything: close the block, open a script, an entity, a quote, a comment.
EVIL = "</script><script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\"> &amp; 'x' <!-- "
BLOCK = re.compile(r'<script type="application/json" id="words">(.*?)</script>', re.DOTALL)


@pytest.fixture
def evil_words(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The catalogue with a hostile "online" label; the page's cached words rebuilt around it."""
    real = wording.catalogue()
    monkeypatch.setattr(wording, "catalogue", lambda: {**real, "console_online": {"hu": EVIL, "en": EVIL}})
    web.script_words.cache_clear()
    web.words_json.cache_clear()
    yield EVIL
    web.script_words.cache_clear()
    web.words_json.cache_clear()


async def test_the_words_are_an_html_safe_data_block_the_csp_never_runs(
        gateway_factory: Any, operator_account: Any, console_login: Any, evil_words: str) -> None:
    gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{free_port()}")
    op = await console_login(gw.url, "wanda", await operator_account("wanda"))
    for path in ("/console/", "/console/reports"):
        async with op.http.get(gw.url + path) as resp:
            assert resp.status == 200
            csp = resp.headers["Content-Security-Policy"]
            page = await resp.text()
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp
        # Every script element is a file of ours or the data block: nothing inline to run.
        tags = re.findall(r"<script\b[^>]*>", page)
        assert tags and all(' src="/console/static/' in t or t == '<script type="application/json" id="words">'
                                for t in tags), tags
        blocks = BLOCK.findall(page)
        assert len(blocks) == 1 and page.count("</script>") == len(tags)  # the word did not close it
        block = blocks[0]
        assert not set("<>&'") & set(block)
        words = json.loads(block)
        assert words == web.script_words() and words["console_online"] == evil_words
        assert words["console_queue_more_button"] == "Továbbiak"  # readable UTF-8, not \\u escapes
    assert 'lang="hu"' in page and html.escape(wording.staff("console_title")) in page


async def test_chromium_shows_a_hostile_word_as_text_and_runs_nothing(
        browser: Any, gateway_factory: Any, operator_account: Any, evil_words: str) -> None:
    gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{free_port()}")
    page = await login(browser, gw.url, "xaver", await operator_account("xaver"))
    assert await page.locator("#conn").text_content() == evil_words  # w("console_online")
    assert await page.evaluate("window.pwned") is None
    assert await page.locator("#conn img").count() == 0
    await page.context.close()


async def test_more_of_the_queue_on_request_in_priority_order(
        browser: Any, gateway_factory: Any, http: Any, redis: Any, operator_account: Any) -> None:
    """130 waiting: the snapshot shows the first 100 and says 30 more; "Továbbiak" fetches the
    next page and appends it (all 130, in the queue API's order); when the head moves (one is
    taken), the pages beyond it are read again and stay in order."""
    gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{free_port()}")
    svc = gw.app[HANDOFF]
    await fill(svc, redis, 120, "child", told=False)
    await fill(svc, redis, 10, "adult", "immediate", told=False)  # last in, first in line

    async def queue_order() -> list[str]:
        async with http.get(f"{gw.url}/api/operator/queue", params={"limit": "1000"}, headers=AUTH) as resp:
            return [w["id"] for w in (await resp.json())["waiting"]]

    async def shown() -> list[str]:
        return await page.eval_on_selector_all("[data-testid=queue-item]", "els => els.map(e => e.dataset.id)")

    page = await login(browser, gw.url, "yvett", await operator_account("yvett"))
    items = page.locator("[data-testid=queue-item]")
    await items.nth(99).wait_for(timeout=TIMEOUT)
    everyone = await queue_order()
    assert len(everyone) == 130 and await shown() == everyone[:100]
    more = page.locator("[data-testid=queue-more]")
    assert (await more.inner_text()).startswith("… és még 30 várakozó")
    await page.click("[data-testid=queue-more-button]")
    await items.nth(129).wait_for(timeout=TIMEOUT)
    assert await shown() == everyone  # appended after the head, in priority order
    assert await more.count() == 0 and await page.locator("#waiting-count").inner_text() == "130"
    assert "vár:" in await items.nth(129).inner_text()

    # One taken from the head: the snapshot moves, the page beyond it is read again.
    async with http.post(f"{gw.url}/api/operator/chats/{everyone[0]}/claim", headers=AUTH) as resp:
        assert resp.status == 200
    await items.nth(129).wait_for(state="detached", timeout=TIMEOUT)
    await page.wait_for_function("document.querySelectorAll('[data-testid=queue-item]').length === 129",
                                 timeout=TIMEOUT)
    assert await shown() == everyone[1:] == await queue_order()
    # One past the head opens like any other.
    await items.nth(120).click()
    await page.locator("[data-testid=chat-state]", has_text="sorban").wait_for(timeout=TIMEOUT)
    assert await page.locator("[data-testid=error]").inner_text() == ""
    await page.context.close()


def test_every_queue_band_has_a_staff_word() -> None:
    """A request queued for another reason (a professional's consultation) showed "OTHER" in
    the operator's list: the band had no word."""
    import wording
    from bot.handoff.queue_rows import PRIORITIES

    assert all(wording.has(f"staff_level_{p}") for p in PRIORITIES)
