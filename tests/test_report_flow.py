"""A report made through Telegram (fake Bot API) and through the web chat, end to end
through the gateway (Rasa's last form step played by tests.test_report_support.FakeRasa):
no reporter identifier in the stored bytes or the PDF; the code works on the other
channel; the operator's message reaches the reporter."""
from __future__ import annotations

import asyncio
import io
import re

import pypdf

from bot import keys, texts
from bot.crypto import Sealer
from bot.reports import codes
from tests.conftest import KEYS, dump_redis
from tests.fake_telegram import FakeBotAPI
from tests.test_report_support import REPORT_FIELDS, SUBMIT, FakeRasa

TOKEN = KEYS["OPERATOR_API_TOKEN"]
OP = {"Authorization": f"Bearer {TOKEN}", "X-Operator": "Kiss%20%C3%89va"}
CODE = re.compile(r"[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}")


def env(rasa: FakeRasa, tg: FakeBotAPI | None = None) -> dict[str, str]:
    out = {"RASA_URL": rasa.url, "ACTION_SERVER_URL": rasa.url}
    if tg is not None:
        out.update({"TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE_URL": tg.url})
    return out


async def web_say(http, gw, session: str, text: str | None = None, payload: str | None = None) -> list[dict]:
    body = {"session": session, **({"text": text} if text is not None else {}),
            **({"payload": payload} if payload is not None else {})}
    async with http.post(f"{gw.url}/api/chat", json=body) as resp:
        assert resp.status == 200
        return (await resp.json())["replies"]


async def tg_report(tg: FakeBotAPI, chat_id: int) -> str:
    tg.user_message(chat_id, "bejelentést szeretnék tenni")
    await tg.wait_for(chat_id, 1)
    tg.user_message(chat_id, SUBMIT)
    sent = await tg.wait_for(chat_id, 3)
    match = CODE.search(sent[-1])
    assert match, sent
    return match.group(0)


async def assert_no_identifiers(redis, report_code: str, identifiers: list[bytes], http, gw) -> None:
    """The report's stored bytes (sealed or opened) and its PDF hold none of the identifiers."""
    store = gw.app[__import__("bot.reports.api", fromlist=["DESK"]).DESK].reports
    rid = store.rid(report_code)
    dump = await dump_redis(redis)
    raw = dump[keys.report(rid).encode()]
    opened = Sealer((KEYS["REPORT_ENCRYPTION_KEYS"],)).open(raw)
    plain = repr(opened).encode()
    for ident in identifiers:
        # A short word ("web") turns up by chance in ciphertext or compressed PDF bytes (about
        # one run in a hundred): it is looked for in the opened report and the PDF's text only.
        assert ident not in plain and (len(ident) < 8 or ident not in raw), ident
    # Nothing in all of Redis holds the report's text in clear.
    everything = b"".join(k + v for k, v in dump.items())
    for value in ("Kovács Béla", "Kecskemét", "Fő utca"):
        assert value.encode() not in everything
    async with http.get(f"{gw.url}/api/operator/reports/{rid}/pdf", headers=OP) as resp:
        assert resp.status == 200 and resp.content_type == "application/pdf"
        pdf = await resp.read()
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Kecskemét" in text and "mostohaapa" in text and "Kovács Béla" in text
    for ident in identifiers + [report_code.encode(), report_code.replace("-", "").encode()]:
        assert ident.decode() not in text, ident
        assert len(ident) < 8 or ident not in pdf


async def test_telegram_report_holds_no_identifier_and_works_on_the_web(
        gateway_factory, fake_telegram: FakeBotAPI, rasa: FakeRasa, redis, http) -> None:
    gw = await gateway_factory(**env(rasa, fake_telegram))
    chat_id = 555000111
    code = await tg_report(fake_telegram, chat_id)
    assert codes.normalise(code) == code
    pid = gw.app[__import__("bot.appkeys", fromlist=["GATEWAY"]).GATEWAY].pid("telegram", chat_id)
    await assert_no_identifiers(redis, code, [str(chat_id).encode(), pid.encode(), b"Teszt", b"telegram"], http, gw)

    # The code, typed loosely on the other channel, shows the status.
    replies = await web_say(http, gw, "websession-aaaa-0001", f"Szia, itt a kódom: {code.lower()}")
    assert code in replies[0]["text"] and "megérkezett" in replies[0]["text"]
    # And the reporter can add information from there.
    replies = await web_say(http, gw, "websession-aaaa-0001", payload="/ugy_kiegeszites")
    assert "hozzátenni" in replies[0]["text"]
    replies = await web_say(http, gw, "websession-aaaa-0001", "Ma reggel is kiabált vele.")
    assert "hozzáadtuk" in replies[0]["text"]
    store = gw.app[__import__("bot.reports.api", fromlist=["DESK"]).DESK].reports
    report = await store.by_code(code)
    assert [a["text"] for a in report.additions] == ["Ma reggel is kiabált vele."]
    assert rasa.senders.count(gw.app[__import__("bot.appkeys", fromlist=["GATEWAY"]).GATEWAY].pid(
        "web", "websession-aaaa-0001")) == 0  # none of it went to Rasa

    # The operator's message reaches the Telegram chat at once (the link exists).
    before = len(fake_telegram.texts_to(chat_id))
    async with http.post(f"{gw.url}/api/operator/reports/{report.rid}/messages", headers=OP,
                         json={"text": "Köszönjük, továbbítottuk a gyámhatóságnak."}) as resp:
        assert resp.status == 200 and (await resp.json())["delivered_now"] is True
    sent = await fake_telegram.wait_for(chat_id, before + 1)
    assert "továbbítottuk a gyámhatóságnak" in sent[-1]
    assert code not in sent[-1]


async def test_web_report_then_telegram_followup_and_message_after_erase(
        gateway_factory, fake_telegram: FakeBotAPI, rasa: FakeRasa, redis, http) -> None:
    gw = await gateway_factory(**env(rasa, fake_telegram))
    session = "websession-bbbb-0002"
    await web_say(http, gw, session, "bejelentenék valamit")
    replies = await web_say(http, gw, session, SUBMIT)
    code = CODE.search(replies[-1]["text"]).group(0)
    assert any(b["payload"] == "/torles" for b in replies[-1]["buttons"])
    pid = gw.app[__import__("bot.appkeys", fromlist=["GATEWAY"]).GATEWAY].pid("web", session)
    await assert_no_identifiers(redis, code, [session.encode(), pid.encode(), b"web"], http, gw)

    store = gw.app[__import__("bot.reports.api", fromlist=["DESK"]).DESK].reports
    rid = store.rid(code)
    # Operator side: open, note, authority from the directory, forward.
    async with http.get(f"{gw.url}/api/operator/reports", headers=OP) as resp:
        listed = (await resp.json())["reports"]
    assert [r["rid"] for r in listed] == [rid] and listed[0]["status"] == "received"
    async with http.get(f"{gw.url}/api/operator/reports/{rid}", headers=OP) as resp:
        detail = await resp.json()
    # The code is the reporter's secret: never in the operator API.
    assert "code" not in detail and code not in str(detail)
    assert detail["linked"] is True and detail["fields"]["settlement"] == "Kecskemét"
    async with http.post(f"{gw.url}/api/operator/reports/{rid}/notes", headers=OP,
                         json={"text": "Telefonon: a gyerek 3. osztályos."}) as resp:
        assert resp.status == 200
    async with http.get(f"{gw.url}/api/operator/reports/{rid}/authorities", headers=OP) as resp:
        options = await resp.json()
    assert any(s["service"] == "guardianship_authority" for s in options["services"])
    async with http.post(f"{gw.url}/api/operator/reports/{rid}/authority", headers=OP,
                         json={"service": "guardianship_authority"}) as resp:
        assert resp.status == 200 and (await resp.json())["authority"]["by"] == "Kiss Éva"
    async with http.post(f"{gw.url}/api/operator/reports/{rid}/status", headers=OP,
                         json={"status": "forwarded"}) as resp:
        assert resp.status == 200

    # The reporter erases the web conversation: the report stays, the link goes.
    replies = await web_say(http, gw, session, "/torles")
    assert not await redis.exists(keys.log(pid))
    assert await store.get(rid) is not None and await store.linked_pid(rid) is None
    async with http.post(f"{gw.url}/api/operator/reports/{rid}/messages", headers=OP,
                         json={"text": "Kérjük, írjon, ha újra történik valami."}) as resp:
        assert (await resp.json())["delivered_now"] is False

    # Coming back on Telegram with /ugy shows the status and the message left.
    fake_telegram.user_message(555000222, f"/ugy {code.replace('-', ' ')}")
    sent = await fake_telegram.wait_for(555000222, 1)
    assert code in sent[0] and "továbbítottuk" in sent[0] and "újra történik" in sent[0]
    assert (await store.get(rid)).messages[-1]["delivered"] is True

    # The audit log names who opened and exported, and the reporter only as "reporter".
    async with http.get(f"{gw.url}/api/operator/reports/{rid}/audit", headers=OP) as resp:
        audit = (await resp.json())["audit"]
    actions = {(a["by"], a["action"]) for a in audit}
    assert ("Kiss Éva", "opened") in actions and ("Kiss Éva", "exported pdf") in actions
    assert ("reporter", "created") in actions and ("Kiss Éva", "chose authority") in actions


async def test_wrong_codes_are_answered_and_braked(gateway_factory, rasa: FakeRasa, http) -> None:
    gw = await gateway_factory(**env(rasa))
    session = "websession-cccc-0003"
    replies = await web_say(http, gw, session, "/ugy")
    assert "kódját" in replies[0]["text"]
    unknown = codes.new_code()
    replies = await web_say(http, gw, session, f"/ugy {unknown}")
    assert "nem találok" in replies[0]["text"]
    typo = unknown[:-1] + next(c for c in codes.ALPHABET if c != unknown[-1])
    replies = await web_say(http, gw, session, typo)
    assert "elírás" in replies[0]["text"]
    for _ in range(12):
        replies = await web_say(http, gw, session, f"/ugy {codes.new_code()}")
    assert "Túl sok" in replies[0]["text"]
    # Ordinary text still goes to the bot.
    assert (await web_say(http, gw, session, "ugy erzem bantanak"))[0]["text"] == "Mi történt?"


async def test_operator_api_needs_the_token_and_a_name(gateway_factory, rasa: FakeRasa, http) -> None:
    gw = await gateway_factory(**env(rasa))
    async with http.get(f"{gw.url}/api/operator/reports") as resp:
        assert resp.status == 401
    async with http.get(f"{gw.url}/api/operator/reports", headers={"Authorization": "Bearer wrong",
                                                                    "X-Operator": "x"}) as resp:
        assert resp.status == 401
    async with http.get(f"{gw.url}/api/operator/reports", headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
        assert resp.status == 401
    async with http.post(f"{gw.url}/api/operator/reports", headers=OP,
                         json={**REPORT_FIELDS, "danger_now": "igen", "relation": "apja"}) as resp:
        assert resp.status == 201
        made = await resp.json()
    rid = made["rid"]
    assert [s["not_applicable"] for s in made["checklist_steps"]] == [False, False, True]
    async with http.post(f"{gw.url}/api/operator/reports/{rid}/checklist", headers=OP,
                         json={"step": "welfare_centre"}) as resp:
        assert resp.status == 409
    for step in ("police", "welfare_centre", "parents"):
        async with http.post(f"{gw.url}/api/operator/reports/{rid}/checklist", headers=OP,
                             json={"step": step, "note": "értesítve"}) as resp:
            assert resp.status == 200
    async with http.get(f"{gw.url}/api/operator/reports/{'0' * 32}", headers=OP) as resp:
        assert resp.status == 404
    await asyncio.sleep(0)


async def test_confirmed_report_shows_the_code_in_the_persons_register_and_words_ask_for_it(
        gateway_factory, rasa: FakeRasa, http) -> None:
    """Issue 12: the last step of the report shows the case code and how to use it, in "Ön"
    to an adult; follow-up in words ("mi van a bejelentésemmel?") asks for the code instead
    of reaching the bot (which would start a new report)."""
    gw = await gateway_factory(**env(rasa))
    session = "websession-formal-0004"
    await web_say(http, gw, session, "Jó napot kívánok, bejelentést szeretnék tenni.")
    replies = await web_say(http, gw, session, SUBMIT)
    saved = replies[-1]["text"]
    assert CODE.search(saved) and "beírnia a kódot" in saved and "Kérem, írja le" in saved
    assert "Írd le" not in saved and "kilétedet" not in saved
    ask_code = texts.text("report_followup_ask", "hu_formal")
    for words in ("mi van a bejelentésemmel?", "van valami fejlemény a jelzésemmel kapcsolatban?"):
        asked = await web_say(http, gw, session, words)
        assert [r["text"] for r in asked] == [ask_code], words
    asked = await web_say(http, gw, "websession-en-0005", "what happened with my report? any news?")
    assert "code" in asked[0]["text"]
    asked = await web_say(http, gw, "websession-en-0006", "how is my report going?")
    assert "code" in asked[0]["text"]
    # a report made earlier, told in the past, then "what came of it?" (sealed3)
    asked = await web_say(http, gw, "websession-formal-0007", "Két hete tettem Önöknél bejelentést egy szomszéd "
                          "gyerek miatt. Hogyan tudhatom meg, mi történt azóta?")
    assert [r["text"] for r in asked] == [ask_code]
    lost = await web_say(http, gw, "websession-formal-0007", "A kódot sajnos nem írtam fel.")
    assert lost and "kód" in lost[0]["text"] and lost[0]["text"] != asked[0]["text"]
    asked = await web_say(http, gw, "websession-en-0008", "I made a report last week about a child in my street. "
                          "Can you tell me what happened with it?")
    assert "code" in asked[0]["text"]


async def test_follow_up_in_words_names_where_reports_go_and_a_foreign_code_is_told_kindly(
        gateway_factory, rasa: FakeRasa, http) -> None:
    """Issue 12 (sealed4): a follow-up's first reply acknowledges it, says where a report goes (the
    family and child welfare service, the police in immediate danger) and asks for the code; a
    code told in words that is not in our format ("a kódom H-58213") is answered "I cannot find
    that code" with what to do and a person's button, never as a new report (Rasa never hears it)."""
    gw = await gateway_factory(**env(rasa))
    asked = await web_say(http, gw, "websession-formal-0101", "Jó napot, két hete tettem bejelentést egy "
                          "szomszéd gyerek miatt. Szeretném tudni, mi történt azóta.")
    text = asked[0]["text"]
    assert "gyermekjóléti" in text and "továbbít" in text and "kódjá" in text and "kérem, írja be" in text
    assert "/talk_to_human" in [b["payload"] for b in asked[0]["buttons"]]
    for session, words, voice in (
            ("websession-formal-0102", "Jó napot, a múlt héten tettem bejelentést itt a chaten, a kódom H-58213. "
                                       "Szeretném tudni, mi történt azóta.", "hu_formal"),
            ("websession-formal-0103", "Jó napot, osztályfőnök vagyok. Két hete jeleztünk egy esetet, a bejelentés "
                                       "kódja K-3307. Van utánkövetés?", "hu_formal"),
            ("websession-en-0104", "Hello, my case code is 12345, is there any news on my report?", "en"),
            ("websession-0106", "a kódom H-58213", "hu"),  # alone (found trying the service)
            ("websession-en-0107", "my code is AB-1234", "en")):
        before = len(rasa.senders)
        told = await web_say(http, gw, session, words)
        assert [r["text"] for r in told] == [texts.text("report_code_format", voice)], words
        assert "/talk_to_human" in [b["payload"] for b in told[0]["buttons"]]
        assert len(rasa.senders) == before  # not a new report: the bot never saw it
    # An address with a door code inside a report is no follow-up: it reaches the bot.
    before = len(rasa.senders)
    await web_say(http, gw, "websession-0105", "Fő utca 12, a kapu kódja 1234")
    assert len(rasa.senders) == before + 1


async def test_an_addition_typed_in_words_after_the_status_is_kept(gateway_factory, rasa: FakeRasa, http) -> None:
    """Found trying the service: "Szeretném kiegészíteni: ..." after the code was answered as a
    new question and the report's additions stayed empty; only the button worked."""
    gw = await gateway_factory(**env(rasa))
    await web_say(http, gw, "websession-add-words-1", "bejelentést szeretnék tenni")
    replies = await web_say(http, gw, "websession-add-words-1", SUBMIT)
    code = CODE.search(" ".join(r["text"] for r in replies)).group(0)
    store = gw.app[__import__("bot.reports.api", fromlist=["DESK"]).DESK].reports

    await web_say(http, gw, "websession-add-words-2", code)
    news = "Szeretném kiegészíteni: ma reggel is kiabált vele a lépcsőházban."
    replies = await web_say(http, gw, "websession-add-words-2", news)
    assert "hozzáadtuk" in replies[0]["text"]
    assert [a["text"] for a in (await store.by_code(code)).additions] == [news]

    await web_say(http, gw, "websession-add-words-3", code)
    replies = await web_say(http, gw, "websession-add-words-3", "Szeretném kiegészíteni a bejelentést.")
    assert "hozzátenni" in replies[0]["text"]  # the add button's prompt: the next message is the addition
    await web_say(http, gw, "websession-add-words-3", "A gyerek ma nem ment iskolába.")
    assert len((await store.by_code(code)).additions) == 2
