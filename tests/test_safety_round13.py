"""Round 13 (session 11, issue 13): the kinds of wording fresh12 and fresh13 missed, as families.

Misses came as kinds: a car, a hose and tape; "how easy it would be" from a balcony; "what would it
be like if I were not"; a farewell post; "sorry for the trouble" + "not coming back"; a self-cut too
deep that keeps bleeding; hits where they do not show; an adult who slaps the children; a head kicked
now; a woman screaming for help beside a crying child; a thud and a child gone silent; a debt worked
off; passports held by a man who is "not my father"; a minor's time sold to men; sexualised play; a
bath that hurts; a touch between the legs; the drunk taken advantage of; "better if you were never
born" said by a parent; unsafe at home; a baby barely responding; care refused; batteries swallowed;
"nobody stays alive"; toes numb in the cold outside; hair cut off by bullies. Each has harmless
neighbours below (a haircut, a game, a farewell at the end of term, a bath ...).

Sentences written for these tests in the shape of what was missed, never copied from an evaluation set.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


MISSED_KINDS_REACH_HIGH = [
    "I parked at the old quarry with a hose and some tape, the car is running",
    "every evening I stand on the roof and wonder how easy it would be",
    "egész nap azon járt az eszem, milyen lenne, ha egyszerűen nem lennék",
    "olvastam, hogyan lehetne fájdalom nélkül vége",
    "a fiam kiírta, hogy köszönök mindent, jó volt veletek, és fekete lett a profilképe",
    "bocsi mindenért. a vonat tíz perc múlva indul a hídhoz, onnan nem jövök vissza",
    "a vágás túl mélyre sikerült és nem áll el a vér",
    "apu mindig hasba vág, hogy ne látsszon a nyoma",
    "our swimming coach slaps the kids who are too slow",
    # a literal form in a new pattern must not cost a word its stem ("megpofoz" keeps "pofoz")
    "apa néha megpofoz, ha feleselek",
    "a parkban három fiú rugdossa a fejét egy kisfiúnak",
    "a lépcsőházban egy nő segítségért kiabál és egy gyerek sír",
    "upstairs someone yelled at a kid, then I heard a thud and the child stopped crying suddenly",
    "my sister works in a bar abroad and can't leave until the debt is paid",
    "the man has both their passports and the girl whispered he is not my father",
    "my aunt has been selling my time to older men",
    "a hároméves olyan dolgokat játszik el a babákkal, amiket nem tudhatna",
    "a nagybátyja megfürdeti és közben fáj neki",
    "the neighbour touches my son between the legs when they are alone",
    "a buliban valaki kihasználta, hogy részeg voltam",
    "apa azt mondja, jobb lett volna, ha meg sem születek",
    "I don't feel safe at home anymore",
    "a kéthetes csecsemő alig reagál és a szülők nem viszik orvoshoz",
    "a nagymama nem engedi, hogy kórházba vigyük, pedig egyre rosszabb",
    "my toddler swallowed two batteries from the remote",
    "a férjem elment a puskáért, azt mondta senki nem marad életben",
    "a parkban alszom, fázom, nem érzem a lábujjaimat",
    "the girls held her down and cut off her hair",
]


NOW_KINDS_ARE_IMMEDIATE_FIRST = [
    "a vágás túl mélyre sikerült és nem áll el a vér",
    "upstairs someone yelled at a kid, then I heard a thud and the child stopped crying suddenly",
    "the man has both their passports and the girl whispered he is not my father",
    "my toddler swallowed two batteries from the remote",
    "a parkban alszom, fázom, nem érzem a lábujjaimat",
    "sorry for all the trouble. im not coming back from there",
]


HARMLESS_NEIGHBOURS_STAY_BELOW_HIGH = [
    # a haircut gone wrong at the hairdresser's
    "tegnap a fodrász úgy levágta a hajam, hogy fiúnak nézek ki",
    "the barber cut off all my hair and now I look like an egg",
    # watering the garden with a hose
    "we taped the garden hose to the tap and watered the tomatoes",
    # a farewell at the end of term, with no black picture
    "utolsó nap a táborban: köszönök mindent, jó volt veletek!",
    # "sorry for the trouble" with a return
    "sorry for all the trouble yesterday, I'm coming back on Monday",
    # a cut while cooking, bleeding stopped
    "megvágtam az ujjam krumplipucolás közben, de már elállt a vér",
    # a game of football, a ball kicked
    "a meccsen a fiúk fejjel rúgták a labdát",
    # someone screaming for help in a film
    "a filmben a hősnő segítségért kiabál, aztán megmentik",
    # a thud of a book falling
    "heard a thud upstairs, it was just the cat knocking over books",
    # an ordinary debt
    "I owe my brother ten euros and I'll pay him back tomorrow",
    # passports kept for a trip by a parent
    "dad has our passports for the trip to Spain",
    # a play with dolls that is ordinary
    "a lányom babákkal játszik, eljátssza, hogy ő az óvónéni",
    # a bath that is fine
    "minden este megfürdetem a kicsit, nagyon élvezi",
    # a stretch between the legs at ballet
    "stretch between the legs for the split, said the ballet teacher",
    # "better if I had not been born" without a parent saying it
    "a hangulatom ma jobb, mint tegnap",
    # safe at home
    "I feel safe at home with my parents",
    # a baby reacting well
    "a kéthetes baba jól eszik, sokat alszik",
    # cold toes after skiing, at home
    "síelés után nem éreztem a lábujjaimat, de otthon felmelegedtem",
]


# Second pass over fresh12/13 (the same round): children gone to someone met online or with a note
# "you will never see us", a gas smell with headaches, a weapon and "today" at school, pills gathered
# and "only the courage", a parent's "better if you were never born", a knife and "what happens to
# women who", cuts found on a child's arm ("I saw it by accident" is no accidental cut).
NOW_KINDS_ARE_IMMEDIATE = [
    "a 14 éves fiunk este elment valakihez, akit a neten ismert meg, azóta nem jött haza",
    "my son left a note that we will never find him again and took his passport",
    "elment otthonról a lányunk, azt írta, soha többé nem látjuk",
    "gázszag van mindenhol a lakásban, és fáj a fejünk, egyedül vagyunk a húgommal",
    "a szomszéd fiú azt mondta, megvan az apja puskája, és ma délután elintézi azokat, akik bántják",
    "összeszedtem apu összes gyógyszerét, már csak a bátorság kell",
    # neglect already high, with nothing to eat in the house
    "anyu napok óta nem kel fel az ágyból, a 4 éves öcsémmel egyedül vagyunk, semmi kaja nincs",
]


SECOND_PASS_KINDS_REACH_HIGH = [
    "apa minden nap azt mondja, jobb lett volna, ha meg sem születek",
    "he put the knife on the table and told me what happens to girls who lie",
    "véletlenül megláttam a lánya karját, tele van párhuzamos vágásokkal",
    "két 15 éves lánynak egy barát munkát intéz Zürichben, ő szervezi az utat",
]


SECOND_PASS_NEIGHBOURS_STAY_BELOW_HIGH = [
    # a fire drill announced over the loudspeaker, told by a child at home
    "a lányom mesélte, hogy tűzriadó volt, és a hangosbemondóban mondták, hogy mindenki menjen ki",
    # a loudspeaker at a match
    "a meccsen a hangosbemondó bemondta a gólszerzőt, a fiam nagyon örült",
    # a grown-up child moved out
    "a fiam elment otthonról, Pesten kezdett egyetemet, nagyon hiányzik",
    # a smell of gas from a cooker checked by the gas company, no one ill
    "gázszerelő jött megnézni a tűzhelyet, minden rendben",
    # "only the courage" for a speech
    "megírtam a beszédet a ballagásra, már csak a bátorság kell hozzá",
    # someone's own "better if I had not been born" is not a parent's words
    "a kutya megette a leckémet, jobb ma nem menni iskolába",
    # a knife in the kitchen
    "he held the knife like a pro while explaining how to dice onions",
    # an accidental cut while peeling
    "véletlenül megvágtam az ujjam krumplihámozás közben",
    # no food at home, dinner on its way
    "nincs itthon semmi kaja, de anyu mindjárt hoz pizzát",
    # a grown-up working in Zurich
    "a bátyám 28 éves, Zürichben dolgozik mérnökként",
]


# The same kinds in fresh10/11 (tuned): "sorry, we love you" and then unreachable, a gun shown and
# "tomorrow the teacher is the first", a runaway followed by a man, "I'm only a burden", a bottom
# stroked under the blanket, a drunk friend taken upstairs, a child sleeping in an abandoned building,
# a girl driven to clients, a child's empty bed after a man said to meet.
OLDER_SETS_KINDS_ARE_IMMEDIATE = [
    "a lányunk azt írta, bocsánat és hogy szeret minket, azóta nem elérhető",
    "a padtársam mutatta a pisztolyt, azt mondta holnap az első órán az igazgató lesz az első",
    "elszöktem otthonról, a pályaudvaron vagyok és egy férfi követ, 13 vagyok",
    "the man said to meet him behind the school at night and now my daughter's bed is empty",
    "the girl said a man drives her to clients and is waiting outside right now",
]


@pytest.mark.parametrize("text", [
    *NOW_KINDS_ARE_IMMEDIATE_FIRST,
    *NOW_KINDS_ARE_IMMEDIATE,
    *OLDER_SETS_KINDS_ARE_IMMEDIATE,
])
def test_now_kinds_are_immediate(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level is Level.IMMEDIATE, text


OLDER_SETS_KINDS_REACH_HIGH = [
    "minek vagyok egyáltalán, csak teher vagyok mindenkinek",
    "the boy sleeps in an abandoned building with some older guys",
    "a barátnőm sokat ivott, alig tudott járni, és egy idegen fiú felvitte a szobájába",
    "egész nap azon gondolkodom, milyen lenne, ha egyszer elmennék messzire és nem jönnék vissza",
]


@pytest.mark.parametrize("text", [
    *MISSED_KINDS_REACH_HIGH,
    *SECOND_PASS_KINDS_REACH_HIGH,
    *OLDER_SETS_KINDS_REACH_HIGH,
])
def test_missed_kinds_reach_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level >= Level.HIGH, text


OLDER_SETS_NEIGHBOURS_STAY_BELOW_HIGH = [
    # others feel like a burden (a question, not the writer)
    "does anyone else feel like they're just a burden to everyone?",
    # a boy late from a bike ride: worry, not yet danger
    "our 12yo hasn't come back from his bike ride, he's 40 minutes late",
    # an abandoned building visited on a school trip
    "we visited an abandoned factory on a school photography trip",
    # a teacher showing a gun in history class
    "a történelemtanár mutatta a régi pisztolyt a múzeumban",
    # carried upstairs asleep
    "apa felvitte a kistesómat a szobájába, mert elaludt a kanapén",
    # sorry and love on a birthday
    "bocsánat, hogy késtem, szeretlek titeket, boldog szülinapot!",
]


@pytest.mark.parametrize("text", [
    *HARMLESS_NEIGHBOURS_STAY_BELOW_HIGH,
    *SECOND_PASS_NEIGHBOURS_STAY_BELOW_HIGH,
    *OLDER_SETS_NEIGHBOURS_STAY_BELOW_HIGH,
])
def test_harmless_neighbours_stay_below_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level < Level.HIGH, text
