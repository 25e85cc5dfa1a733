"""Issue 12: an answer in the report form that itself screens as immediate danger gets the
gateway's emergency block first, then the form goes on without its own "call 112 first"
(the queue's "nobody online" number list is another text, not checked here). Rasa is a
stand-in that answers as the real form does at "in danger right now?"
(actions.report.danger_now: its 112 text, the handoff payload, the next question)."""
from __future__ import annotations

import pytest
from aiohttp import web

import wording
from tests.conftest import free_port
from tests.test_report_support import FakeRasa

NEXT = "Elküldjem a bejelentést?"


class DangerFormRasa(FakeRasa):
    """The report form at "in danger right now?": any answer is a yes."""

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender = body["sender"]
        lang, voice = ("en", "te") if body["message"].startswith("yes") else ("hu", "te")
        return web.json_response([
            {"recipient_id": sender, "text": wording.text("report_danger", lang, voice)},
            {"recipient_id": sender, "custom": {"handoff": {"reason": "danger_now", "skill": "child"}}},
            {"recipient_id": sender, "text": NEXT},
        ])


@pytest.fixture
async def form_rasa(redis_server):
    fake = DangerFormRasa(redis_server.url)
    await fake.start(free_port())
    yield fake
    await fake.stop()


async def _texts(http, gw, session: str, text: str) -> list[str]:
    async with http.post(f"{gw.url}/api/chat", json={"session": session, "text": text}) as resp:
        assert resp.status == 200
        data = await resp.json()
    return [r["text"] for r in data["replies"] if r["text"]]


@pytest.mark.parametrize("answer", [
    "igen, most is veri, kést fogott rá",
    "yes, he is beating her right now and she is bleeding",
])
async def test_the_form_does_not_repeat_112_after_the_emergency_block(gateway_factory, form_rasa, http, answer) -> None:
    gw = await gateway_factory(RASA_URL=form_rasa.url, ACTION_SERVER_URL=form_rasa.url)
    texts = await _texts(http, gw, "report-danger-once-0001", answer)
    assert "112" in texts[0], texts  # the gateway's emergency block comes first
    form = texts[texts.index(NEXT) - 1]  # the form's own text, before its next question
    assert "112" not in form, texts
    assert form == wording.text("report_danger_go_on", "en" if answer.startswith("yes") else "hu", "te"), texts


async def test_a_plain_yes_keeps_the_forms_own_112(gateway_factory, form_rasa, http) -> None:
    """No emergency block before it: the form's own "call 112 first" stays whole, first."""
    gw = await gateway_factory(RASA_URL=form_rasa.url, ACTION_SERVER_URL=form_rasa.url)
    texts = await _texts(http, gw, "report-danger-once-0002", "igen")
    assert texts[0] == wording.text("report_danger", "hu", "te"), texts


class RewordedFormRasa(DangerFormRasa):
    """The form's "call 112 first" in words the gateway's catalogue does not hold (the action
    server deployed with a reworded catalogue before the gateway was)."""

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender = body["sender"]
        return web.json_response([
            {"recipient_id": sender, "text": "Hívd most rögtön a 112-t, ingyenes! Szólok egy munkatársnak is."},
            {"recipient_id": sender, "custom": {"handoff": {"reason": "danger_now", "skill": "child"}}},
            {"recipient_id": sender, "text": NEXT},
        ])


REWORDED = {"hu": {"te": "Azonnal hívd a 112-t! Közben szólok egy munkatársnak.",
                   "ön": "Kérem, azonnal hívja a 112-t! Közben szólok egy munkatársnak."},
            "en": "Call 112 straight away! Meanwhile I'm asking a colleague."}


@pytest.mark.parametrize("how", ["catalogue reworded", "action server's own words"])
async def test_the_112_is_said_once_whatever_the_forms_wording(gateway_factory, redis_server, http, monkeypatch,
                                                               how: str) -> None:
    """"Once" goes by the emergency block's mark and the form's place (the text right before
    its danger_now handoff), not by matching the catalogue's words: rewording the form's
    112 text in the catalogue, or an action server that words it otherwise, changes nothing."""
    if how == "catalogue reworded":
        monkeypatch.setitem(wording.catalogue(), "report_danger", REWORDED)
        rasa = DangerFormRasa(redis_server.url)
    else:
        rasa = RewordedFormRasa(redis_server.url)
    await rasa.start(free_port())
    try:
        gw = await gateway_factory(RASA_URL=rasa.url, ACTION_SERVER_URL=rasa.url)
        texts = await _texts(http, gw, "report-danger-once-0003", "igen, most is veri, kést fogott rá")
    finally:
        await rasa.stop()
    assert "112" in texts[0], texts  # the gateway's emergency block comes first
    form = texts[texts.index(NEXT) - 1]  # the form's own text, before its next question
    assert "112" not in form, texts
    assert form == wording.text("report_danger_go_on", "hu", "te"), texts
