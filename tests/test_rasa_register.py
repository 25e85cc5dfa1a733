"""Rasa's own responses follow the gateway's register: the persona the gateway
heard (bot/register.py) travels as REST message metadata (``bot.rasa_turn.rasa_metadata``:
``{"slots": {"persona": ...}}``), rasa_addons/metadata_slots.py puts it in the persona slot
with no action-server call, and the responses' persona conditions pick "Ön" for an adult or a
professional. Without it a child, or an unknown writer, keeps "te"; English has one register.

Runs against the trained model and the action server (the session's rasa_stack), straight
through Rasa's REST channel, one fresh sender per case.
"""
from __future__ import annotations

import uuid

import aiohttp
import pytest

from bot.rasa_turn import rasa_metadata
from bot.store import Conversation
from tests.conftest import RasaStack


async def say(http: aiohttp.ClientSession, stack: RasaStack, sender: str, text: str, persona: str = "") -> str:
    """One message to Rasa with the metadata the gateway sends for a conversation with this persona."""
    meta, _ = rasa_metadata(Conversation(pid=sender, channel="web", persona=persona))
    body = {"sender": sender, "message": text, "metadata": meta}
    async with http.post(f"{stack.url}/webhooks/rest/webhook?token={stack.token}", json=body) as resp:
        assert resp.status == 200
        return "\n".join(m.get("text") or "" for m in await resp.json())


async def english(http: aiohttp.ClientSession, stack: RasaStack, sender: str) -> None:
    url = f"{stack.url}/conversations/{sender}/tracker/events?token={stack.token}"
    async with http.post(url, json={"event": "slot", "name": "language", "value": "en"}) as resp:
        assert resp.status == 200


# (message, a "te" form only the child's text has, the "Ön" form the adult's text has)
CASES = [
    ("Éjjel is elérhető a szolgáltatás?", "ha kéred", "ha kéri"),
    ("Van menedékhely bántalmazott anyáknak és gyerekeknek?", "hívd a 112", "hívja a 112"),
    ("Milyen segélyhívó számok vannak?", "telefonodon", "telefonján"),
    ("Névtelen bejelentést szeretnék tenni", "kihagyhatod", "kihagyhatja"),
]


@pytest.mark.parametrize("text,te,on", CASES)
async def test_rasa_says_on_to_an_adult_the_gateway_heard_and_te_otherwise(
        rasa_stack: RasaStack, http: aiohttp.ClientSession, text: str, te: str, on: str) -> None:
    adult = await say(http, rasa_stack, f"reg-{uuid.uuid4().hex}", text, persona="adult")
    professional = await say(http, rasa_stack, f"reg-{uuid.uuid4().hex}", text, persona="professional")
    child = await say(http, rasa_stack, f"reg-{uuid.uuid4().hex}", text, persona="child")
    unknown = await say(http, rasa_stack, f"reg-{uuid.uuid4().hex}", text)
    for formal in (adult, professional):
        assert on in formal and te not in formal, formal
    for informal in (child, unknown):
        assert te in informal and on not in informal, informal


async def test_the_report_form_asks_an_adult_with_on_all_the_way(rasa_stack: RasaStack,
                                                                 http: aiohttp.ClientSession) -> None:
    sender = f"reg-{uuid.uuid4().hex}"
    first = await say(http, rasa_stack, sender, "Névtelen bejelentést szeretnék tenni", persona="adult")
    assert "írja le" in first and "Írd le" not in first
    second = await say(http, rasa_stack, sender, "A szomszéd gyerekek egész nap egyedül vannak.", persona="adult")
    assert "Kérem, adja meg" in second and "is jó" not in second  # where (session 12: before the age)
    third = await say(http, rasa_stack, sender, "Szeged", persona="adult")
    assert "gyermek" in third and "Ha rólad van szó" not in third


async def test_english_keeps_its_one_register_for_an_adult(rasa_stack: RasaStack,
                                                           http: aiohttp.ClientSession) -> None:
    sender = f"reg-{uuid.uuid4().hex}"
    await english(http, rasa_stack, sender)
    reply = await say(http, rasa_stack, sender, "Is there a shelter for mothers and children?", persona="adult")
    assert "call 112" in reply and "hívja" not in reply


async def test_anonymity_is_neutral_until_the_bot_knows_who_writes(rasa_stack: RasaStack,
                                                                   http: aiohttp.ClientSession) -> None:
    """The unknown writer may be an adult: no "te" to a stranger; a child still gets "te"."""
    unknown = await say(http, rasa_stack, f"reg-{uuid.uuid4().hex}", "Névtelen maradhatok?")
    child = await say(http, rasa_stack, f"reg-{uuid.uuid4().hex}", "Névtelen maradhatok?", persona="child")
    adult = await say(http, rasa_stack, f"reg-{uuid.uuid4().hex}", "Névtelen maradhatok?", persona="adult")
    assert "Nevet nem kell megadni" in unknown and "megadnod" not in unknown
    assert "megadnod" in child
    assert "megadnod" not in adult and "nem derülhet ki" in adult
