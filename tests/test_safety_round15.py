"""Round 15 (session 15, issue 13): kinds fresh17 (tuned since its measurement) still scored below
immediate - a jump announced in a misspelt form ("ugram le"), a baby who does not drink and only
sleeps (dehydration), a young child who does not answer when the family calls out during a search -
each with harmless neighbours. Sentences written for these tests, never copied from an evaluation set.

Disclosures a story word used to disarm: "mesélte, hogy ..." (told me that) read as "mese" (a fairy
tale), "makes me play a game where he touches me", "I was reading when he came in", "a történet az,
hogy ..." (the thing is that); and a child's parent named in the third person ("az apja veri") as an
adult who can hurt a child, as "apám" always was.

A witness's words, in the third person, where the lexicon knew only the first: "felvágta az ereit",
"vagdossa a karját", "végez magával", "elajándékozta a dolgait", "cigarettával égeti", "he cuts
himself", "he is being sold to men". A worried adult reports what they saw; the lexicon had mostly
learned how a child says it of themself.

And a professional's observation: "touches her inappropriately", a parent intoxicated at pickup,
a child who has not eaten since yesterday with a drunk parent, bruises nobody will explain.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


IMMEDIATE = [
    "ma éjjel ugram le a hídról, senki nem fog hiányolni",
    "a kisbabánk tegnap óta nem iszik, csak alszik egész nap",
    "the baby hasn't been drinking since this morning, just sleeps and sleeps",
    "a kisöcsém elbújt a nádasban, már egy órája keressük, kiabálunk de nem válaszol",
]

DISCLOSURES_REACH_HIGH = [
    "a lányom mesélte, hogy az edző fogdossa a zuhanyzóban",
    "mesélt arról, hogy a nevelőapja éjjel bebújik mellé az ágyba",
    "my uncle makes me play a game where he touches me under my clothes",
    "I was reading when he came in and started touching me",
    "a történet az, hogy a nevelőapám fogdos éjjelente",
    "az osztályfőnöknek elmondta, hogy az apja veri",
    "a szomszéd kisfiút az anyja veri, minden este hallom",
    "a tanítványom elmondta, hogy tegnap felvágta az ereit",
    "a barátnőm vagdossa a karját a mosdóban",
    "a fiam barátja azt írta, hogy végezni akar magával",
    "a bátyám elajándékozta a dolgait és furcsán búcsúzkodik",
    "a szomszéd kislányt az anyja cigarettával égeti",
    "my friend cuts himself every night",
    "the boy upstairs is being sold to men by his uncle",
    "The pupil told me her stepfather touches her inappropriately.",
    "Dad was intoxicated again at nursery pickup today.",
    "the mum was drunk when I dropped by and the kids haven't eaten since yesterday",
    "A kisfiú hátán zúzódások vannak, és nem tud magyarázatot adni rájuk.",
    "he comes to class with bruises he won't explain",
    "a stranger online asked my 11yo son for pics and told him to keep it secret",
    "egy 4 éves kisfiú egyedül sétált ki az utcára, a szülei sehol",
    # a farewell said as an apology and love to everyone
    "irtam mindenkinek egy uzenetet hogy sajnalom es hogy szeretem oket",
    "I sent everyone a message saying I'm sorry and that I love them",
    # haunted by what an adult did: an indirect disclosure
    "I keep having nightmares about what my uncle did to me",
    "nem tudom kiverni a fejemből, amit a nevelőapám csinált velem",
    "last week he pushed my mum down the stairs and she said she fell",
]

BELOW_HIGH = [
    # fiction still disarms: a fairy tale, a book read in class
    "a mesében a farkas megöli a nagymamát",
    "we were reading a book where the girl is raped",
    # a cut while cooking or shaving, scissors, hair, homework finished, old clothes given away
    "megvágta a kezét a késsel főzés közben",
    "a fodrász vágta a haját",
    "he cut himself shaving this morning",
    "végzett a házi feladatával, mehet játszani",
    "elajándékozta a régi ruháit a szomszédnak",
    # touching without harm, a fall that explains a bruise, flowers, a lost explanation
    "the coach touched her arm to show the technique",
    "she won't explain how she got the bruise but says she fell off her bike",
    "friss vágású virágot vettem anyának",
    "nem tud magyarázatot adni arra, miért késett",
    # a Christmas card, an apology for missing a party
    "mindenkinek írtam karácsonyi képeslapot, hogy szeretem őket",
    # a friend's prank remembered, a dream of a stranger, a first-aid lesson
    "I can't stop thinking about what she did to me at the party, she spilled juice on my dress",
    "my daughter had a nightmare that a burglar broke into our house and hurt us",
    "we're planning a first aid workshop: what to do if someone is bleeding, choking or unconscious",
    # a bike pushed down the stairs
    "she pushed her bike down the stairs to the street",
    # a surprise kept secret
    "keep it secret, it's a surprise party for mum",
    # war history told by a grandparent
    "a nagyapám mesélt a háborúról, hogy a dédapámat a fronton lelőtték",
    # a jump into the pool, a jump to the shop
    "ugram egyet a medencébe, aztán jövök",
    # a baby sleeping well; a toddler not drinking milk but water
    "a baba jól alszik, a pelenkája száraz reggelig",
    # calling a teenager who has headphones on
    "kiabálunk neki a kertből, de nem válaszol, mert fülhallgató van rajta",
]


@pytest.mark.parametrize("text", IMMEDIATE)
def test_round15_kinds_are_immediate(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level is Level.IMMEDIATE, text


@pytest.mark.parametrize("text", DISCLOSURES_REACH_HIGH)
def test_round15_disclosures_reach_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level >= Level.HIGH, text


@pytest.mark.parametrize("text", BELOW_HIGH)
def test_round15_neighbours_stay_below_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level < Level.HIGH, text
