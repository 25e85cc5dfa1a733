"""A message in neither Hungarian nor English (issue 12, the session-11 user test: Arabic and
Hebrew were answered in Hungarian): answered in English, saying we answer in Hungarian and
English, with 112, 116 111 and a person at hand; the conversation goes on in English."""
from __future__ import annotations

import pytest

from bot import language, texts
from tests.conftest import free_port

ARABIC = "مرحبا، أحتاج إلى مساعدة"
HEBREW = "שלום, אני צריך עזרה"
RUSSIAN = "Здравствуйте, мне нужна помощь"


@pytest.mark.parametrize("text", [ARABIC, HEBREW, RUSSIAN, "你好，我需要帮助"])
def test_other_scripts_are_foreign_and_answered_in_english(text: str) -> None:
    assert language.foreign(text) and language.detect(text, "hu") == "en"


@pytest.mark.parametrize("text", ["szia, segítség kell", "Hi, I need help", "apa megüt 😭😭", "ℍ𝕖𝕝𝕡 𝕞𝕖",
                                  "Győr", "12", "Anyám azt mondta: Здравствуйте"])
def test_hungarian_english_and_styled_latin_are_not_foreign(text: str) -> None:
    assert not language.foreign(text)


async def post(http, url: str, session: str, text: str) -> dict:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text}) as resp:
        return await resp.json()


@pytest.mark.parametrize("text", [ARABIC, HEBREW])
async def test_a_foreign_message_hears_we_answer_in_hungarian_and_english(gateway_factory, http, text: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # the bot cannot read it: Rasa is not asked
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    body = await post(http, gw.url, f"foreign-{len(text)}-0123456789", text)
    said = [r["text"] for r in body["replies"]]
    assert said == [texts.text("other_language", "en")] and "Hungarian and English" in said[0]
    assert texts.TALK_PAYLOAD in [b["payload"] for r in body["replies"] for b in r.get("buttons", [])]
