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
    assert 'gyermekvedo_queue_length{level="immediate",skill="child"} 1.0' in body
    assert 'gyermekvedo_handoffs_total{level="immediate",reason="danger"}' in body
    assert 'gyermekvedo_screening_hits_total{category="suicide_self_harm",level="immediate"}' in body
    assert "gyermekvedo_reply_latency_seconds_bucket" in body
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
        line = next(ln for ln in body.splitlines() if ln.startswith("gyermekvedo_queue_wait_seconds_count"))
        return float(line.split()[-1])

    assert count(after) == count(before) + 1


def test_our_names_carry_the_prefix_beside_the_process_metrics() -> None:
    """One prefix for ours (no clash on a shared Prometheus); the standard process and runtime
    metrics (memory, CPU, file descriptors) under their usual names for existing dashboards."""
    from prometheus_client import generate_latest

    from bot import metrics

    names = {line.split()[2] for line in generate_latest(metrics.REGISTRY).decode().splitlines()
             if line.startswith("# TYPE ")}
    ours = {n for n in names if not n.startswith(("process_", "python_"))}
    assert len(ours) >= 20 and all(n.startswith(metrics.PREFIX) for n in ours), sorted(ours)
    assert {"process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
            "python_gc_collections_total"} <= names
