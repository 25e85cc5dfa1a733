"""Relay over Telegram (local fake Bot API), and a gateway restart in the middle of a
live chat: nothing is lost, the bot stays silent, a console catches up from its cursor."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from bot import texts
from bot.appkeys import GATEWAY
from bot.handoff import data
from tests.conftest import free_port
from tests.test_handoff import AUTH, BOT_DOWN, api, person_inbox, pid_of, queue, say


async def test_telegram_relay_both_ways(gateway_factory: Any, fake_telegram: Any, http: aiohttp.ClientSession) -> None:
    gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{free_port()}", TELEGRAM_BOT_TOKEN="123:abc",
                               TELEGRAM_API_BASE_URL=fake_telegram.url)
    chat = 555_000_111
    fake_telegram.user_message(chat, "/operator")
    told = await fake_telegram.wait_for(chat, 2)
    assert "116 111" in told[-1]  # nobody online: the open numbers at once
    waiting = await queue(http, gw.url)
    pid = gw.app[GATEWAY].pid("telegram", chat)
    assert [w["id"] for w in waiting] == [pid] and waiting[0]["channel"] == "telegram"
    assert str(chat) not in json.dumps(waiting)
    assert (await api(http, "POST", gw.url, f"/api/operator/chats/{pid}/claim"))[0] == 200
    assert (await fake_telegram.wait_for(chat, 3))[-1] == data.text("operator_joined", "hu")
    # operator -> person
    sent = await api(http, "POST", gw.url, f"/api/operator/chats/{pid}/messages", {"text": "Szia, itt vagyok."})
    assert sent[0] == 200
    assert (await fake_telegram.wait_for(chat, 4))[-1] == "Szia, itt vagyok."
    # person -> operator; the bot says nothing
    fake_telegram.user_message(chat, "Segítség kell, otthon baj van.")
    deadline = time.monotonic() + 10
    lines: list[str] = []
    while time.monotonic() < deadline and "Segítség kell, otthon baj van." not in lines:
        lines = [e["text"] for e in (await api(http, "GET", gw.url, f"/api/operator/chats/{pid}"))[1]["entries"]]
        await asyncio.sleep(0.05)
    assert "Segítség kell, otthon baj van." in lines
    await asyncio.sleep(0.5)
    assert len(fake_telegram.texts_to(chat)) == 4
    assert BOT_DOWN not in fake_telegram.texts_to(chat)
    # close: the person is told, on Telegram
    closed = await api(http, "POST", gw.url, f"/api/operator/chats/{pid}/close", {"outcome": "family_relationships"})
    assert closed[0] == 200
    assert (await fake_telegram.wait_for(chat, 5))[-1] == data.text("closed", "hu")


async def test_gateway_restart_mid_chat_loses_nothing(
    gateway_factory: Any, http: aiohttp.ClientSession, operator_account: Any, console_login: Any
) -> None:
    rasa = f"http://127.0.0.1:{free_port()}"
    port = free_port()
    a = await gateway_factory(RASA_URL=rasa, PORT=port)
    s = "sess-restart-0001"
    await say(http, a.url, s, "/operator")
    pid = pid_of(a, s)
    password = await operator_account("olga")
    console = await console_login(a.url, "olga", password)
    ws = await console.ws()
    await ws.receive(timeout=5)
    assert (await console.call("POST", f"/api/operator/chats/{pid}/claim"))[0] == 200
    assert (await console.call("POST", f"/api/operator/chats/{pid}/messages", {"text": "Első üzenet."}))[0] == 200
    await ws.send_json({"type": "subscribe", "id": pid, "after": 0})
    cursor = 0
    seen: list[str] = []
    while cursor == 0 or "Első üzenet." not in seen:
        msg = json.loads((await ws.receive(timeout=5)).data)
        if msg["type"] == "entries":
            seen = [e["text"] for e in msg["entries"]]
            cursor = msg["entries"][-1]["seq"]

    # The gateway goes away mid-chat (the console's socket with it).
    await a.runner.cleanup()
    closed = await ws.receive(timeout=5)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)

    # A new gateway on the same Redis (same port: the browser just reconnects).
    b = await gateway_factory(RASA_URL=rasa, PORT=port)
    inbox = await person_inbox(http, b.url, s)
    assert "Első üzenet." in [m["text"] for m in inbox]
    reply = await say(http, b.url, s, "Még itt vagy?")
    assert reply["state"] == "live" and reply["replies"] == []  # still live; the bot is silent
    # The session survived (it is in Redis); the console reconnects with its cursor and catches up.
    ws2 = await console.ws()
    first = json.loads((await ws2.receive(timeout=5)).data)
    assert first["type"] == "queue" and [c["id"] for c in first["live"]] == [pid]
    await ws2.send_json({"type": "subscribe", "id": pid, "after": cursor})
    missed = json.loads((await ws2.receive(timeout=5)).data)
    while missed["type"] != "entries":
        missed = json.loads((await ws2.receive(timeout=5)).data)
    assert [e["text"] for e in missed["entries"]] == ["Még itt vagy?"]
    assert missed["entries"][0]["seq"] == cursor + 1
    assert (await console.call("POST", f"/api/operator/chats/{pid}/messages", {"text": "Igen, itt vagyok."}))[0] == 200
    inbox = await person_inbox(http, b.url, s, reply["cursor"])
    assert [m["text"] for m in inbox] == ["Igen, itt vagyok."]
    status, chat = await api(http, "GET", b.url, f"/api/operator/chats/{pid}", headers=AUTH)
    texts = [e["text"] for e in chat["entries"] if not e["staff"]]
    assert texts.index("Első üzenet.") < texts.index("Még itt vagy?") < texts.index("Igen, itt vagyok.")
    await ws2.close()


async def _live_telegram_chat(gateway_factory: Any, fake_telegram: Any, http: aiohttp.ClientSession,
                              chat: int) -> tuple[Any, str]:
    """A Telegram chat (Rasa down) that asked for a person and was taken by an operator."""
    gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{free_port()}", TELEGRAM_BOT_TOKEN="123:abc",
                               TELEGRAM_API_BASE_URL=fake_telegram.url)
    fake_telegram.user_message(chat, "/operator")
    await fake_telegram.wait_for(chat, 2)
    pid = gw.app[GATEWAY].pid("telegram", chat)
    assert (await api(http, "POST", gw.url, f"/api/operator/chats/{pid}/claim"))[0] == 200
    return gw, pid


async def test_an_edited_telegram_message_is_marked_for_the_operator(
        gateway_factory: Any, fake_telegram: Any, http: aiohttp.ClientSession) -> None:
    """A child in a live chat edits "minden oké" into "nem oké, most is itt van": the operator
    saw a second message as if newly written. It is marked as an edit (the original stays)."""
    chat = 555_000_222
    gw, pid = await _live_telegram_chat(gateway_factory, fake_telegram, http, chat)
    mid = fake_telegram.user_message(chat, "minden oké")
    fake_telegram.edit_message(chat, mid, "nem oké, most is itt van")
    deadline = time.monotonic() + 10
    entries: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not any(e["text"] == "nem oké, most is itt van" for e in entries):
        entries = (await api(http, "GET", gw.url, f"/api/operator/chats/{pid}"))[1]["entries"]
        await asyncio.sleep(0.05)
    person = {e["text"]: e for e in entries if e["from"] == "person"}
    assert person["nem oké, most is itt van"].get("edited") is True
    assert "edited" not in person["minden oké"]


async def test_a_voice_message_in_a_live_chat_tells_the_person_the_colleague_cannot_hear_it(
        gateway_factory: Any, fake_telegram: Any, http: aiohttp.ClientSession) -> None:
    """Live with an operator, a child sent a voice message, then a photo: the console showed
    "[voice]", "[photo]", the bot stayed silent, and the child thought the colleague had heard
    it. Now the child is told once (not for every picture) that only words reach the colleague."""
    chat = 555_000_333
    gw, pid = await _live_telegram_chat(gateway_factory, fake_telegram, http, chat)
    await fake_telegram.wait_for(chat, 3)
    fake_telegram.user_message(chat, voice={"file_id": "v1", "file_unique_id": "u1", "duration": 12})
    told = await fake_telegram.wait_for(chat, 4)
    assert told[-1] == texts.text("media_unseen_live", "hu")
    fake_telegram.user_message(chat, photo=[{"file_id": "p1", "file_unique_id": "q1", "width": 9, "height": 9}],
                               caption="ezt nézd meg")
    deadline = time.monotonic() + 10
    lines: list[str] = []
    while time.monotonic() < deadline and "ezt nézd meg" not in lines:
        lines = [e["text"] for e in (await api(http, "GET", gw.url, f"/api/operator/chats/{pid}"))[1]["entries"]]
        await asyncio.sleep(0.05)
    assert "[voice]" in lines and "[photo]" in lines and "ezt nézd meg" in lines
    await asyncio.sleep(0.5)
    assert len(fake_telegram.texts_to(chat)) == 4  # said once, not for every picture
