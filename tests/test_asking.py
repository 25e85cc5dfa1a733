"""bot.asking: a question about where to turn that names a danger, told apart from a
disclosure (after a return to the bot only the second queues again)."""
from __future__ import annotations

import pytest

from bot.asking import asks_where_to_turn

ASKING = [
    "hova forduljak ha a gyereket veri az apja?",
    "Hova lehet jelezni, ha egy gyereket bántalmaznak?",
    "mit tegyek ha a barátomat bántalmazzák?",
    "mit lehet tenni, ha egy gyereket szexuálisan zaklatnak?",
    "what can I do if my friend is being abused",
    "where can I report it if a child is being sexually abused?",
    "can you tell me who to contact if a child is being abused here?",
]
TELLING = [
    "az apám megver, hova forduljak?",            # told first, asked after
    "hova forduljak, ha az apám megver?",         # one's own home, whatever the grammar
    "hova forduljak ha engem bántanak",           # the writer is the one harmed
    "mit tegyek, most is veri a gyereket",        # happening now
    "what can I do if he hits me again",
    "what can I do if my dad hits my sister",
    "my friend is being abused",                  # no question
    "azt mondta hogy megöl ha elmondom",          # a condition, but no where-to-turn frame
]


@pytest.mark.parametrize("text", ASKING)
def test_a_where_to_turn_question_is_asking(text: str) -> None:
    assert asks_where_to_turn(text)


@pytest.mark.parametrize("text", TELLING)
def test_a_disclosure_is_not_asking(text: str) -> None:
    assert not asks_where_to_turn(text)
