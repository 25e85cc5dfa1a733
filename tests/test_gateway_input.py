"""Property-based tests of the gateway's input handling: whatever arrives — huge text,
odd Unicode, control and bidi characters, empty text, any button payload, any
message kind — the conversation gets a kind answer and never crashes."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.appkeys import GATEWAY
from bot.gateway import Gateway
from bot.inbound import Inbound
from tests.conftest import free_port

KINDS = ["text", "sticker", "photo", "voice", "document", "location", "contact", "video", "unknown"]
ODD = st.sampled_from(["\u202e", "\u202d", "\u200b", "\u200d", "\ufeff", "\x00", "\x1b[31m", "\r\n",
                       "🙂", "👨‍👩‍👧", "ő", "ű"])
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.text(max_size=20), ODD), max_size=30).map("".join),
    st.text(min_size=4097, max_size=6000),
    st.just(""),
    st.just("   \n\t  "),
)
PAYLOAD = st.one_of(st.none(), st.text(max_size=80), st.sampled_from(
    ["/talk_to_human", "/restart", "/session_start", "/greet", "/nope", "//", "/greet{\"x\":1}", "/" + "a" * 70]))

SAFE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


_GATEWAYS: dict[int, Gateway] = {}
_COUNTER = iter(range(10**9))


@SAFE
@given(text=TEXT, payload=PAYLOAD, kind=st.sampled_from(KINDS))
async def test_any_input_gets_an_answer_and_never_crashes(gateway_factory, text: str, payload: str | None,
                                                        kind: str) -> None:
    # One gateway for all examples of this run (hypothesis keeps the fixture instance).
    if id(gateway_factory) not in _GATEWAYS:
        dead = f"http://127.0.0.1:{free_port()}"
        gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead, RATE_LIMIT_MESSAGES=100000)
        _GATEWAYS[id(gateway_factory)] = gw.app[GATEWAY]
    gateway = _GATEWAYS[id(gateway_factory)]
    chat = f"prop-{next(_COUNTER)}"
    outcome = await gateway.handle(Inbound(channel="web", chat_id=chat, text=text, payload=payload, kind=kind,
                                           route={"channel": "web"}))
    # Every message gets something back unless a human already has the chat.
    if outcome.state.value == "bot":
        assert outcome.replies
        assert all(isinstance(r.text, str) for r in outcome.replies)
    else:
        assert outcome.state.value in ("queued", "live")
    assert outcome.pid.startswith("we-") and chat not in outcome.pid


async def test_zero_width_inside_a_danger_word_is_still_seen(gateway_factory) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    outcome = await gw.app[GATEWAY].handle(Inbound(
        channel="web", chat_id="zw-1", text="ma éjjel öngy\u200bilkos leszek, megvannak a gyógy\u200dszerek",
        route={"channel": "web"}))
    assert outcome.screening.level.value == "immediate"
    assert "112" in outcome.replies[0].text


async def test_flood_is_slowed_but_immediate_still_reaches_the_queue(gateway_factory) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead, RATE_LIMIT_MESSAGES=3, RATE_LIMIT_WINDOW=60)
    gateway = gw.app[GATEWAY]
    outs = [await gateway.handle(Inbound(channel="web", chat_id="flood-1", text=f"hello {i}")) for i in range(6)]
    slowed = [o for o in outs[3:] if o.replies]
    assert len(slowed) == 1 and "112" in slowed[0].replies[0].text  # "slow down" said once
    danger = await gateway.handle(Inbound(channel="web", chat_id="flood-1",
                                          text="apám kést fogott rám, most meg akar ölni"))
    assert danger.screening.level.value == "immediate"
    assert danger.state.value == "queued"
    assert "112" in danger.replies[0].text
