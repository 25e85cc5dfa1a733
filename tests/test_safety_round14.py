"""Round 14 (session 13, issue 13): kinds of "now" that fresh16 (tuned since its measurement) still
scored below immediate: a named child of a given age who did not come home, a door being broken in,
a gun being loaded, a head held under water, petrol brought to burn the house, a head struck against
the wall heard as it happens, farewell messages written with an end set, a window ledge high up,
someone known only from the internet met tonight, and a cigarette burn "to be continued tonight".
Each has harmless neighbours below (a swimming lesson, firefighters, loading the car, a farewell card).

Second pass (fresh17, after its one measurement): rage at home with the children under the bed, a
"game" under a child's pants, sleeves worn to hide one's arms, a parent too drunk to collect a small
child, children eating from the bins, a mother's face, a parent gone for days with a baby at home, a
baby nobody fed, a squat after leaving the children's home, a young child gone for half an hour.

Sentences written for these tests in the shape of what was missed, never copied from an evaluation set.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


NOW_KINDS_ARE_IMMEDIATE = [
    "a 6 éves Dani reggel elment a focipályára és azóta nem jött haza",
    "our 5 year old went out to the garden after lunch and never came back",
    "a nevelőapám most rugdossa be az ajtót, a fürdőszobába bújtunk",
    "my stepdad is kicking down the door right now, we are hiding in the bathroom",
    "apu a konyhában tölti a puskát és azt kiabálja, hogy ennek vége",
    "the babysitter is holding my brother's head under water in the bath",
    "a nagybátyám a víz alá nyomja a fejemet a medencében, ha nem fogadok szót",
    "benzint locsolt a lépcsőházban és azt mondja, felgyújtja",
    "hallom, ahogy a mostohaapám nekiveri anyu fejét a falnak",
    "elküldtem a búcsúüzeneteket, ma éjjel vége",
    "kimásztam a párkányra a hetediken, lóg a lábam",
    "ma este találkozom valakivel, akit csak a neten ismerek, elvisz kocsival",
    "égő cigit nyomott a karomba és azt mondta, este folytatja",
]


SECOND_PASS_IMMEDIATE = [
    # a suspicion said of a real child, happening now, is not a procedure question
    "gyanítom, hogy a nevelőapja bántalmazza, és most is veri",
    "a barátnőm bántalmazásról beszélt nekem, és most is veri az apja",
    "he came home drunk and is smashing everything, the kids are hiding under the bed",
    "apu péntek este elment és azóta sincs itthon, a kistesómnak elfogyott a tápszere",
    "my mum left on saturday and hasn't come back, I'm feeding my baby brother with water",
    "the toddler next door hasn't been fed since yesterday morning, the mother is passed out",
    "our four-year-old was gone when I turned around, we've searched the park for half an hour",
]

SECOND_PASS_HIGH = [
    "my uncle plays a secret game with my little cousin under her underwear",
    "a nagypapa mindig benyúl a kislányom bugyijába, azt mondja, ez a titkos játékuk",
    "I only wear long sleeves now so nobody notices the cuts on my arms",
    "hosszú ujjú pólóban járok, hogy ne lássák a vágásokat a karomon",
    "the dad came for the twins at nursery so drunk he could barely stand",
    "a szomszéd kicsik a kukákból esznek, a legkisebb 4 éves",
    "I saw what he did to my mom's face last night",
    "since I ran from the children's home I'm staying in an abandoned house with older guys",
]


@pytest.mark.parametrize("text", SECOND_PASS_HIGH)
def test_second_pass_kinds_reach_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level >= Level.HIGH, text


@pytest.mark.parametrize("text", [*NOW_KINDS_ARE_IMMEDIATE, *SECOND_PASS_IMMEDIATE])
def test_now_kinds_are_immediate(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level is Level.IMMEDIATE, text


HARMLESS_NEIGHBOURS_STAY_BELOW_HIGH = [
    # a swimming lesson: a child puts his own head under water
    "a kisfiam már a fejét is a víz alá dugja az úszásórán",
    # loading the car for a holiday
    "we are loading the car for the holiday right now",
    # a farewell card for a colleague
    "búcsúüzenetet írtunk a kolléganőnek a nyugdíjba vonulása alkalmából",
    # a window cleaner on a ledge at work
    "a szemközti házon egy ablakmosó dolgozik a párkányon",
    # an online friend met with parents present
    "a neten megismert barátnőmmel szombaton találkozunk, anyu is jön",
    # banging one's head against the wall, the idiom
    "I've been banging my head against the wall over this tax form all day",
    # a cigarette put out in an ashtray
    "apa elnyomta a cigit a hamutálban",
    # a sports team "smashing" its season, a tablecloth under the table
    "our team is smashing everything this season",
    "he kicked the ball under the table and the dog ran after it",
    # long sleeves for the cold, a baby fed on time, a parent away on a trip with a grandparent home
    "I wear long sleeves in winter because my arms get cold",
    "the baby was fed at six and is sleeping now",
    "anyu tegnap elutazott Bécsbe, a mamával vagyunk itthon",
    # recycling from the bins at school
    "a gyerekekkel a szelektív kukákból válogattuk ki a palackokat",
    # a professional's question about procedure, with "if I suspect"
    "Ha súlyos bántalmazást gyanítok, a rendőrséget is értesítenem kell?",
    "bántalmazás gyanújakor kit kell értesítenünk az óvodában?",
    # a school essay about what one would do "if a friend told me about abuse" (a conditional)
    "házit írok arról, mit tennék, ha egy osztálytársam bántalmazásról mesélne",
    # petrol in the lawnmower
    "tankoltam benzint a fűnyíróba, holnap levágom a füvet",
]


@pytest.mark.parametrize("text", HARMLESS_NEIGHBOURS_STAY_BELOW_HIGH)
def test_harmless_neighbours_stay_below_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level < Level.HIGH, text
