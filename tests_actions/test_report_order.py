"""The report form as a reporter expects it (issue 12, sealed8): what happened, where, how old,
then the summary and "send it?"; a place or an age already said is kept where it belongs and not
asked again; the details only on "Kiegészítem"; leaving half-way keeps the draft and "Folytatom"
goes on where it stopped."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import make_tracker

from actions.report_facts import age_answer, age_in, place_in

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent
FORM = yaml.safe_load((ROOT / "domain" / "report.yml").read_text(encoding="utf-8"))["forms"]["report_form"][
    "required_slots"]


def adult(text: str, slots: dict | None = None, intent: str = "inform", requested: str | None = None):
    return make_tracker(text=text, intent=intent,
                        slots={"persona": "adult", "language": "hu", "requested_slot": requested, **(slots or {})})


def slots_set(result) -> dict:
    return {e["name"]: e["value"] for e in result if e.get("event") == "slot"}


def form(executor):
    return executor.actions["validate_report_form"].__self__


async def test_the_form_asks_what_then_where_then_how_old_then_send_it(executor, dispatcher, domain) -> None:
    required = await form(executor).required_slots(FORM, dispatcher, adult("x"), domain)
    assert required == ["report_what", "report_settlement", "report_child_age", "report_confirm"]


@pytest.mark.parametrize("text,age", [("7 éves", "7 éves"), ("About two years old.", "About two years old."),
                                      ("14", "14 év"), ("kb. 4 és 6 évesek", "kb. 4 és 6 évesek")])
async def test_an_age_typed_at_the_place_question_is_the_age_and_the_place_is_asked_again(
        executor, dispatcher, text: str, age: str) -> None:
    got = await form(executor).validate_report_settlement(text, dispatcher, adult(text, {"report_what": "x"}), {})
    assert got == {"report_child_age": age, "report_settlement": None}


@pytest.mark.parametrize("place", ["Szeged", "Budapest, 13th district", "Nagykanizsa", "Budapest XIII. kerület"])
async def test_a_place_stays_the_place(executor, dispatcher, place: str) -> None:
    got = await form(executor).validate_report_settlement(place, dispatcher, adult(place, {"report_what": "x"}), {})
    assert got["report_settlement"] == place and "report_child_age" not in got


async def test_a_place_and_an_age_inside_what_happened_are_not_asked_again(executor, dispatcher, domain) -> None:
    story = "A szomszéd 5 éves kisfiút Debrecenben az anyja egész nap bezárja a lakásba."
    got = await form(executor).validate_report_what(story, dispatcher, adult(story), {})
    assert got == {"report_what": story, "report_settlement": "Debrecen", "report_child_age": "5 éves"}
    required = await form(executor).required_slots(FORM, dispatcher, adult("x", got), domain)
    assert [n for n in required if adult("x", got).get_slot(n) is None] == ["report_confirm"]
    # an answer already given is never overwritten by a guess from the account
    got = await form(executor).validate_report_what(story, dispatcher, adult(story, {"report_settlement": "Eger"}), {})
    assert "report_settlement" not in got and got["report_child_age"] == "5 éves"


@pytest.mark.parametrize("text,age,place", [
    ("A XIII. kerületben egy 3 éves kislányt egyedül hagynak.", "3 éves", "Budapest, XIII. kerület"),
    ("Our neighbours' 4-year-old in Budapest, 8th district is left alone.", "4 years old", "Budapest, 8th district"),
    ("12 éves vagyok, a barátnőm otthon éhezik, Pécsen lakunk.", None, "Pécs"),   # the writer's own age
    ("A 6 éves és a 9 éves testvért is veri.", None, None),                       # two ages: asked
    ("Otthon nincs kaja, és a Facebookon is csúfolják.", None, None),             # no town in it
    ("Debrecenben a szomszéd fiút verik.", None, None),                            # first word: asked, not guessed
    ("Az osztálytársam a Petőfiben tanul, és a Tescóban kéreget.", None, None),    # a school, a shop: "a X-ben"
])
def test_the_facts_read_from_an_account(text: str, age: str | None, place: str | None) -> None:
    assert age_in(text) == age and place_in(text) == place


@pytest.mark.parametrize("text,is_age", [("tinédzser", True), ("around ten", True), ("8 év körüli", True),
                                         ("Eger", False), ("Tiszaújváros", False), ("a 7. kerület", False)])
def test_an_answer_that_is_only_an_age(text: str, is_age: bool) -> None:
    assert age_answer(text) is is_age


# -- the details only on request --------------------------------------------------------------
GIVEN = {"report_what": "A kislányt egyedül hagyják.", "report_settlement": "Szeged", "report_child_age": "6 éves"}


async def test_the_summary_offers_the_details_and_echoes_the_place(executor, dispatcher, domain) -> None:
    await executor.actions["action_ask_report_confirm"](dispatcher, adult("6 éves", GIVEN), domain)
    [message] = dispatcher.messages
    assert "Település: Szeged" in message["text"] and "Elküldjem" in message["text"]
    assert "Kiegészítem" in message["text"] and "(kihagyva)" not in message["text"]  # unasked details left out
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "Kiegészítem", "/deny"]


@pytest.mark.parametrize("intent", ["affirm", "inform"])
async def test_kiegeszitem_at_send_it_asks_the_details_never_sends(executor, dispatcher, domain, intent) -> None:
    """The button sends its words; NLU may read them as a yes (the slot then holds "yes")."""
    value = "yes" if intent == "affirm" else "Kiegészítem"
    t = adult("Kiegészítem", GIVEN, intent, "report_confirm")
    got = await form(executor).validate_report_confirm(value, dispatcher, t, domain)
    assert got == {"report_confirm": None, "report_more": "yes"}
    required = await form(executor).required_slots(FORM, dispatcher, adult("x", {**GIVEN, **got}), domain)
    assert required.index("report_danger_now") < required.index("report_confirm")
    assert {"report_relation", "report_since", "report_others_know"} <= set(required)


# -- leaving half-way ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["Elnézést, most nem tudom folytatni, indulnom kell a munkába. Később visszajövök.",
                                  "Bocsi, most mennem kell, anya hív vacsizni. Majd befejezem.",
                                  "Sorry, I have to go, I'll finish it later.",
                                  "Köszönöm, akkor inkább este írok részletesen."])
async def test_leaving_half_way_keeps_the_draft(executor, dispatcher, domain, text: str) -> None:
    slots = {"report_what": GIVEN["report_what"]}
    got = await form(executor).validate_report_settlement(text, dispatcher, adult(text, slots), {})
    assert got == {"report_settlement": None, "report_paused": True}
    paused = adult(text, {**slots, **got})
    assert await form(executor).required_slots(FORM, dispatcher, paused, domain) == []  # the form ends
    events = await executor.actions["action_report_submit"](dispatcher, paused, domain)
    assert slots_set(events) == {"report_outcome": "paused"}  # nothing reset, nothing sent
    said = dispatcher.messages[-1]
    assert "megőrzöm" in said["text"] and "Folytatom" in said["text"]
    assert not [m for m in dispatcher.messages if m.get("custom")]
    assert "/report_start" in [b["payload"] for b in said["buttons"]]


async def test_folytatom_goes_on_where_it_stopped(executor, dispatcher, domain) -> None:
    draft = {"report_what": GIVEN["report_what"], "report_paused": True}
    events = await executor.actions["action_report_reset"](dispatcher, adult("/report_start", draft), domain)
    assert slots_set(events) == {"report_paused": False, "report_outcome": None}  # the answers stay
    assert [e["name"] for e in events if e["event"] == "followup"] == ["report_form"]  # no second introduction
    assert "ahol abbahagytuk" in dispatcher.messages[-1]["text"]
    resumed = adult("x", {**draft, "report_paused": False})
    required = await form(executor).required_slots(FORM, dispatcher, resumed, domain)
    assert [n for n in required if resumed.get_slot(n) is None][0] == "report_settlement"


@pytest.mark.parametrize("text", ["Anyu mindig azt mondja, hogy mennem kell a boltba, és közben a kicsi egyedül van.",
                                  "Debrecen"])
async def test_an_account_or_an_answer_is_no_leaving(executor, dispatcher, text: str) -> None:
    got = await form(executor).validate_report_settlement(text, dispatcher, adult(text, {"report_what": "x"}), {})
    assert "report_paused" not in got


async def test_an_age_at_the_place_question_after_the_account_named_one_is_still_the_age(executor,
                                                                                       dispatcher) -> None:
    slots = {"report_what": "Egy 9 éves tanulóm fél hazamenni.", "report_child_age": "9 éves"}
    got = await form(executor).validate_report_settlement("9 éves", dispatcher, adult("9 éves", slots), {})
    assert got == {"report_child_age": "9 éves", "report_settlement": None}


async def test_a_draft_taken_up_with_a_new_account_keeps_both(executor, dispatcher, domain) -> None:
    draft = {"report_what": GIVEN["report_what"], "report_paused": True}
    tracker = make_tracker(text="folytatnám, azóta is egyedül van", intent="report_start",
                           slots={"persona": "adult", "language": "hu", **draft},
                           metadata={"report_what": "Azóta is egyedül van esténként."})
    events = await executor.actions["action_report_reset"](dispatcher, tracker, domain)
    assert slots_set(events)["report_what"] == f"{GIVEN['report_what']}\nAzóta is egyedül van esténként."


@pytest.mark.parametrize("text,age", [("Olyan 10 éves lehet.", "Olyan 10 éves lehet."),
                                      ("szerintem 7 éves", "szerintem 7 éves"),
                                      ("I think about 6", "I think about 6")])
async def test_a_hedged_age_at_the_place_question_is_the_age_not_a_town(
        executor, dispatcher, text: str, age: str) -> None:
    """sealed9: "Olyan 10 éves lehet." was kept as the town, and the town typed next as the age."""
    got = await form(executor).validate_report_settlement(text, dispatcher, adult(text, {"report_what": "x"}), {})
    assert got == {"report_child_age": age, "report_settlement": None}


FILLED = {"report_what": "A szomszéd most is veri a kisfiát.", "report_settlement": "Miskolc",
          "report_child_age": "10 év"}


@pytest.mark.parametrize("text", ["Nem, a címet nem adnám meg.", "nem akarom megadni a nevem"])
async def test_a_no_to_giving_an_address_at_send_it_is_not_a_discard(executor, dispatcher, text: str) -> None:
    """sealed9: the neighbour hearing a beating refused the address at "send it?" and the report
    was thrown away. Now they are told no address is needed, and asked again."""
    got = await form(executor).validate_report_confirm(
        text, dispatcher, adult(text, FILLED, intent="deny", requested="report_confirm"), {})
    assert got == {"report_confirm": None}
    assert "Nem kell megadnia" in dispatcher.messages[-1]["text"]


@pytest.mark.parametrize("text", ["Nem, ne küldje el, töröljük a címet is", "nem, mégse", "Vesse el"])
async def test_a_clear_discard_at_send_it_discards(executor, dispatcher, text: str) -> None:
    got = await form(executor).validate_report_confirm(
        text, dispatcher, adult(text, FILLED, intent="deny", requested="report_confirm"), {})
    assert got == {"report_confirm": "no"}


async def test_a_bare_no_at_send_it_is_asked_once_more(executor, dispatcher, domain) -> None:
    """sealed9: "No, not right now." (meant for "is the child in danger now?") dropped a report
    on neglect. A no that names no discard asks "discard or send?" first, and only a word
    decides ("Yes, that's correct." answered the check and would have dropped it)."""
    confirm = form(executor).validate_report_confirm
    got = await confirm("No, not right now.", dispatcher,
                        adult("No, not right now.", FILLED, intent="deny", requested="report_confirm"), {})
    assert got == {"report_confirm": None, "report_discard_check": True}
    checking = {**FILLED, **got}
    await executor.actions["action_ask_report_confirm"](dispatcher, adult("x", checking), domain)
    asked = dispatcher.messages[-1]
    assert "Elvessem a bejelentést, vagy elküldjem" in asked["text"] and [b["title"] for b in asked["buttons"]] == [
        "Elvetem", "Igen, küldje el"]
    # the answers to the check: the buttons' words, a yes, a no, and words about something else
    for text, want in [("Elvetem", {"report_confirm": "no", "report_discard_check": False}),
                       ("Igen, küldje el", {"report_confirm": "yes", "report_discard_check": False}),
                       ("ne küldje el", {"report_confirm": "no", "report_discard_check": False}),
                       ("igen", {"report_confirm": None}), ("nem", {"report_confirm": None}),
                       ("Yes, that's correct.", {"report_confirm": None}),
                       ("Szomszéd vagyok.", {"report_confirm": None})]:
        intent = {"igen": "affirm", "nem": "deny"}.get(text, "inform")
        assert await confirm(text, dispatcher, adult(text, checking, intent=intent, requested="report_confirm"),
                             {}) == want, text


async def test_send_it_asked_again_says_only_the_summary(executor, dispatcher, domain) -> None:
    """The short form's "I'll skip the other questions" is said once, not on every re-ask."""
    short = {**FILLED, "report_danger_now": "yes"}
    first = await executor.actions["action_ask_report_confirm"](dispatcher, adult("x", short), domain)
    assert {"event": "slot", "name": "report_confirm_asked", "value": True} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in first]
    said_first = len(dispatcher.messages)
    await executor.actions["action_ask_report_confirm"](
        dispatcher, adult("x", {**short, "report_confirm_asked": True}), domain)
    again = dispatcher.messages[said_first:]
    assert len(again) == 1 and "Elküldjem" in again[0]["text"]


async def test_leaving_before_anything_was_given_keeps_no_empty_draft(executor, dispatcher, domain) -> None:
    """sealed9: "Köszönöm, akkor inkább este írok részletesen." at "what happened?" was kept as
    the account, and the town was asked next."""
    text = "Köszönöm, akkor inkább este írok részletesen."
    got = await form(executor).validate_report_what(text, dispatcher, adult(text), {})
    assert got == {"report_what": None, "report_paused": True}
    await executor.actions["action_report_submit"](dispatcher, adult(text, got), domain)
    assert "írjon nyugodtan később" in dispatcher.messages[-1]["text"]


@pytest.mark.parametrize("slot", ["report_settlement", "report_child_age"])
async def test_a_question_at_where_or_how_old_is_no_answer(executor, dispatcher, slot: str) -> None:
    """sealed9: "A rendőrséget hívjam vagy a 112-t?" at "which town?" was kept as the town."""
    text = "A rendőrséget hívjam vagy a 112-t?"
    validate = getattr(form(executor), f"validate_{slot}")
    got = await validate(text, dispatcher, adult(text, {"report_what": "x"}, requested=slot), {})
    assert got == {slot: None}
    assert "hívja most a 112-t" in dispatcher.messages[-1]["text"]
    other = "Ez mennyi ideig tart?"
    got = await validate(other, dispatcher, adult(other, {"report_what": "x"}, requested=slot), {})
    assert got == {slot: None} and "kérdésnek vettem" in dispatcher.messages[-1]["text"]
    # an age said unsure, with a question mark, is still the age
    unsure = "kb. 7?"
    got = await form(executor).validate_report_child_age(
        unsure, dispatcher, adult(unsure, {"report_what": "x", "report_settlement": "Pécs"}), {})
    assert got["report_child_age"] == unsure
