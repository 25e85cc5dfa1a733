"""action_handoff_start: ask the gateway to bring a human colleague in.

Contract with the gateway (bot/): a bot message whose ``custom`` payload is
``{"handoff": {"reason": ..., "skill": ...}}`` plus a normal text in the
person's language. The gateway owns the conversation state, so no
ConversationPaused event is emitted here.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .common import STORE, language, latest_intent, message
from .persona import handoff_skill, infer_persona

logger = logging.getLogger(__name__)

REASON_BY_INTENT = {
    "talk_to_human": "requested",
    "affirm": "requested",
    "ask_consultation": "consultation",
    "report_start": "report",
    "nlu_fallback": "fallback",
}
TEXT_BY_REASON = {
    "requested": "handoff_requested",
    "consultation": "handoff_consultation",
    "report": "handoff_report",
    "fallback": "handoff_fallback",
}


class ActionHandoffStart(Action):
    """Emit the handoff payload and tell the person a colleague is being asked to join."""

    def name(self) -> str:
        return "action_handoff_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        k = await STORE.get()
        reason = REASON_BY_INTENT.get(latest_intent(tracker) or "", "requested")
        skill = handoff_skill(tracker)
        if reason == "consultation" and tracker.get_slot("persona") is None:
            skill = "professional"
        lang = language(tracker)
        # Said in the person's register (unknown: wording.UNKNOWN_REGISTER, as the gateway's
        # queue text after it), not the queue's: an unknown writer waits in the adult queue.
        persona = "professional" if reason == "consultation" else infer_persona(tracker)
        dispatcher.utter_message(text=message(k, TEXT_BY_REASON[reason], lang, persona))
        dispatcher.utter_message(json_message={"handoff": {"reason": reason, "skill": skill}})
        if reason == "fallback":
            # "Not sure I understood": after a disclosure (or waiting in danger) the gateway
            # answers with support instead of this text (bot.reply_composer).
            dispatcher.utter_message(json_message={"fallback": True})
        logger.info("handoff requested: reason=%s", reason)
        return []
