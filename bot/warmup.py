"""Warm Rasa up before calling it healthy.

Measured here: a freshly loaded Rasa answers 30 messages/s with a p95 of ~3.5 s for
its first ~20 s (TensorFlow traces each new input shape on first use), then ~0.2 s.
So whenever Rasa (re)appears, the gateway sends it a burst of throw-away
conversations of varied lengths and turns, and ``/healthz`` says "warming up" until
that is done. Warm-up conversations use their own sender ids and expire with the
tracker retention; they carry no person's text.
"""
from __future__ import annotations

import asyncio
import logging
import secrets

from bot.background import stop_requested
from bot.rasa_client import RasaClient, RasaPool, RasaUnavailable

log = logging.getLogger(__name__)

# Sentences of varied length in both languages; each warm-up conversation walks a few
# of them, so both the NLU (token counts) and the dialogue policy (history lengths) see
# many shapes.
SENTENCES = [
    "szia", "hello", "köszönöm", "igen", "nem", "mi az a gyámhatóság?", "ingyenes ez a szolgáltatás?",
    "hova fordulhatok ha a szomszéd gyereket bántják?", "anonim maradhatok, ha bejelentést teszek?",
    "a válás óta nem láthatom a gyerekemet, a volt párom nem engedi, mit tehetek ilyenkor?",
    "mikor vagytok elérhetőek", "hol van krízisotthon és meddig lehet ott maradni",
    "védőnőként jelezném, hogy egy családnál elhanyagolást tapasztalok, mi a teendő ilyenkor pontosan?",
    "where can I get help for a child who is being neglected by the parents next door?",
    "is it free", "thank you", "can I stay anonymous",
    "az osztálytársaim csúfolnak az iskolában és nem tudom kinek szóljak",
    "szakemberként elakadtam egy ügyben, konzultálnék valakivel a családok átmeneti otthonáról",
    "a gyerek apja külföldre akarja vinni a gyereket, hova forduljak, mert nem egyeztem bele",
]


class RasaWarmer:
    """Tracks whether Rasa is up and warmed; warms it whenever it comes (back) up."""

    def __init__(self, rasa: RasaClient | RasaPool, conversations: int = 24, turns: int = 6, concurrency: int = 8,
                 gone_after: int = 3) -> None:
        self.gone_after = gone_after
        self.rasa = rasa
        self.conversations = conversations
        self.turns = turns
        self.concurrency = concurrency
        self.warm = conversations == 0  # 0 disables warm-up (RASA_WARMUP_CONVERSATIONS=0)

    async def warm_up(self) -> None:
        run = secrets.token_hex(4)
        gate = asyncio.Semaphore(self.concurrency)
        # Past RasaPool's call slots: they are for the people writing (bot.rasa_client).
        send = getattr(self.rasa, "send_direct", self.rasa.send)

        async def conversation(n: int) -> None:
            async with gate:
                for t in range(self.turns):
                    text = SENTENCES[(n * 7 + t * 3) % len(SENTENCES)]
                    try:
                        await send(f"warmup-{run}-{n}", text, {"warmup": True})
                    except RasaUnavailable:
                        pass  # an empty answer is fine here; a dead Rasa shows in /status

        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(conversation(n) for n in range(self.conversations)))
        log.info("rasa warmed up", extra={"ms": round((loop.time() - started) * 1000), "count": self.conversations})

    async def run(self, interval: float = 2.0) -> None:
        """Background task: watch Rasa; after each (re)start, warm it before reporting healthy."""
        if self.conversations == 0:
            return
        failures = 0
        while not stop_requested():
            healthy, why = await self.rasa.healthy()
            # A status check that only timed out is Rasa busy under load, not restarted: a
            # warm-up burst then would add 144 messages to an overloaded Rasa.
            failures = 0 if healthy or "TimeoutError" in why else failures + 1
            if healthy and not self.warm:
                await self.warm_up()
                self.warm = True
            elif failures >= self.gone_after and self.warm:
                # Gone for several checks in a row (restarted or down): warm it again when it
                # is back. One slow answer under load is not a restart, and a warm-up burst
                # then would only add to the load.
                self.warm = False
            await asyncio.sleep(interval)
