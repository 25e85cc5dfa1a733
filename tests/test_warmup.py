"""Rasa warm-up: once when it appears, again only after it was gone for several checks."""
from __future__ import annotations

import asyncio

from bot.warmup import RasaWarmer


class ScriptedRasa:
    """Answers /status from a script of True/False; counts warm-up messages."""

    def __init__(self, script: list[bool], why: str) -> None:
        self.script, self.sent, self.why = list(script), 0, why
        self.done = asyncio.Event()

    async def healthy(self) -> tuple[bool, str]:
        if not self.script:
            self.done.set()
            await asyncio.sleep(3600)
        ok = self.script.pop(0)
        return ok, "ok" if ok else self.why

    async def send(self, sender: str, text: str, metadata: dict) -> list:
        self.sent += 1
        return []


async def warmups(script: list[bool], why: str = "ClientConnectorError") -> int:
    rasa = ScriptedRasa(script, why)
    warmer = RasaWarmer(rasa, conversations=2, turns=1, concurrency=2)  # type: ignore[arg-type]
    task = asyncio.create_task(warmer.run(interval=0))
    await asyncio.wait_for(rasa.done.wait(), 5)
    task.cancel()
    return rasa.sent // 2  # two conversations of one turn per warm-up


async def test_one_slow_status_under_load_does_not_trigger_another_burst() -> None:
    assert await warmups([True, True, False, True, False, False, True, True]) == 1


async def test_rasa_gone_for_three_checks_is_warmed_again_when_back() -> None:
    assert await warmups([False, True, True, False, False, False, True, True]) == 2


async def test_status_timeouts_are_a_busy_rasa_not_a_restart() -> None:
    """Under overload /status times out again and again: a warm-up burst then (144 messages)
    would only add to the load (bench/load_bench.py showed it); a restart refuses connections."""
    assert await warmups([True, True, False, False, False, False, True, True], why="TimeoutError") == 1
    assert await warmups([True, True, False, False, False, False, True, True]) == 2
