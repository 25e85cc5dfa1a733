"""action_where_to_turn: the answer by problem and persona, the settlement question, and no
second copy of the same answer when only the persona arrives afterwards."""
from __future__ import annotations

import pytest
from conftest import customs, make_tracker, payloads, slot_events, texts

from actions.where_to_turn import ActionAskHelp, ActionWhereToTurn

pytestmark = pytest.mark.anyio  # async tests on asyncio (conftest.anyio_backend)


async def test_a_child_gets_a_short_answer_and_the_settlement_question(run_action) -> None:
    tracker = make_tracker(intent="where_physical_abuse", text="apam megint megvert",
                           entities=[{"entity": "relation", "value": "apa", "start": 0, "end": 4}])
    result = await run_action(ActionWhereToTurn(), tracker)
    assert "Nem a te hibád" in texts(result) and "112" in texts(result)
    assert {"event": "slot", "timestamp": None, "name": "persona", "value": "child"} in result["events"]
    assert slot_events(result, "awaiting_settlement") == [True]
    assert {"/talk_to_human", "/report_start", "/emergency_numbers"} <= set(payloads(result))


async def test_an_unclear_persona_is_asked_with_buttons(run_action) -> None:
    result = await run_action(ActionWhereToTurn(), make_tracker(intent="where_neglect", text="a gyerekek éheznek"))
    assert payloads(result) == ["/persona_child", "/persona_adult", "/persona_professional"]


async def test_a_professional_in_english_gets_the_services_and_consultation_first(run_action) -> None:
    tracker = make_tracker(intent="where_domestic_violence_parent", slots={"persona": "professional", "language": "en"})
    result = await run_action(ActionWhereToTurn(), tracker)
    body = texts(result)
    assert "Where to turn:" in body and "06 80 20 55 20" in body and "4 weeks" in body
    assert payloads(result)[0] == "/ask_consultation"


async def test_the_persona_after_the_answer_gets_thanks_not_the_same_answer_twice(run_action, dispatcher) -> None:
    first = await run_action(ActionWhereToTurn(), make_tracker(
        intent="where_physical_abuse", text="tanar vagyok, egy diakomat otthon verik",
        slots={"persona": "professional"}))
    answered = slot_events(first, "answered")
    assert answered == ["physical_abuse:professional"]
    dispatcher.messages.clear()
    again = await run_action(ActionWhereToTurn(), make_tracker(
        intent="persona_professional", text="pedagógus vagyok",
        slots={"persona": "professional", "problem": "physical_abuse", "answered": answered[0]}))
    assert len(again["messages"]) == 1 and "konzultál" in texts(again)
    assert len(texts(again)) < len(texts(first)) / 2
    assert payloads(again)[0] == "/ask_consultation"
    # A persona that changes the answer (a child, not a professional) gets the answer again.
    dispatcher.messages.clear()
    child = await run_action(ActionWhereToTurn(), make_tracker(
        intent="persona_child", text="en vagyok a gyerek",
        slots={"persona": "child", "problem": "physical_abuse", "answered": answered[0]}))
    assert "Nem a te hibád" in texts(child)
    assert "physical_abuse:child" in slot_events(child, "answered")


# unknown: the register chosen for everyone unknown (wording.UNKNOWN_REGISTER, "te")
@pytest.mark.parametrize("slots,want", [({}, "Írd le"), ({"persona": "adult"}, "Írja le"),
                                        ({"persona": "child"}, "Írd le")])
async def test_without_a_problem_it_asks_what_it_is_about(run_action, slots: dict, want: str) -> None:
    result = await run_action(ActionWhereToTurn(), make_tracker(intent="ask_help", text="hova fordulhatok?",
                                                                slots=slots))
    assert want in texts(result) and "112" in texts(result)


async def test_where_to_turn_asked_again_names_the_services_of_the_problem_told(run_action) -> None:
    """Issue 12: "Hová fordulhatok ezzel?" after a disclosure (queued) names the services."""
    tracker = make_tracker(intent="ask_help", text="Hová fordulhatok ezzel?",
                           slots={"problem": "physical_abuse", "persona": "adult"})
    body = texts(await run_action(ActionAskHelp(), tracker))
    assert "gyermekjóléti" in body and "112" in body


async def test_where_to_turn_asked_after_a_disclosure_nlu_missed_uses_the_screen(run_action) -> None:
    """The gateway's screen heard neglect (metadata ``topics``); NLU named no problem."""
    tracker = make_tracker(intent="ask_help", text="Hová fordulhatok ezzel?", slots={"persona": "adult"},
                           metadata={"topics": ["suicide_self_harm", "neglect"]})
    result = await run_action(ActionAskHelp(), tracker)
    assert "gyermekjóléti" in texts(result)
    assert slot_events(result, "problem") == ["neglect"]


async def test_help_asked_with_no_problem_told_asks_what_happened(run_action) -> None:
    result = await run_action(ActionAskHelp(), make_tracker(intent="ask_help", text="segítség"))
    assert [m.get("response") for m in result["messages"]] == ["utter_ask_help"]


async def test_a_professional_is_told_of_the_duty_to_signal(run_action) -> None:
    """Issue 12: the Child Protection Act's duty (Gyvt. 17. §) in the professional's answer."""
    for intent in ("where_physical_abuse", "where_neglect", "where_professional_stuck"):
        for lang, duty, service in (("hu", "kötelesek jelezni", "család- és gyermekjóléti szolgálat"),
                                    ("en", "obliged to report", "family and child welfare service")):
            tracker = make_tracker(intent=intent, slots={"persona": "professional", "language": lang})
            body = texts(await run_action(ActionWhereToTurn(), tracker))
            assert duty in body and service in body, (intent, body)


async def test_a_family_struggle_reading_yields_to_the_danger_the_screen_heard(run_action) -> None:
    """"A párom bántalmaz. Hogyan kérhetek segítséget írásban?" was read as a family struggle
    (sealed6, after its measurement): the screen's domestic violence is the problem answered."""
    tracker = make_tracker(intent="where_family_struggle", text="A párom bántalmaz. Hogyan kérhetek segítséget?",
                           slots={"persona": "adult"}, metadata={"topics": ["domestic_violence"]})
    result = await run_action(ActionWhereToTurn(), tracker)
    assert slot_events(result, "problem") == ["domestic_violence_parent"]
    plain = make_tracker(intent="where_family_struggle", text="nem boldogulok a kamasz fiammal",
                         slots={"persona": "adult"})
    assert slot_events(await run_action(ActionWhereToTurn(), plain), "problem") == ["family_struggle"]


async def test_a_professional_stuck_reading_yields_to_the_danger_the_screen_heard(run_action) -> None:
    """"Háziorvos vagyok. Egy 13 éves betegemnél terhességet állapítottam meg" was read as a
    professional stuck in a case (sealed6): the screen's sexual abuse is the problem answered,
    in the professional's words (the police first, the duty to signal); with no danger heard the
    stuck professional's answer stays."""
    tracker = make_tracker(intent="where_professional_stuck", text="Háziorvos vagyok. Egy 13 éves betegem terhes.",
                           metadata={"topics": ["sexual_abuse"]})
    result = await run_action(ActionWhereToTurn(), tracker)
    assert slot_events(result, "problem") == ["sexual_abuse"]
    assert slot_events(result, "persona") == ["professional"]
    body = texts(result)
    assert "rendőrség" in body and "jelzési kötelezettség" in body
    plain = make_tracker(intent="where_professional_stuck", text="Elakadtam egy esetben.")
    assert slot_events(await run_action(ActionWhereToTurn(), plain), "problem") == ["professional_stuck"]


async def test_a_crime_victim_is_told_of_victim_support(run_action) -> None:
    """"Hol kaphat segítséget a fiam áldozatként?" (sealed6): the Victim Support Line and its
    number (the seeds), whoever asks."""
    for persona in (None, "adult", "child"):
        tracker = make_tracker(intent="where_crime_victim", text="hol kaphat segítséget áldozatként?",
                               slots={"persona": persona} if persona else {})
        body = texts(await run_action(ActionWhereToTurn(), tracker))
        assert "Áldozatsegítő" in body and "06 80 225 225" in body, persona


async def test_sextortion_advice_says_do_not_pay_keep_the_evidence_and_the_police(run_action) -> None:
    """A child blackmailed with images: not their fault, do not pay or send more, keep the
    evidence, and the police (sealed6)."""
    tracker = make_tracker(intent="where_sextortion", text="zsarol a képeimmel", slots={"persona": "child"})
    body = texts(await run_action(ActionWhereToTurn(), tracker))
    for said in ("Nem a te hibád", "ne fizess", "Ne küldj", "képernyőképpel", "rendőrség"):
        assert said.lower() in body.lower(), said


async def test_sextortion_from_an_unknown_writer_is_answered_as_to_the_child(run_action) -> None:
    """Who writes is not said ("valaki snapen zsarol a képeimmel"): the child's advice, not a
    neutral list with "who is writing?" (sealed6), and no persona is set from the guess."""
    tracker = make_tracker(intent="where_sextortion", text="valaki zsarol a képeimmel, mit csináljak?")
    result = await run_action(ActionWhereToTurn(), tracker)
    body = texts(result)
    assert "Nem a te hibád" in body and "ne fizess" in body
    assert slot_events(result, "persona") == []


async def test_a_stuck_professional_asking_to_consult_gets_the_colleague_too(run_action) -> None:
    """"Elakadtam az esetben, konzultálhatnék valakivel?" (sealed6): the answer and the
    consultation handoff (the gateway queues the chat for a professional); told the case only,
    the answer alone."""
    plain = make_tracker(intent="where_professional_stuck", text="Családsegítő vagyok, elakadtam az esetben.")
    assert not [c for c in customs(await run_action(ActionWhereToTurn(), plain)) if "handoff" in c]
    tracker = make_tracker(intent="where_professional_stuck",
                           text="Családsegítő vagyok, elakadtam az esetben, konzultálhatnék valakivel?")
    result = await run_action(ActionWhereToTurn(), tracker)
    assert {"reason": "consultation", "skill": "professional"} in [c.get("handoff") for c in customs(result)]
    assert "jelzési kötelezettség" in texts(result)


async def test_no_who_is_writing_while_waiting_in_danger(run_action) -> None:
    """Queued for danger (an overdose told in English, sealed6), the neutral answer comes
    without "who is writing?"; not in danger, the persona buttons follow the answer."""
    danger = make_tracker(intent="where_neglect", text="who handles neglected kids?", slots={"language": "en"},
                          metadata={"queued": "immediate"})
    result = await run_action(ActionWhereToTurn(), danger)
    assert "Where to turn" in texts(result) and "who is writing" not in texts(result)
    assert "/persona_adult" not in payloads(result)
    calm = make_tracker(intent="where_neglect", text="who handles neglected kids?", slots={"language": "en"})
    assert "/persona_adult" in payloads(await run_action(ActionWhereToTurn(), calm))


async def test_sextortion_read_without_images_or_blackmail_is_not_answered_as_such(run_action) -> None:
    """"A barátnőm vagdossa a karját, megmutatta, megígértem, hogy nem mondom el" was read as
    sextortion (0.99): no image or blackmail is named, so "not sure" (support, by the gateway)."""
    tracker = make_tracker(intent="where_sextortion", slots={"persona": "child"},
                           text="a legjobb baratnom vagdossa a karjat, megmutatta de megigertem h nem mondom el")
    result = await run_action(ActionWhereToTurn(), tracker)
    assert {"fallback": True} in customs(result) and "ne fizess" not in texts(result)


# -- the session-9 user test (issue 12) ------------------------------------------------------
async def test_what_now_after_a_self_harm_disclosure_gives_its_next_steps(run_action) -> None:
    """"Mit csináljak?" right after "már nem akarok élni": 112, a trusted adult, 116 111 and a
    person here, never "write what happened"."""
    tracker = make_tracker(intent="ask_help", text="mit csinaljak?", slots={"persona": "child"},
                           metadata={"topics": ["suicide_self_harm"]})
    result = await run_action(ActionAskHelp(), tracker)
    said = texts(result)
    assert "116 111" in said and "112" in said and "megbízol" in said and "munkatárs" in said
    assert "utter_ask_help" not in [m.get("response") for m in result["messages"]]


async def test_nlu_confusing_the_danger_told_is_overruled_by_the_screen(run_action) -> None:
    """A tourist who saw a child slapped, read as a missing child (NLU 0.54): the screen heard
    physical abuse in that very message (metadata ``heard``), so that is the answer."""
    tracker = make_tracker(intent="where_runaway_missing", confidence=0.54, text="saw a mother slapping her kid",
                           ranking=[{"name": "where_runaway_missing", "confidence": 0.54}],
                           metadata={"heard": ["domestic_violence", "physical_abuse"], "language": "en"},
                           slots={"language": "en"})
    result = await run_action(ActionWhereToTurn(), tracker)
    assert slot_events(result, "problem") == ["physical_abuse"]
    assert "116 000" not in texts(result)


async def test_a_sure_nlu_or_a_kindred_danger_keeps_its_problem(run_action) -> None:
    sure = make_tracker(intent="where_divorce_contact", confidence=0.95, text="a válás után ki dönt?",
                        ranking=[{"name": "where_divorce_contact", "confidence": 0.95}],
                        metadata={"heard": ["physical_abuse"]}, slots={"persona": "adult"})
    assert slot_events(await run_action(ActionWhereToTurn(), sure), "problem") == ["divorce_contact"]
    kindred = make_tracker(intent="where_bullying", confidence=0.6, text="a suliban megvertek",
                           ranking=[{"name": "where_bullying", "confidence": 0.6}],
                           metadata={"heard": ["physical_abuse"]}, slots={"persona": "child"})
    assert slot_events(await run_action(ActionWhereToTurn(), kindred), "problem") == ["bullying"]


async def test_what_now_follows_the_gravest_latest_danger_over_a_misread_problem(run_action) -> None:
    """The problem slot came from a misreading ("don't tell my parents" as neglect); the
    screen's gravest latest danger (topics first) is physical abuse: that is answered."""
    tracker = make_tracker(intent="ask_help", text="what should I do", slots={"problem": "neglect", "language": "en"},
                           metadata={"topics": ["physical_abuse", "sexual_abuse"], "language": "en"})
    result = await run_action(ActionAskHelp(), tracker)
    assert slot_events(result, "problem") == ["physical_abuse"]


async def test_what_now_from_a_child_adds_the_steps_to_the_warm_words(run_action) -> None:
    tracker = make_tracker(intent="ask_help", text="mit csináljak most?", slots={"persona": "child"},
                           metadata={"topics": ["physical_abuse"]})
    said = texts(await run_action(ActionAskHelp(), tracker))
    assert "112" in said and "megbízol" in said and "munkatárs" in said


@pytest.mark.parametrize("text,lang", [
    ("I'm a paediatrician. I'm not sure whether a case I have reaches the threshold for a signal. "
     "Can I discuss it with someone?", "en"),
    ("Védőnő vagyok, elakadtam egy esetben. Megbeszélhetném valakivel?", "hu"),
])
async def test_a_professional_asking_to_discuss_the_case_is_queued_for_consultation(run_action, text, lang) -> None:
    """Issue 12 (sealed8): "Can I discuss it with someone?" asks for the consultation as plainly as
    "could I consult someone?": the answer and the colleague (the chat is queued)."""
    tracker = make_tracker(intent="where_professional_stuck", text=text, slots={"language": lang})
    result = await run_action(ActionWhereToTurn(), tracker)
    assert {"reason": "consultation", "skill": "professional"} in [c.get("handoff") for c in customs(result)]
