"""The web chat page speaks the visitor's language (issue 12, the user test: an English
speaker saw a Hungarian-only header): English for a browser that prefers English, Hungarian
otherwise, and a link to the other language on every page."""
from __future__ import annotations

import wording
from tests.test_web_chat import gateway


async def page(http, url: str, accept: str | None = None, query: str = "") -> str:
    headers = {"Accept-Language": accept} if accept else {}
    async with http.get(f"{url}/{query}", headers=headers) as resp:
        assert resp.status == 200
        return await resp.text()


async def test_an_english_browser_gets_the_english_page(gateway_factory, http) -> None:
    gw = await gateway(gateway_factory)
    text = await page(http, gw.url, "en-GB,en;q=0.9,de;q=0.5")
    assert '<html lang="en">' in text
    assert f"<h1>{wording.text('web_title', 'en')}</h1>" in text
    assert wording.text("web_exit", "en") in text and wording.text("web_sos_danger", "en") in text
    assert wording.text("web_title", "hu") not in text.split("</header>")[0].replace(">Magyarul<", "")


async def test_a_hungarian_or_unknown_browser_gets_hungarian_with_a_way_to_english(gateway_factory, http) -> None:
    gw = await gateway(gateway_factory)
    for accept in ("hu-HU,hu;q=0.9,en;q=0.8", None, "de-DE"):
        text = await page(http, gw.url, accept)
        assert '<html lang="hu">' in text and f"<h1>{wording.text('web_title', 'hu')}</h1>" in text
        assert 'href="?lang=en"' in text  # an English speaker on a Hungarian browser can switch
    chosen = await page(http, gw.url, "hu-HU", "?lang=en")
    assert f"<h1>{wording.text('web_title', 'en')}</h1>" in chosen and 'href="?lang=hu"' in chosen
