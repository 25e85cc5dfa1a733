"""All log output of a full conversation (report, follow-up by code, operator message,
/torles) holds neither the message texts, nor the chat id, nor the case code."""
from __future__ import annotations

import asyncio
import io
import logging

from bot import logs
from bot.reports.api import DESK
from tests.fake_telegram import FakeBotAPI
from tests.test_report_flow import OP, env, tg_report, web_say
from tests.test_report_support import REPORT_FIELDS, FakeRasa

CHAT_ID = 777123456
SESSION = "websession-logscan-0001"


async def test_logs_of_a_full_conversation_hold_no_text_id_or_code(
        gateway_factory, fake_telegram: FakeBotAPI, rasa: FakeRasa, http) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buf = io.StringIO()
    logs.setup("DEBUG")  # the production configuration, at its most talkative level
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)  # what logs.setup installs
    handler.setStream(buf)
    try:
        gw = await gateway_factory(**env(rasa, fake_telegram))
        code = await tg_report(fake_telegram, CHAT_ID)
        fake_telegram.user_message(CHAT_ID, "a mostohaapám megint megütött")
        await fake_telegram.wait_for(CHAT_ID, 4)
        await web_say(http, gw, SESSION, f"ez a kódom {code}")
        await web_say(http, gw, SESSION, payload="/ugy_kiegeszites")
        await web_say(http, gw, SESSION, "Tegnap este is hallottam a kiabálást.")
        rid = gw.app[DESK].reports.rid(code)
        async with http.post(f"{gw.url}/api/operator/reports/{rid}/messages", headers=OP,
                             json={"text": "Megkaptuk, intézkedünk."}) as resp:
            assert resp.status == 200
        async with http.get(f"{gw.url}/api/operator/reports/{rid}/pdf", headers=OP) as resp:
            assert resp.status == 200
        fake_telegram.user_message(CHAT_ID, "/torles")
        while not fake_telegram.deleted:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
    finally:
        out = buf.getvalue()
        root.handlers[:], root.level = saved
        logging.getLogger().setLevel(saved[1])

    assert "report created" in out and "conversation erased" in out  # the logs did run
    assert len(out.splitlines()) >= 10
    forbidden = [str(CHAT_ID), SESSION, code, code.replace("-", ""), "mostohaapám", "megütött",
                 "kiabálást", "Megkaptuk", "bejelentést szeretnék", "Teszt",
                 *[v for v in REPORT_FIELDS.values() if len(v) > 3 and v != "unknown"]]
    for needle in forbidden:
        assert needle not in out, needle
