"""Rasa's response generator, with the most specific matching variation winning.

Rasa picks at random among all conditional variations whose conditions hold. The domain's
``queued`` twins (the same answer without "a colleague can chat with you, if you like",
said while a person is already on the way) add one condition, ``queued: "yes"``, to a
variation's own (language, persona); with the random pick a queued adult could still get the
plain adult variation. Here only the variations with the most conditions among those that
hold are drawn from, so a twin needs no "not queued" condition on every other variation
(which would double the domain's conditions). Where no two matching variations differ in
their number of conditions (every response before the twins: tests_actions checks), this is
Rasa's own choice. Configured in endpoints*.yml as ``nlg: type: rasa_addons.specific_nlg.SpecificNLG``.
"""
from __future__ import annotations

import random
from typing import Any

from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.constants import RESPONSE_CONDITION
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig


def most_specific(variations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The variations with the most conditions (all of them when none has a condition)."""
    most = max((len(v.get(RESPONSE_CONDITION) or []) for v in variations), default=0)
    return [v for v in variations if len(v.get(RESPONSE_CONDITION) or []) == most]


class SpecificNLG(TemplatedNaturalLanguageGenerator):
    """Templated responses; among matching conditional variations the most specific wins."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    def _random_response_for(self, utter_action: str, output_channel: str,
                             filled_slots: dict[str, Any]) -> dict[str, Any] | None:
        if utter_action not in self.responses:
            return None
        suitable = ResponseVariationFilter(self.responses).responses_for_utter_action(
            utter_action, output_channel, filled_slots)
        if not suitable:
            return None
        return random.choice(most_specific(suitable))
