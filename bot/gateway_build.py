"""The gateway built from its parts, in order: each gets what it needs at construction.

Read this to see the message path's object graph at a glance; ``bot.app`` calls it with the
app-wide objects (Redis store, Rasa pool, handoff, report desk) it has built first.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.background import Background
from bot.config import Settings
from bot.conversation_lock import ConversationLocks
from bot.crypto import Sealer
from bot.deferred_answers import DeferredAnswers
from bot.delivery import Delivery
from bot.gateway import Gateway
from bot.inbound import Handoff
from bot.intents import load_intents, load_response_texts
from bot.kept_messages import KeptMessages
from bot.rasa_client import RasaPool
from bot.rasa_turn import RasaRelay
from bot.reply_composer import ReplyComposer
from bot.screening import Screener
from bot.screening_step import ScreeningStep
from bot.spool import Spool
from bot.spool_replay import SpoolReplay
from bot.state_router import EraseHook, StateRouter
from bot.store import ConversationStore


def build_gateway(settings: Settings, *, store: ConversationStore, screener: Screener, rasa: RasaPool,
                  delivery: Delivery, sealer: Sealer, handoff: Handoff | None = None, reports: Any = None,
                  erase_hook: EraseHook | None = None, aof: Any = None,
                  actions_up: Callable[[], bool] | None = None) -> tuple[Gateway, SpoolReplay]:
    """The gateway and the loop that replays what it kept while Redis was down."""
    intents = load_intents(settings.domain_dir)
    rate_limit = (settings.rate_limit_messages, settings.rate_limit_window)
    locks = ConversationLocks()  # one per conversation, for every channel and the late answers
    background = Background()
    replies = ReplyComposer(store, handoff, reports,
                            greetings=load_response_texts(settings.domain_dir, "utter_greet"),
                            small_talk=frozenset().union(*(load_response_texts(settings.domain_dir, name) for name in
                                                           ("utter_anything_else", "utter_youre_welcome",
                                                            "utter_goodbye"))))
    relay = RasaRelay(rasa, replies, background, actions_up=actions_up)
    deferred = DeferredAnswers(relay, delivery, locks, rasa_queue=settings.rasa_queue,
                               wait_claim=settings.rasa_wait_claim, rate_limit=rate_limit)
    router = StateRouter(replies, relay, deferred, intents=intents, handoff=handoff, reports=reports,
                         erase_hook=erase_hook, aof=aof, max_chars=settings.max_message_chars,
                         rate_limit=rate_limit, busy_notice=settings.rasa_busy_notice)
    kept = KeptMessages(Spool(settings.spool_dir, sealer))
    gateway = Gateway(pseudonym_key=settings.pseudonym_key, screening=ScreeningStep(screener, intents),
                      store=store, replies=replies, router=router, rasa=rasa, deferred=deferred, locks=locks,
                      kept=kept, delivery=delivery, background=background, busy_notice=settings.rasa_busy_notice)
    return gateway, SpoolReplay(kept, gateway, deferred)
