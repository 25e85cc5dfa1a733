"""Quick exit from a chat flagged for suicide risk or immediate danger (issue 12, the user test).

A crisis-line supervisor's call: someone in danger who closes the page in a hurry may have
fled because the person hurting them came in; that chat must not silently vanish from the
operators. It stays in the queue at its priority, marked "left" with its flag, so an operator
reads it and closes it with an outcome; a chat without such a flag is still withdrawn."""
from __future__ import annotations

from bot import keys
from bot.appkeys import GATEWAY, HANDOFF
from bot.store import State
from tests.test_web_chat import gateway, leave, post, staff_lines

SUICIDE = "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek"


async def test_quick_exit_keeps_a_suicide_risk_chat_in_the_queue_marked_left(gateway_factory, http, redis) -> None:
    gw = await gateway(gateway_factory)
    session = "webchat-flagged-0001"
    reply = await post(http, gw.url, {"session": session, "text": SUICIDE})
    assert reply["state"] == "queued"
    pid = gw.app[GATEWAY].pid("web", session)

    status, body = await leave(http, gw.url, session)
    assert status == 200 and body == {"state": "queued"}
    waiting = await gw.app[HANDOFF].queue.waiting()
    row = next(w for w in waiting if w.pid == pid)  # still visible to the operators
    assert row.reason == "left"
    assert row.level in ("high", "immediate") and "suicide_self_harm" in row.categories  # its flag
    assert len(await staff_lines(gw, session, "left")) == 1
    assert (await gw.app[GATEWAY].store.load(pid)).state == State.QUEUED

    # A second exit (a double click) adds nothing.
    status, body = await leave(http, gw.url, session)
    assert body == {"state": "queued"} and len(await staff_lines(gw, session, "left")) == 1
    assert await redis.hget(keys.handoff_ticket(pid), "left") == b"1"


async def test_quick_exit_still_withdraws_a_chat_without_such_a_flag(gateway_factory, http) -> None:
    gw = await gateway(gateway_factory)
    session = "webchat-flagged-0002"
    assert (await post(http, gw.url, {"session": session, "payload": "/talk_to_human"}))["state"] == "queued"
    status, body = await leave(http, gw.url, session)
    assert body == {"state": "closed"}
    pid = gw.app[GATEWAY].pid("web", session)
    assert all(w.pid != pid for w in await gw.app[HANDOFF].queue.waiting())


async def test_the_place_told_is_in_the_chats_own_skill_queue(gateway_factory, http) -> None:
    """Issue 12 (user test): the web page's queue position is the place in the operator queue
    the chat is in (its skill), not in everyone waiting."""
    gw = await gateway(gateway_factory)
    await post(http, gw.url, {"session": "webchat-skill-adult-1", "text": "Jó napot, kérem"})
    adult = await post(http, gw.url, {"session": "webchat-skill-adult-1", "payload": "/talk_to_human"})
    await post(http, gw.url, {"session": "webchat-skill-child-1", "text": "12 éves vagyok"})
    child = await post(http, gw.url, {"session": "webchat-skill-child-1", "payload": "/talk_to_human"})
    rows = {w.pid: w for w in await gw.app[HANDOFF].queue.waiting()}
    pid_adult = gw.app[GATEWAY].pid("web", "webchat-skill-adult-1")
    pid_child = gw.app[GATEWAY].pid("web", "webchat-skill-child-1")
    assert rows[pid_adult].skill != rows[pid_child].skill
    assert rows[pid_adult].position == rows[pid_child].position == 1
    assert "a helye most: 1" in str(adult["replies"]) and "a helyed most: 1" in str(child["replies"])
