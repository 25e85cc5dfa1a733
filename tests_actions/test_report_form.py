"""The report form's actions, looked up by their Rasa names as the action server registers
them: one question action per slot (action_ask_<slot>) in the person's register ("te" for a
child or an unknown writer, "Ön" for an adult or a professional, from the persona slot or the
gateway's metadata; English in one register), the confirmation that warns about personal data
before "send it?", and validate_report_form reading "send it" in words."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from conftest import make_tracker, slot_events, texts

pytestmark = pytest.mark.anyio  # async tests on asyncio (conftest.anyio_backend)

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [s for s in yaml.safe_load((ROOT / "domain" / "report.yml").read_text(encoding="utf-8"))
             ["forms"]["report_form"]["required_slots"] if s != "report_confirm"]
WHO = {  # who -> (language slot, persona slot, the gateway's metadata)
    "child": ("hu", "child", {}),
    "unknown": ("hu", None, {}),
    "adult": ("hu", "adult", {}),
    "professional": ("hu", "professional", {}),
    "adult_by_gateway": ("hu", None, {"persona": "adult"}),
    "english_adult": ("en", "adult", {}),
}


async def ask(executor, domain, slot: str, who: str) -> list:
    """What action_ask_<slot> says to this writer (a fresh dispatcher each time)."""
    from rasa_sdk.executor import CollectingDispatcher

    lang, persona, meta = WHO[who]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"language": lang, "persona": persona}, metadata=meta)
    await executor.actions[f"action_ask_{slot}"](dispatcher, tracker, domain)
    return dispatcher.messages


def test_every_question_of_the_form_has_its_registered_action(executor) -> None:
    assert len(QUESTIONS) == 9
    for slot in QUESTIONS:
        assert f"action_ask_{slot}" in executor.actions
    assert "action_ask_" not in executor.actions  # the shared body is no action of its own
    assert "validate_report_form" in executor.actions and "action_ask_report_confirm" in executor.actions


@pytest.mark.parametrize("slot", QUESTIONS)
async def test_each_question_speaks_the_persons_register(executor, domain, slot: str) -> None:
    said = {who: await ask(executor, domain, slot, who) for who in WHO}
    for messages in said.values():
        assert len(messages) == 1 and messages[0]["text"] and messages[0]["buttons"]
    te, on = said["child"][0]["text"], said["adult"][0]["text"]
    assert te != on
    assert said["unknown"][0]["text"] == te
    assert said["professional"][0]["text"] == on and said["adult_by_gateway"][0]["text"] == on
    assert said["english_adult"][0]["text"] not in (te, on)
    # the buttons are the same kind in every register (Skip / I don't know / Stop, or yes/no, ...)
    payloads = {who: [b["payload"] for b in m[0]["buttons"]] for who, m in said.items()}
    assert len({tuple(p) for p in payloads.values()}) == 1
    assert ("/affirm" in payloads["child"]) == (slot in ("report_wants_address", "report_danger_now"))


async def test_te_and_on_forms_are_where_they_belong(executor, domain) -> None:
    te = (await ask(executor, domain, "report_what", "child"))[0]["text"]
    on = (await ask(executor, domain, "report_what", "adult_by_gateway"))[0]["text"]
    assert "Írd le" in te and "írja le" in on and "Írd" not in on
    professional = (await ask(executor, domain, "report_wants_address", "professional"))[0]["text"]
    assert "megadni" in professional and "Szeretne " in professional


# -- "send it?": validate_report_form reads the answer in words ----------------------------------
SEND = {"Küldje el, kérem": "yes", "kérem küldje el": "yes", "mehet": "yes", "please send it": "yes",
        "Igen": "yes", "ne küldje el": "no", "kérem, ne küldje el": "no", "don't send it": "no",
        "Nem": None, "hát nem tudom": None}  # a bare "Nem": asked once more (test_report_order)


@pytest.mark.parametrize("text,want", SEND.items())
async def test_send_it_answered_in_words_is_read_as_yes_or_no(executor, dispatcher, text: str, want) -> None:
    """A reporter who types "Küldje el, kérem" gets the case code; "ne küldje el" sends nothing."""
    form = executor.actions["validate_report_form"].__self__
    tracker = make_tracker("report_form", text=text, intent="inform", confidence=0.5)
    got = await form.validate_report_confirm(text, dispatcher, tracker, {})
    assert got["report_confirm"] == want


async def test_the_form_validation_fills_the_confirmation_from_the_saved_form(executor, dispatcher, domain) -> None:
    """The whole validation action on the saved form (asking "send it?"), as Rasa calls it after
    the form took the text into report_confirm: the words become "yes"; words it cannot read
    leave the slot empty, so the question comes again."""
    def tracker(text: str):
        return make_tracker("report_form", text=text, intent="inform", confidence=0.5,
                            metadata={"persona": "adult"}, extracted={"report_confirm": text})

    events = await executor.actions["validate_report_form"](dispatcher, tracker("Küldje el, kérem"), domain)
    assert {"event": "slot", "timestamp": None, "name": "report_confirm", "value": "yes"} in events
    events = await executor.actions["validate_report_form"](dispatcher, tracker("hát nem tudom"), domain)
    assert {"event": "slot", "timestamp": None, "name": "report_confirm", "value": None} in events


# -- told before "send it?" -------------------------------------------------------------------
PHONE = "06 30 123 4567"   # the same words as tests/test_report_pii.py's
WHAT = f"A nevem Kiss Anna, a szomszéd Kovács Béla minden este veri a fiát. Hívjatok: {PHONE}, anna.kiss@example.hu"


async def confirm(run_action, executor, caplog, **slots) -> list:
    """action_ask_report_confirm on the saved form (every question answered) with these slots."""
    action = executor.actions["action_ask_report_confirm"].__self__
    with caplog.at_level(logging.DEBUG):
        result = await run_action(action, make_tracker("report_form", slots=slots))
    assert "Kiss Anna" not in caplog.text and "4567" not in caplog.text  # nothing of it logged
    return result["messages"]


async def test_the_form_tells_the_reporter_about_personal_data_before_confirming(run_action, executor,
                                                                                 caplog) -> None:
    messages = await confirm(run_action, executor, caplog, report_what=WHAT)
    assert len(messages) == 2
    warning, ask_send = messages[0]["text"], messages[1]
    assert "kitöröljük" in warning and "telefonszám" in warning and "név" in warning
    assert "Kiss Anna" not in warning and PHONE not in warning
    assert "Elküldjem" in ask_send["text"] and ask_send["buttons"]  # not blocked: "send it?" follows


async def test_the_warning_in_english(run_action, executor, caplog) -> None:
    messages = await confirm(run_action, executor, caplog, language="en",
                             report_others_know="call me on +36 20 555 1234")
    assert "removed" in messages[0]["text"] and "phone number" in messages[0]["text"]
    assert "Shall I send" in messages[1]["text"]


async def test_nothing_more_is_said_without_personal_data(run_action, executor, caplog) -> None:
    messages = await confirm(run_action, executor, caplog)
    assert len(messages) == 1 and "Elküldjem" in texts({"messages": messages})


async def reset(executor, dispatcher, domain, tracker) -> dict:
    """What action_report_reset does, as the action server runs it."""
    return {"events": await executor.actions["action_report_reset"](dispatcher, tracker, domain)}


async def test_a_report_asked_for_in_words_keeps_the_message_as_what_happened(executor, dispatcher,
                                                                              domain) -> None:
    """The gateway opens the form after "Ezt névtelenül szeretném bejelenteni" (issue 12) with
    the message in the metadata: the reset keeps it as "what happened", leftovers still go."""
    told = "A szomszéd gyerekei egész éjjel egyedül vannak. Ezt névtelenül szeretném bejelenteni."
    tracker = make_tracker("report_form", text="/report_start", intent="report_start",
                           metadata={"report_what": told}, slots={"report_child_age": "old answer"})
    result = await reset(executor, dispatcher, domain, tracker)
    assert slot_events(result, "report_what")[-1] == told
    assert slot_events(result, "report_child_age") == [None]


async def test_a_report_opened_without_a_message_asks_what_happened(executor, dispatcher, domain) -> None:
    tracker = make_tracker("report_form", text="/report_start", intent="report_start",
                           slots={"report_what": "old answer"})
    result = await reset(executor, dispatcher, domain, tracker)
    assert slot_events(result, "report_what") == [None]
