"""The report's safety net through the gateway (bot.report_net, bot.state_router step 7a):
a person who told a worry and says "Igen, küldje el" with no report form open gets a report
and its case code (sealed6 lost four such reports). A Rasa stand-in plays the form: it keeps
``report_what`` from "/report_start" and answers the form's "send it" with the report."""
from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bot.report_net import SEND_IT
from tests.test_report_flow import web_say
from tests.test_report_support import REPORT_FIELDS, FakeRasa

CODE = re.compile(r"[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}")
WORRY = "A szomszédban két kisgyerek napok óta éhesen, egyedül sír a lépcsőházban, a szülők mindig részegek."


class NetRasa(FakeRasa):
    """No form opens by itself: "/report_start" opens it (keeping ``report_what``), the form's
    own "send it" then sends the report; any other message gets "Rendben." as Rasa's affirm
    answer outside a form does."""

    def __init__(self, redis_url: str) -> None:
        super().__init__(redis_url)
        self.what: list[str | None] = []
        self.form_open = False

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, text, meta = body["sender"], body["message"], body.get("metadata") or {}
        reply: list[dict[str, Any]]
        if text == "/report_start":
            self.form_open = True
            self.what.append(meta.get("report_what"))
            reply = [{"recipient_id": sender, "text": "Hány éves a gyerek?", "buttons": [
                {"title": "Kihagyom", "payload": "/report_skip"}, {"title": "Befejezem", "payload": "/report_stop"}]}]
        elif self.form_open and text == SEND_IT["hu"]:
            self.form_open = False
            reply = [{"recipient_id": sender, "text": "Elküldtem."},
                     {"recipient_id": sender, "custom": {"report": {**REPORT_FIELDS, "what": self.what[-1]}}}]
        else:
            reply = [{"recipient_id": sender, "text": "Rendben. Ha bármi más felmerül, itt vagyok."}]
        return web.json_response(reply)


async def test_send_it_after_a_worry_makes_the_report_once(gateway_factory, redis_server, http) -> None:
    from tests.conftest import free_port

    rasa = NetRasa(redis_server.url)
    await rasa.start(free_port())
    try:
        gw = await gateway_factory(RASA_URL=rasa.url, ACTION_SERVER_URL=rasa.url)
        await web_say(http, gw, "report-net-0001", WORRY)
        replies = await web_say(http, gw, "report-net-0001", "Igen, küldje el.")
        said = "\n".join(r["text"] for r in replies)
        assert CODE.search(said), said
        assert rasa.what == [WORRY]  # what they told is the report's "what happened"
        # Said again: no second report.
        again = "\n".join(r["text"] for r in await web_say(http, gw, "report-net-0001", "küldje el"))
        assert not CODE.search(again) and rasa.what == [WORRY]
        # With no worry told, "send it" is only an answer.
        await web_say(http, gw, "report-net-0002", "Jó napot, mikor vannak nyitva?")
        plain = "\n".join(r["text"] for r in await web_say(http, gw, "report-net-0002", "Igen, küldje el."))
        assert not CODE.search(plain) and rasa.what == [WORRY]
    finally:
        await rasa.stop()
