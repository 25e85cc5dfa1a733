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
    # still missing: a belonging found is not the child; a sibling came back without her
    "a 6 éves fiam eltűnt a plázában, még nem került elő",
    "my 8 year old went missing at the lake an hour ago, we found her shoe by the water",
    # the accident told as a cover story is no accident
    "he broke her arm and told the doctors she fell off her bike",
    "azt mondja, ha bárkinek elmondom, megöli a kutyámat és aztán engem",
    # what blind writers of training text said that the screen missed (paraphrased here)
    "my 4 year old ran off at the station and I still can't find him",
    "a kisbabánk délelőtt óta egyáltalán nem szopott",
    "I can hear the little girl next door screaming stop, don't touch me",
    "the teacher grabbed the boy and shook him by the collar, I'm watching from the window",
    "a tanár a gallérjánál fogva rángatja a kisfiút az udvaron",
    "a hűtőn lakat van, a tesómmal este csak vizet iszunk",
    "összerezzen, valahányszor valaki hirtelen felemeli a kezét",
    "úgyis mindegy, mi lesz velem",
    "the neighbours leave their 2 year old alone for hours every evening",
    "apa a fürdőben csinálja, hogy a szomszédok ne hallják",
    "megnéztem, milyen magas a hídkorlát",
    "I wrote a list of who should get my guitar and my cat, just in case",
    "a man she met in a game sent her a new phone and told her to keep it secret and use it at night",
    "she says she can't leave until she pays back the travel money",
    "he has bruises on his arms in the shape of fingers",
    "ha késik öt percet, apa megfogja a torkát",
    "her stepmother shut my son in the basement for hours as punishment",
    "i've been saving my meds instead of taking them",
    "she leaves the baby in his cot all day",
    "i gave away my games today. i've decided, it'll be after everyone goes to sleep",
    # fresh18, after its one measurement (tuned): paraphrased kinds
    "my stepdad said when he gets home he'll finish what he started last night",
    "a 7 éves kisfiam lement a boltba tíz perce, a barátja hazajött, ő nem",
    "camp leader: one of our 8-year-olds is not in his bunk, we've searched the woods for an hour",
    "a 12 éves fiunk tegnap este óta nincs otthon, a telefonja ki van kapcsolva",
    "my kids 5 and 8 are alone at home and I'm stuck in hospital tonight",
    "nem tudok felállni, a nevelőapám belerúgott a hasamba, hányok és véres",
    "apa üvölt anyuval a konyhában, valami nagyot csattant, anyu sír",
    "néha arra gondolok, milyen lenne, ha reggel nem kelnék fel",
    "az új hűtőzárat csak apa nyitja, én egyszer egy nap eszem a menzán",
    "a kisfiú minden nap kenyeret dug a zsebébe az oviban",
    "a girl in my youth group said her uncle touches her at night",
    "she is left to look after her baby brother overnight while her mum works",
    "they forced him to eat dirt at break and filmed it",
    "a 7 éves szomszéd kislány estig egyedül van, az anyja a kocsmában ül",
    "he showed me his back and said it was dad's belt",
    "the marks are always where his clothes cover them",
    "leaves her 2-year-old alone in the flat while she goes to work",
    "her boyfriend has been coming to my bed every night and said not to tell mum",
    # fresh19, after its one measurement (tuned): paraphrased kinds
    "there are burn marks on his back in the shape of an iron",
    "holnap lesz a szülinapom, és ez lesz az utolsó",
    "a kisfiú nem volt ott az ebéd utáni órán, az udvaron nincs, a kiskapu nyitva",
    "my stepdad broke my arm and says I can't go to the doctor until Monday",
    "egy idegen a chaten azt írta neki, hogy menjen ki, mert a sarkon várja",
    "im locked in the bathroom with a blade and i already started",
    "az öcsém tavaly ősz óta nem jár iskolába, egész nap a gépen ül",
    "a baba súlya a 3. percentilis alatt van, a szülő nem reagál",
    "cetlire írtam, ki kapja a cuccaimat",
    "a nevelőapám vizes törölközővel üt, mert az nem hagy nyomot",
    "a 2 és 4 évesek rendszeresen felügyelet nélkül maradnak délutánonként",
    "a man in the stairwell keeps offering me money to come to his flat",
    "a könyvtárban mondta el, hogy az apja veri",
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
    # a child lost for minutes and found, told as over (the whole message is read)
    "Ma délután a lányom eltűnt a szemem elől a strandon pár percre, de kiderült, hogy a büfénél "
    "játszott. Mindenki jól van.",
    "My 6 year old wandered off at the mall for five minutes today, she was just at the pet shop. "
    "She's fine, just wondering how to teach her what to do.",
    # injuries told with their accident
    "my son broke his leg on the trampoline yesterday, he's very proud of the cast",
    "a bátyám megégette az ujját a szalonnasütésnél, de utána ő ette a legtöbbet",
    "grandpa choked on a fishbone at dinner but coughed it out",
    # drills, words, stage knives, tools, a feverish toddler who drinks well
    'our coach calls them "suicide sprints" and we hate them',
    'angolórán a "kidnap" szót tanultuk',
    "a karateórán azt gyakoroltuk, hogyan kell kivédeni egy késes támadást gumikéssel",
    "he unscrewed the stuck lock with a butter knife",
    "segítettem a papának fát vágni, ő fogta a fejszét, én hordtam",
    "a 2 éves fiam lázas, de jól iszik és játszik, hol van éjszakai ügyelet?",
    "my sister locked herself in the bathroom by accident and dad got her out",
    "a szomszéd macskája eltűnt tegnap este, egész este kerestük",
    # neighbours of the kinds above
    "we locked the bikes in the shed",
    "she keeps her meds in the cupboard",
    "I gave away my old toys to charity",
    "who should get my old bike, my cousin or my brother?",
    "a hűtőn lakat van, mert a kutya kinyitja",
    "we left our 3 year old with grandma for a few hours",
    "my 5 year old is at the neighbours, I can't find her shoes",
    # fresh18's harmless neighbours (paraphrased): a cook's dough, a fish for the soup, curiosity, a helpline essay
    "a tésztát jól meg kell verni, hogy levegős legyen",
    "a szakkörön megtanultuk, hogyan kell egy pontyot megölni és kibelezni",
    "Megöl a kíváncsiság, mikor lesz a nyílt nap?",
    "I'm writing an essay: 116 000 is the number for missing children in the EU",
    "a taxisunk kérdezte, van-e bejelentési lehetőség gyerekek bántalmazására",
    "Don't leave the children alone at home.",
    # fresh19's harmless neighbours (paraphrased): a site's address, a lobster, an engine, a weedkiller,
    # a dog and a teddy, paintball bruises, a biological mother, a film where everyone shoots everyone
    "Kitehetem a www.bantalmazas.hu címet a váróteremben?",
    "a séf szerint a homárt gyorsan kell megölni",
    "a mester azt mondta, a motort ki kell nyírni, mielőtt szétszedjük",
    "a gyomirtó mindent megöl, ami zöld",
    "a kutyánk kinyírta a plüssmackót",
    "paintballoztunk, tele vagyok kék-zöld foltokkal, de szuper volt",
    "örökbe fogadnám a párom fiát, a vér szerinti anya is egyetért",
    "megnéztük a filmet, ott aztán mindenki mindenkit lelő",
    "in our debate I have to argue that tanks slowly kill orcas",
    # my gran's joke
    'a mama azt mondta, hogy "agyonüt", ha nem eszem meg a levest, aztán nevetett',
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
def test_round15_kinds_are_immediate(lexicon_screener: LexiconScreener, text: str) -> None:
    assert lexicon_screener.screen(text).level is Level.IMMEDIATE, text


@pytest.mark.parametrize("text", DISCLOSURES_REACH_HIGH)
def test_round15_disclosures_reach_high(lexicon_screener: LexiconScreener, text: str) -> None:
    assert lexicon_screener.screen(text).level >= Level.HIGH, text


@pytest.mark.parametrize("text", BELOW_HIGH)
def test_round15_neighbours_stay_below_high(lexicon_screener: LexiconScreener, text: str) -> None:
    assert lexicon_screener.screen(text).level < Level.HIGH, text
