"""The conversation suite's floor: a small subset of the open set (tests/conversations/),
one of each kind of promise issue 12 makes, played through the web chat API against the
real stack (the session's Rasa and action server, this test's gateway and Redis). Each must
stay fully right. The whole open set and the sealed one are measured, not asserted, by
bench/conversations.py.
"""
from __future__ import annotations

import pytest

from bot.ids import pseudonymise
from tests.conftest import KEYS, RasaStack
from tests.conversations import runner

FLOOR = [
    "adult_mother_shelter_while_queued",        # queued is not silence; "Ön" in Rasa's answers
    "adult_where_report_neglect_no_fallback",   # answer first, no "write it differently"
    "adult_missing_teen_daughter",              # a missing child: no need to wait 24 hours
    "flow_queued_adult_asks_report_and_anonymity",  # the report form and anonymity while queued
    "pro_doctor_register_consult",              # a professional is addressed with "Ön" throughout
    "flow_adult_cannot_phone",                  # the 112 reply listens; "Ön" in the gateway's texts
    "flow_child_cannot_phone",                  # "can't phone" is not followed by "call 112"
    "flow_teacher_report_code",                 # a report reaches its case code, in "Ön"
    "flow_return_question_naming_abuse",        # after return a question naming abuse is answered
    "flow_report_danger_now_typed_send_as_is",  # in danger now: 112 and queued, the form goes on to a code
    "flow_queued_child_asks_how_long",          # the wait answered while queued; one register
    "flow_report_queued_short_form",            # queued for danger: no who / since when / others, the code sooner
    "flow_report_send_it_at_danger_question",   # "Igen, küldje el" sends, not "in danger: yes"; "X vagyok" in the form
    "flow_followup_code_not_ours_then_report_again",  # a code not ours answered kindly; "újra jelezhetek?"
    "flow_first_message_asks_to_report",         # asked to report at once: the form opens, a code (issue 12)
    "flow_en_asks_to_report_in_chat",            # the same in English
    "flow_gp_duty_to_signal",                    # a professional is told of the duty to signal (Gyvt. 17. §)
    "flow_en_teacher_obliged",                   # the same in English ("I'm a teacher": a professional)
    "flow_child_lonely_offers_person",           # loneliness, leaving home: kind words and a person
    "flow_en_alone_offers_person",               # the same in English
    "flow_queued_grandma_where_to_turn",         # "hová fordulhatok ezzel?" while queued names the services
    "flow_missing_son_what_else",                # later answers about a missing child keep 112 at once
    "flow_en_shelter_secret_cost",               # shelter secrecy, cost and travel in English
    "flow_near_miss_questions",                  # "What does this service do?" answered
    "flow_near_miss_teen_son",                   # "nem boldogulok a kamasz fiammal": the family welfare service
    "o14_adult_report_here_anonymous",           # "itt is megtehetem a bejelentést?" opens the form: a code
    "o17_adult_report_where_then_age_then_summary",  # what, where, how old, the summary with the town
    "o17_adult_report_leave_half_way_and_continue",  # leaving half-way keeps the draft; "Folytatom" goes on
    "o14_adult_send_after_question_only",        # "küldje el" with no form open: the report is made
    "o14_prof_paediatrician_pregnant_12",        # a pregnant 12-year-old: queued, the police, the duty to signal
    "o14_adult_daughter_attacked_victim",        # a crime victim: the Victim Support Line and its number
    "o14_child_sextortion_snap",                 # sextortion: do not pay, keep evidence, police; not your fault
    "o15_adult_letter_report_register",          # a letter-like first message ("Bejelentést szeretnék tenni"): "Ön"
    "o15_child_report_taken_back",               # "na jó mégsem, hagyjuk" in the form: nothing sent, and said so
    "o15_adult_restraining_order_queued",        # queued: a restraining order answered, not the waiting line
    "o15_prof_shelter_travel_no_phone",          # travel to the crisis home: own cost, no transport, no phone: a number
    "live_child_knife_while_operator_there",     # live: 112 first, no "I'm asking a colleague now"
]


@pytest.fixture
def conversations() -> list[dict]:
    by_id = {c["id"]: c for c in runner.open_set()}
    missing = [i for i in FLOOR if i not in by_id]
    assert not missing, f"floor conversations gone from the open set: {missing}"
    return [by_id[i] for i in FLOOR]


async def test_the_floor_conversations_are_fully_right(rasa_stack: RasaStack, gateway_factory, http,
                                                       conversations: list[dict]) -> None:
    gw = await gateway_factory(RASA_URL=rasa_stack.url, RASA_TOKEN=rasa_stack.token,
                               ACTION_SERVER_URL=rasa_stack.action_url, RATE_LIMIT_MESSAGES=1000,
                               NEW_CHATS_PER_ADDRESS=1000, QUEUE_ENTRIES_PER_ADDRESS=1000)
    key = KEYS["PSEUDONYM_KEY"].encode()
    play = runner.Runner(http, gw.url, KEYS["OPERATOR_API_TOKEN"], lambda s: pseudonymise(key, "web", s))
    failed = {}
    for conv in conversations:
        result = await play.run(conv)
        if not result.ok:
            failed[result.id] = [f"step {c.step + 1} {c.kind}: {c.expected}" for c in result.failures()]
    assert not failed, failed
