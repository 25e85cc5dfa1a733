"""A wish to (go on with a) report that Rasa did not understand: the gateway opens the form
(bot.state_router step 7) and the "not sure I understood" before it is dropped, since it would
contradict the form that follows (sealed10: "visszajöttem, folytathatjuk a bejelentést?" got
both). Rasa is a stand-in here (the only fake): its fallback is the real action's shape, a text
and a ``{"fallback": true}`` mark."""
from __future__ import annotations

from aiohttp import web

from tests.test_deferred_report import FORM_QUESTION, FormRasa, chat, form_opened

NOT_UNDERSTOOD = "Ezt nem biztos, hogy jól értettem. Leírnád másképp?"


class FallbackRasa(FormRasa):
    """The form on "/report_start"; anything else Rasa's fallback."""

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.texts.append(body["message"])
        if body["message"] == "/report_start":
            return form_opened(body["sender"])
        return web.json_response([{"recipient_id": body["sender"], "text": NOT_UNDERSTOOD},
                                  {"recipient_id": body["sender"], "custom": {"fallback": True}}])


async def test_the_form_opened_for_a_wish_rasa_missed_comes_without_the_fallback(gateway_factory, http) -> None:
    rasa = FallbackRasa(0.0)
    await rasa.start()
    try:
        gw = await gateway_factory(RASA_URL=rasa.url, ACTION_SERVER_URL=rasa.url, RASA_WARMUP_CONVERSATIONS=0)
        body = await chat(http, gw.url, "wish-fallback-01", "visszajottem, folytathatjuk a bejelentest?")
        said = [r["text"] for r in body["replies"]]
        assert FORM_QUESTION in said, said
        assert NOT_UNDERSTOOD not in said, said
        assert rasa.texts.count("/report_start") == 1
        # Not a wish: the fallback stays (nothing else would answer).
        other = await chat(http, gw.url, "wish-fallback-02", "zsiráf kalap")
        assert NOT_UNDERSTOOD in [r["text"] for r in other["replies"]], other
    finally:
        await rasa.stop()
