"""Slot values that travel with the message itself, as REST ``metadata``.

The gateway decides the conversation's language; Rasa's responses are conditioned on
the ``language`` slot. Setting that slot through the tracker events API cost a second
HTTP call per switch, and Rasa loaded, decrypted, re-encrypted and saved the whole
tracker for it. Instead the gateway sends ``{"slots": {"language": "en"}}`` in the
message's metadata when the value changes, this NLU component turns it into an entity
of the same name, and the slot's ``from_entity`` mapping sets it in the same turn,
before any response is chosen. Only the slots and values named in the config pass.
Configured in config.yml as ``rasa_addons.metadata_slots.MetadataSlots``.

The ``persona`` slot rides the same way (``{"slots": {"persona": "adult"}}``, the persona the
gateway heard, bot/register.py) instead of a custom slot mapping that called the action
server on every message. What NLU itself read in the message comes first: an entity the
extractors before this component found is never overridden, and the slot's ``from_intent``
mappings (the persona buttons) stand before its ``from_entity`` mapping in the domain.
The ``queued`` slot rides with every message too (``"yes"`` while a person is on the way or
writing): the responses' queued variations and the actions never offer a person then.
One exception, ``metadata.slots_sure`` (a list of slot names): the gateway is sure of these
(an adult who named their own child or spouse, bot/register.py ``adult_self``), so a persona
word NLU read in the message ("a suliban", "my dad": the child they quote) is replaced by the
gateway's value, and the adult is not answered with "te".
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

METADATA_KEY = "slots"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class MetadataSlots(GraphComponent, EntityExtractorMixin):
    """Entities from ``metadata.slots``, for whitelisted slot names and values only."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # slot name -> allowed values (anything else in the metadata is ignored)
        return {"slots": {"language": ["hu", "en"], "persona": ["child", "adult", "professional"],
                          "queued": ["yes", "no"]}}

    def __init__(self, config: dict[str, Any]) -> None:
        self._allowed = {str(k): {str(v) for v in vals} for k, vals in (config.get("slots") or {}).items()}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MetadataSlots:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            metadata = message.get("metadata") or {}
            wanted = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
            if not isinstance(wanted, dict):
                continue
            sure = metadata.get("slots_sure")
            sure = {str(n) for n in sure if str(wanted.get(n)) in self._allowed.get(str(n), ())} \
                if isinstance(sure, list) else set()
            if sure:  # the gateway's value stands over NLU's reading for these
                message.set(ENTITIES, [e for e in message.get(ENTITIES, []) if e.get("entity") not in sure],
                            add_to_output=True)
            read = {e.get("entity") for e in message.get(ENTITIES, [])}  # NLU's own come first
            found = [
                {"entity": name, "value": str(value), "start": 0, "end": 0, "confidence_entity": 1.0}
                for name, value in wanted.items()
                if str(value) in self._allowed.get(str(name), ()) and name not in read
            ]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found),
                            add_to_output=True)
        return messages
