"""/metrics exposes the figures operations need, and no identifiers or text."""
from __future__ import annotations

from tests.conftest import free_port


async def test_metrics_show_queue_handoffs_and_screening(gateway_factory, http) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    session = "metrics-session-0001"
    text = "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek"
    async with http.post(f"{gw.url}/api/chat", json={"session": session, "text": text}) as resp:
        assert (await resp.json())["state"] == "queued"
    async with http.get(f"{gw.url}/metrics") as resp:
        assert resp.status == 200
        body = await resp.text()
    assert 'queue_length{level="immediate",skill="child"} 1.0' in body
    assert 'handoffs_total{level="immediate",reason="danger"}' in body
    assert 'screening_hits_total{category="suicide_self_harm",level="immediate"}' in body
    assert "reply_latency_seconds_bucket" in body
    assert session not in body and "gyógyszer" not in body


async def test_queue_wait_is_observed_when_an_operator_claims(gateway_factory, http) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    async with http.post(f"{gw.url}/api/chat", json={"session": "metrics-session-0002", "text": "/operator"}) as resp:
        assert (await resp.json())["state"] == "queued"
    auth = {"Authorization": "Bearer test-operator-token-0123456789"}
    async with http.get(f"{gw.url}/api/operator/queue", headers=auth) as resp:
        pid = (await resp.json())["waiting"][0]["id"]
    async with http.get(f"{gw.url}/metrics") as resp:
        before = await resp.text()
    async with http.post(f"{gw.url}/api/operator/chats/{pid}/claim", headers=auth) as resp:
        assert resp.status == 200
    async with http.get(f"{gw.url}/metrics") as resp:
        after = await resp.text()

    def count(body: str) -> float:
        line = next(ln for ln in body.splitlines() if ln.startswith("queue_wait_seconds_count"))
        return float(line.split()[-1])

    assert count(after) == count(before) + 1
