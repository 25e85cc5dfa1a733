"""The anonymous report form end to end on real parts: web chat -> gateway -> the
trained Rasa model and action server (report_form) -> the gateway's report desk ->
the operator API. Answers are chosen so the gateway's danger screen lets them
through (checked with ``python -m bot.safety``)."""
from __future__ import annotations

import re

import aiohttp

from bot.appkeys import GATEWAY
from bot.reports.api import DESK
from tests.conftest import KEYS, RasaStack

OP = {"Authorization": f"Bearer {KEYS['OPERATOR_API_TOKEN']}", "X-Operator": "Teszt%20Operator"}
CODE = re.compile(r"[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}")
WHAT = "Nagyon sovány, sokszor éhes, és koszos ruhában jár iskolába."


def rasa_env(stack: RasaStack) -> dict[str, str]:
    # A person answers slower than the flood brake (8 messages / 10 s); the test does not.
    return {"RASA_URL": stack.url, "RASA_TOKEN": stack.token, "ACTION_SERVER_URL": stack.action_url,
            "RATE_LIMIT_MESSAGES": "100"}


async def say(http: aiohttp.ClientSession, gw, session: str, text: str | None = None,
              payload: str | None = None) -> list[dict]:
    body: dict = {"session": session}
    if text is not None:
        body["text"] = text
    if payload is not None:
        body["payload"] = payload
    async with http.post(f"{gw.url}/api/chat", json=body) as resp:
        assert resp.status == 200
        data = await resp.json()
    assert data["state"] == "bot", data  # nothing here may go to the operator queue
    return data["replies"]


def joined(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies if r["text"])


def payloads(replies: list[dict]) -> set[str]:
    return {b["payload"] for r in replies for b in r.get("buttons") or []}


async def report_slots(http: aiohttp.ClientSession, stack: RasaStack, pid: str) -> dict:
    async with http.get(f"{stack.url}/conversations/{pid}/tracker", params={"token": stack.token}) as resp:
        assert resp.status == 200
        slots = (await resp.json())["slots"]
    # report_outcome ("sent" / "discarded", for a yes right after) holds no answer
    return {k: v for k, v in slots.items() if k.startswith("report_") and k != "report_outcome"}


async def operator_reports(http: aiohttp.ClientSession, gw) -> list[dict]:
    async with http.get(f"{gw.url}/api/operator/reports", headers=OP) as resp:
        assert resp.status == 200
        return (await resp.json())["reports"]


async def test_report_through_the_real_form_is_stored_without_identifiers(
        rasa_stack: RasaStack, gateway_factory, http) -> None:
    gw = await gateway_factory(**rasa_env(rasa_stack))
    session = "report-form-e2e-web-0001"
    pid = gw.app[GATEWAY].pid("web", session)

    replies = await say(http, gw, session, payload="/report_start")
    assert "névtelen bejelentés" in joined(replies) and "Mi történt?" in joined(replies), replies
    assert {"/report_skip", "/report_dont_know", "/report_stop"} <= payloads(replies)

    # What, where, how old (issue 12: the order a reporter expects), then the summary.
    replies = await say(http, gw, session, WHAT)
    assert "településen" in joined(replies), replies
    # A question about the service instead of an answer is answered, and the form asks again.
    replies = await say(http, gw, session, "kiderül, hogy én jelentettem?")
    assert "nem derülhet ki" in joined(replies) and "településen" in joined(replies), replies
    assert (await report_slots(http, rasa_stack, pid))["report_settlement"] is None
    replies = await say(http, gw, session, "Szeged")
    assert "hány éves" in joined(replies), replies
    replies = await say(http, gw, session, "kb 8")
    first = joined(replies)
    assert "Elküldjem" in first and "Település: Szeged" in first and "Kiegészítem" in payloads(replies), replies
    assert "Ki bántja" not in first and "címet is megadni" not in first  # the details only on request
    # "Kiegészítem" (its button sends the words): the details, then "send it?" again.
    replies = await say(http, gw, session, payload="Kiegészítem")
    assert "veszélyben" in joined(replies) and "/affirm" in payloads(replies), replies
    replies = await say(http, gw, session, payload="/deny")  # not in danger right now
    assert "címet" in joined(replies), replies
    replies = await say(http, gw, session, payload="/deny")  # no address
    assert "Ki bántja" in joined(replies), replies
    replies = await say(http, gw, session, "nem tudom")  # typed "I don't know"
    assert "Mióta" in joined(replies), replies
    replies = await say(http, gw, session, payload="/report_skip")
    assert "Tud erről" in joined(replies), replies
    replies = await say(http, gw, session, "a tanára tudja")
    summary = joined(replies)
    assert "Elküldjem" in summary and WHAT in summary and "Szeged" in summary, replies
    assert "Mióta: (kihagyva)" in summary and "Ki okozza: nem tudom" in summary, summary
    assert "Tud róla más: a tanára tudja" in summary and "Életkor: kb 8" in summary, summary
    assert "Cím" not in summary  # never asked: they did not want to give one

    replies = await say(http, gw, session, payload="/affirm")
    code = CODE.search(joined(replies))
    assert code, replies
    assert "/torles" in payloads(replies)

    listed = await operator_reports(http, gw)
    assert len(listed) == 1
    rid = listed[0]["rid"]
    async with http.get(f"{gw.url}/api/operator/reports/{rid}", headers=OP) as resp:
        assert resp.status == 200
        detail = await resp.json()
    assert "code" not in detail and code.group(0) not in str(detail)  # the reporter's secret
    assert detail["fields"] == {
        "what": WHAT, "child_age": "kb 8", "settlement": "Szeged", "danger_now": "no",
        "relation": "unknown", "others_know": "a tanára tudja",
    }  # address (not wanted) and since (skipped) are absent: skipped
    # None of the reporter's identifiers is in the stored report.
    store = gw.app[DESK].reports
    stored = repr((await store.get(rid)).to_dict())
    for ident in (session, pid, "web"):
        assert ident not in stored, ident
    # Rasa keeps none of the answers once the report is handed over.
    assert all(v in (None, False) for v in (await report_slots(http, rasa_stack, pid)).values())


async def test_stop_in_the_middle_and_no_stores_nothing(rasa_stack: RasaStack, gateway_factory, http) -> None:
    gw = await gateway_factory(**rasa_env(rasa_stack))
    session = "report-form-e2e-web-0002"
    pid = gw.app[GATEWAY].pid("web", session)

    await say(http, gw, session, payload="/report_start")
    await say(http, gw, session, WHAT)
    replies = await say(http, gw, session, payload="/report_dont_know")  # where
    assert "hány éves" in joined(replies), replies
    replies = await say(http, gw, session, "megállok")  # typed stop
    text = joined(replies)
    # What was given so far is shown and kept only if they say yes.
    assert "megállunk" in text and "Elküldjem" in text and WHAT in text, replies
    assert "Település: nem tudom" in text and "Életkor: (kihagyva)" in text, text

    replies = await say(http, gw, session, payload="/deny")
    # a no is asked once more before anything is dropped (it may be meant for another question)
    assert "Elvessem a bejelentést, vagy elküldjem" in joined(replies) and not CODE.search(joined(replies)), replies
    replies = await say(http, gw, session, payload="Elvetem")
    assert "nem küldtem el semmit" in joined(replies), replies
    assert not CODE.search(joined(replies))
    assert await operator_reports(http, gw) == []
    assert all(v in (None, False) for v in (await report_slots(http, rasa_stack, pid)).values())


async def test_danger_right_now_gives_112_first_then_an_operator(
        rasa_stack: RasaStack, gateway_factory, http) -> None:
    gw = await gateway_factory(**rasa_env(rasa_stack))
    session = "report-form-e2e-web-0003"
    await say(http, gw, session, payload="/report_start")
    for answer in ({"text": WHAT}, {"text": "Szeged"}, {"payload": "/report_skip"}, {"payload": "Kiegészítem"}):
        await say(http, gw, session, **answer)
    async with http.post(f"{gw.url}/api/chat", json={"session": session, "text": "igen"}) as resp:
        data = await resp.json()
    texts = [r["text"] for r in data["replies"] if r["text"]]
    assert texts and "112" in texts[0], texts  # 112 first
    assert data["state"] != "bot", data  # handed to the operator queue
    assert await operator_reports(http, gw) == []  # the operator takes the report, not the form
