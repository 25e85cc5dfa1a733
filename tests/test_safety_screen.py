"""screen(): the issue's hard cases, robustness (hypothesis) and escalation."""
from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety import LexiconScreener, default_screener
from bot.safety.escalation import CONCERN_STREAK_TO_HIGH
from bot.screening import Level, RiskState, ScreenResult
from tests.conftest import require


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    # The lexicon's own rules, alone: the statistical signal on top of it (on by default) has
    # its own tests in test_safety_classifier.py, and test_guards_with_the_classifier below.
    return lexicon_screener


@pytest.mark.parametrize(
    "text, at_least",
    [
        ("vernek otthon", Level.HIGH),
        ("megvert apa", Level.HIGH),
        ("megverte a kistesomat apa", Level.HIGH),
        ("apa verni fog ha hazamegyek", Level.HIGH),
        ("ongyilkos leszek", Level.HIGH),
        ("öngy\u200dilkos leszek", Level.HIGH),  # zero-width joiner inside the word
        ("öngy\u00adilkos leszek", Level.HIGH),  # soft hyphen
        ("\u202eöngyilkos leszek\u202c", Level.HIGH),  # bidi override
        ("ÖNGYILKOS LESZEK", Level.HIGH),
        ("öngyikos leszek", Level.HIGH),  # typo: fuzzy
        ("meg fogom ölni magam", Level.HIGH),
        ("ma éjjel megölöm magam", Level.IMMEDIATE),
        ("be vagyok zárva", Level.IMMEDIATE),
        ("a fogdosott mostohaapám", Level.HIGH),
        ("i want to die", Level.HIGH),
    ],
)
def test_catches(screener, text, at_least) -> None:
    assert screener.screen(text).level >= at_least


@pytest.mark.parametrize(
    "text",
    [
        "majd meghalok a röhögéstől",
        "a játékban megöltem a sárkányt",
        "apa megverte sakkban",
        "meghalok az unalomtól",
        "megöl a matek",
        "kinyírom a tesómat ha megeszi a csokimat",
        "vért vettek tőlem",
        "verseny volt a suliban",
    ],
)
def test_idioms_are_not_alarms(screener, text) -> None:
    assert screener.screen(text).level < Level.HIGH


def test_fuzzy_alone_never_immediate(screener) -> None:
    result = screener.screen("onygilkos leszek ma este")  # only a typo guess carries the danger word
    assert result.level is Level.HIGH
    assert any(m.startswith("~") for m in result.matches)


def test_result_explains_itself(screener) -> None:
    r = screener.screen("apa most veri anyut")
    assert r.level is Level.IMMEDIATE
    assert "domestic_violence" in r.categories
    assert r.matches and all(isinstance(m, str) for m in r.matches)


@pytest.mark.parametrize(
    "text",
    ["", " ", "😭😭😭", "\x00\x01\x1b[31m", "a" * 20_000, "megver " * 3000, "\ud800", "\u200d" * 50, "🏳️‍🌈" * 100],
)
def test_edge_inputs_never_raise(screener, text) -> None:
    assert isinstance(screener.screen(text), ScreenResult)


def test_long_text_still_seen(screener) -> None:
    assert screener.screen("bla " * 6000 + "ma este megölöm magam").level is Level.IMMEDIATE


@functools.cache
def _without_stemmer() -> LexiconScreener:
    # Built once: a screener per example loaded both classifiers 300 times (~100 s).
    return LexiconScreener(default_screener().lexicon, stemmer=None)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_and_is_deterministic(text) -> None:
    s = default_screener()
    first = s.screen(text)
    assert isinstance(first.level, Level)
    assert s.screen(text) == first
    assert _without_stemmer().screen(text).level.rank >= 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["megvert", "öngyilkos", "ma", "este", "játék", "meg", "ölni", "\u200d", "xd", "nem"]),
                max_size=12))
def test_word_soup_is_deterministic(words) -> None:
    text = " ".join(words)
    assert default_screener().screen(text) == default_screener().screen(text)


# ---- escalation ---------------------------------------------------------------
def _r(level: Level, cat: str = "bullying", match: str = "x") -> ScreenResult:
    return ScreenResult(level, (cat,) if level is not Level.NONE else (), (match,) if level is not Level.NONE else ())


def test_escalate_keeps_highest_and_is_pure(screener) -> None:
    s0 = RiskState()
    s1 = screener.escalate(s0, _r(Level.HIGH, "physical_abuse", "megvert"))
    s2 = screener.escalate(s1, _r(Level.NONE))
    assert s0 == RiskState()  # not mutated
    assert s1.level is Level.HIGH and s2.level is Level.HIGH
    assert s2.categories == ["physical_abuse"] and s2.matches == ["megvert"]


def test_concern_streak_raises_to_high(screener) -> None:
    state = RiskState()
    for i in range(CONCERN_STREAK_TO_HIGH):
        assert state.level is not Level.HIGH
        state = screener.escalate(state, _r(Level.CONCERN, match=f"m{i}"))
    assert state.level is Level.HIGH
    assert state.concern_streak == CONCERN_STREAK_TO_HIGH


def test_none_breaks_the_streak(screener) -> None:
    state = RiskState()
    for lvl in (Level.CONCERN, Level.CONCERN, Level.NONE, Level.CONCERN):
        state = screener.escalate(state, _r(lvl))
    assert state.level is Level.CONCERN and state.concern_streak == 1


def test_merge_dedups_and_caps(screener) -> None:
    state = RiskState()
    for i in range(50):
        state = screener.escalate(state, ScreenResult(Level.CONCERN, ("bullying",), (f"m{i}", f"m{i}")))
    assert state.categories == ["bullying"]
    assert len(state.matches) <= 20 and len(set(state.matches)) == len(state.matches)
    assert RiskState.from_dict(state.to_dict()) == state


# ---- the known weak spots ------------------------------------------------------
@pytest.mark.parametrize(
    "text, level",
    [
        ("a tesomat megszurtak az utcan es sok ver folyik", Level.IMMEDIATE),  # bleeding in a phrase
        ("a férjem fojtogat, elbújtam a fürdőben", Level.IMMEDIATE),  # hiding now
        ("most ugrok le a 10. emeletrol", Level.IMMEDIATE),  # split verb, ordinal full stop
        ("itt állok a 9. emeleti ablakban", Level.IMMEDIATE),
        ("egy felnőtt férfi akar találkozni velem, a neten ismertem meg", Level.HIGH),
        ("egy 25 eves srac ir nekem instan, talalkozni akar", Level.HIGH),
        ("apa megvert, most mit csináljak?", Level.HIGH),  # a question about now, not an event now
        ("apu mindig ver, de most nincs itthon", Level.HIGH),
        ("megint vagdostam magam az este", Level.HIGH),  # last night, not tonight
        ("apa megvert a jatek miatt", Level.HIGH),  # the game is the reason, not the setting
        ("a fifában nyertem, de apa megvert", Level.HIGH),  # the game context stops at the comma / "de"
        ("kinyírom a tesómat ha megeszi a csokimat", Level.NONE),
        ("leugrok a boltba, mindjárt jövök", Level.NONE),
        ("nagyi megöli a csirkét vasárnapra", Level.NONE),
        ("vagdosom a zöldséget", Level.NONE),
    ],
)
def test_known_weak_spots_levels(screener, text, level) -> None:
    assert screener.screen(text).level is level


@pytest.mark.parametrize(
    "text",
    ["a nagypapám kórházban van, meg fog halni?", "dolgozatot írok az öngyilkosság megelőzéséről",
     "a hídon vagyok, nézzük a tűzijátékot", "kill me now, monday again", "ez a dal megöl"],
)
def test_known_weak_spots_not_alarms(screener, text) -> None:
    assert screener.screen(text).level < Level.HIGH


def test_ordinal_full_stop_is_not_a_clause_break() -> None:
    from bot.safety.normalize import tokenize

    toks = tokenize("a 10. emeletrol. Segits")
    assert [t.clause for t in toks] == [0, 0, 0, 1]


# ---- mechanisms that generalise (not phrases of an eval set) ---------------------
# Sentences written for these tests, none taken from an eval part. Each group exercises one
# mechanism: separated verbal prefixes, free word order with a window, compounds, semantic
# classes (means + act, captivity + place, ...), urgency, and the idiom/false-friend guards.
ROUND5_CATCHES = [
    # a verbal prefix after its verb (focus) or before an auxiliary
    ("apu tegnap nagyon vert meg", Level.HIGH),
    ("a mostohám verte meg a húgomat", Level.HIGH),
    ("a tanár ütött meg az órán", Level.HIGH),
    ("tegnap éjjel szöktem el otthonról", Level.HIGH),
    ("három napja szöktem meg a nevelőotthonból", Level.HIGH),
    ("apa azt mondta, hogy meg is fog verni", Level.HIGH),
    ("ma este vágom fel az ereimet", Level.IMMEDIATE),
    # captivity verb + place, either order, prefixed or bare
    ("anya zárt be a kamrába egész estére", Level.IMMEDIATE),
    ("a padlásra zártak be a nevelőszüleim", Level.IMMEDIATE),
    ("a szekrénybe csuktak engem", Level.IMMEDIATE),
    ("they locked me in the basement", Level.IMMEDIATE),
    ("nem enged ki a lakásból a párom", Level.HIGH),
    # means + act (taken = immediate; intended = high; + urgency = immediate)
    ("egy egész levél altatót vettem be az előbb", Level.IMMEDIATE),
    ("lenyeltem apa összes vérnyomásgyógyszerét", Level.IMMEDIATE),
    ("i took a whole bottle of painkillers", Level.IMMEDIATE),
    ("tabletta van nálam egy egész doboz és mindet lenyelem", Level.HIGH),
    ("mindjárt beveszem az összes nyugtatót", Level.IMMEDIATE),
    ("a tető szélén ülök és nézek lefelé", Level.IMMEDIATE),
    ("felmásztam a híd korlátjára", Level.IMMEDIATE),
    ("a sínekre fekszem most", Level.IMMEDIATE),
    ("a metró elé fogok ugrani", Level.HIGH),
    ("i keep burning my skin with a lighter", Level.HIGH),
    # compounds: the harm word at the end of a longer word
    ("elővette a konyhakést és kergeti anyut", Level.HIGH),
    ("apa a konyhakéssel fenyeget", Level.HIGH),
    ("van itthon egy csomó altatótabletta, beveszem mindet", Level.HIGH),
    ("a borotvapengét már kikészítettem", Level.HIGH),
    ("a mostohaanyám bezárt a fáskamrába", Level.IMMEDIATE),
    # violence now, or someone hurt who does not respond
    ("apa épp most üti anyát a konyhában", Level.IMMEDIATE),
    ("apa megrugdosta anyut, anyu nem mozdul", Level.IMMEDIATE),
    ("azt írta, hogy rágyújtja a házat a családomra", Level.HIGH),
    ("valaki betörte az ablakot és bejött", Level.HIGH),
    # sexual abuse and sextortion by class, not by phrase
    ("a szomszéd bácsi kamerán azt kérte, hogy vegyem le a felsőmet", Level.HIGH),
    ("az edző az öltözőben fotóz minket titokban", Level.HIGH),
    ("ha nem küldök még képeket, elküldi a videómat az osztálynak", Level.HIGH),
    ("he said he would send my nudes to my school", Level.HIGH),
    ("a mostohaapám éjszakánként befekszik mellém", Level.HIGH),
    ("he forced me to touch him", Level.HIGH),
    # trafficking: recruiting a group abroad, debt bondage, papers withheld
    ("lányokat szállít Ausztriába a nagybátyám ismerőse, engem is vinni akar", Level.HIGH),
    ("azt mondják tartozom a szállásért, és le kell dolgoznom", Level.HIGH),
    ("my sister works in germany and her boss keeps her passport", Level.HIGH),
    # neglect situations
    ("a kisbabát bent hagyták az autóban, amíg vásárolnak", Level.IMMEDIATE),
    ("hetekre magunkra hagy anyu a kistesómmal", Level.HIGH),
    ("a szomszéd kislány pizsamában áll kint a hidegben", Level.HIGH),
]


@pytest.mark.parametrize("text, at_least", ROUND5_CATCHES)
def test_generalising_mechanisms_catch(screener, text, at_least) -> None:
    assert screener.screen(text).level >= at_least


ROUND5_GUARDS = [
        ("a tesóm agyonvert biliárdban", Level.NONE),  # game context reaches the violence verb
        ("apa levert teniszben", Level.NONE),
        ("i dyed my hair blue and mom is dying to see it", Level.NONE),
        ("we killed it at the concert", Level.NONE),
        ("bezártam az ajtót és lefeküdtem aludni", Level.CONCERN),  # I locked a door: no captivity
        ("érdekes volt a történelem óra", Level.CONCERN),  # érde+kes is no compound of kés
        ("a konyhakés tompa, veszünk újat", Level.CONCERN),
        ("anya bevette a vérnyomásgyógyszerét", Level.CONCERN),  # a dose, not an overdose
        ("a vér meg a könnyek a filmben", Level.CONCERN),  # "vér meg" is blood and..., not megver
        ("a kocsiban hagytam a telefonom, a baba alszik", Level.CONCERN),
        ("tartozom a tesómnak egy fagyival", Level.CONCERN),
        ("anya elküldte a képeimet a nagyinak", Level.CONCERN),
        ("egész hétvégén egyedül voltam itthon, unatkoztam", Level.CONCERN),
        ("nem halok meg, csak fáj a fejem", Level.CONCERN),
        ("nem vert meg, csak kiabált", Level.CONCERN),  # negation before a post-verbal prefix
        ("kéregetnek a gyerekek a sarkon", Level.CONCERN),
    ]


@pytest.mark.parametrize("text, at_most", ROUND5_GUARDS)
def test_generalising_mechanisms_guards_hold(screener, text, at_most) -> None:
    assert screener.screen(text).level <= at_most


@pytest.mark.parametrize(
    "text",
    ["csúfolnak a suliban és senki nem áll velem szóba", "nagyon magányos vagyok mostanában",
     "szomorú vagyok és egyedül érzem magam", "kinevetnek az osztályban", "nincsenek barátaim, mindig sírok"],
)
def test_concern_signals_stay_concern(screener, text) -> None:
    """Bullying, sadness and loneliness bring a human closer (concern), never the queue's top (high)."""
    assert screener.screen(text).level is Level.CONCERN


def test_post_verbal_prefix_is_shown_with_its_verb(screener) -> None:
    r = screener.screen("apa vert meg tegnap")
    assert r.level is Level.HIGH and "vert meg" in r.matches


def test_prefix_not_joined_across_a_comma(screener) -> None:
    from bot.safety.normalize import tokenize

    m = screener._matcher
    toks = tokenize("nem enged el, fogdos")
    infos = [m.word(t, [48]) for t in toks]
    joined = m._join_prefixes(toks, infos, [48])
    assert 3 not in joined  # "el" and "fogdos" are in different comma pieces


def test_compound_tail_needs_a_real_first_word(screener) -> None:
    require(screener.uses_hunspell, "compounds need Hunspell (chunspell, in the lock)")
    from bot.safety.normalize import tokenize

    m = screener._matcher
    weapon = m.index["@WEAPON"]
    assert weapon in m._compound(tokenize("konyhakéssel")[0])
    assert not m._compound(tokenize("érdekes")[0])
    assert not m._compound(tokenize("megkésett")[0])  # a verbal prefix is no first word


def test_fuzzy_join_never_makes_immediate(screener) -> None:
    r = screener.screen("ma este onygilkos leszek meg")
    assert r.level is not Level.IMMEDIATE


# ---- families of indirect wording (not phrases of an eval set) ---------------------
# Sentences written for these tests, none taken from an eval part. Groups: night + adult +
# the child's bed/room, payment for access to a child, threats to publish, self-harm without
# the word, means + farewell/urgency, repeated injuries and cover stories, a door being forced,
# young children + hour + cold, sleeping rough, grooming talk.
ROUND6_CATCHES = [
    # night + adult + child's bed/room
    ("múlt éjjel megint átjött a szobámba a nevelőapám", Level.HIGH),
    ("tegnap este is bebújt mellém az ágyba a nagybátyám", Level.HIGH),
    ("a bátyám barátja átmászik hozzám az ágyba, én meg úgy csinálok, mintha aludnék", Level.HIGH),
    ("ott fogdos, ahol nem szabadna", Level.HIGH),
    ("a tanár megkért, hogy csináljak neki dolgokat, és azt mondta, ez titok", Level.HIGH),
    # payment for access
    ("apám pénzt kér a barátaitól, hogy velem lehessenek éjszakára", Level.HIGH),
    ("my stepdad gets paid by men to spend time with me", Level.HIGH),
    ("kedvesnek kell lennem apa haverjaival ma este különben kidob", Level.IMMEDIATE),
    ("mum's boyfriend says i have to be nice to his friends this weekend", Level.HIGH),
    ("ügyfeleket kell fogadnom, mert tartozom a szállásért", Level.HIGH),
    ("a pénzt mind ő kapja, és nem mehetek haza amíg nem törlesztek", Level.HIGH),
    # threat to publish
    ("if you dont pay he says he will post my photos everywhere", Level.HIGH),
    ("she said if i stop sending pics she'll share the old ones with my class", Level.HIGH),
    ("kiszivárogtatta a meztelen képeimet a volt barátom", Level.HIGH),
    ("lefényképezett a zuhany alatt a mostohabátyám", Level.HIGH),
    # cutting / self-harm without the word
    ("started cutting again last week", Level.HIGH),
    ("karcolgatom a combomat egy pengével", Level.HIGH),
    ("i cut my stomach so nobody sees", Level.HIGH),
    # means + farewell / euphemism / urgency
    ("összegyűjtöttem a nyugtatókat, ma éjjel beveszem", Level.IMMEDIATE),
    ("a kötelet már felkötöttem a garázsban", Level.HIGH),
    ("örökre el akarok aludni, ne keressetek", Level.IMMEDIATE),
    ("a zsilett a kezemben van és nem tudok leállni", Level.IMMEDIATE),
    ("már egyszer megpróbáltam tavaly, most sem bírom ki", Level.HIGH),
    # repeated marks / cover story
    ("megint monoklival jött suliba a kisfiú", Level.HIGH),
    ("anya azt mondta, mondjam a doktornak, hogy elestem a biciklivel", Level.HIGH),
    ("a nyakán lila foltok vannak megint", Level.HIGH),
    ("otthon ütnek engem ha rossz jegyet hozok", Level.HIGH),
    ("a párja megtépte anyut tegnap este", Level.HIGH),
    ("he broke her arm last month", Level.HIGH),
    # door forced / weapon approaching
    ("részegen rángatja a kilincset és ordít, bezárkóztam", Level.IMMEDIATE),
    ("bottal jön felém a mostohám", Level.HIGH),
    ("szétrúgja az ajtót most a szomszéd", Level.IMMEDIATE),
    ("holnap megkésel, bicska van nála", Level.IMMEDIATE),
    # neglect: young child + time + cold; baby crying since
    ("egy ovis kisfiú áll a bolt előtt este 9 kor, a szülei nem elérhetők, fagy van", Level.IMMEDIATE),
    ("hajnal óta sír a csecsemő a szomszédban, senki nincs otthon", Level.IMMEDIATE),
    ("the twins next door are alone at night and begging for food", Level.HIGH),
    # homeless
    ("egy hete egy lépcsőházban alszom", Level.HIGH),
    ("kirúgtak otthonról, már sötét van és a parkban ülök", Level.IMMEDIATE),
    ("megszöktem az intézetből két napja", Level.HIGH),
    # grooming in English
    ("my tutor says im really mature for my age and wants me to visit his place alone", Level.HIGH),
]


@pytest.mark.parametrize("text, at_least", ROUND6_CATCHES)
def test_indirect_wording_families_catch(screener, text, at_least) -> None:
    assert screener.screen(text).level >= at_least


# Games, scores, food, one tablet for a symptom, a sibling's joke with laughter, escape rooms,
# quarrels with a closed door, real words typed without accents, accidents, definitions.
ROUND6_GUARDS = [
    ("lelőttem a főgonoszt a játékban végre", Level.CONCERN),
    ("megvertük őket 3-1-re a döntőben", Level.CONCERN),
    ("véres hurka volt ebédre a nagyinál", Level.CONCERN),
    ("bevettem egy paracetamolt lázra", Level.CONCERN),
    ("took a painkiller for my headache", Level.CONCERN),
    ("a húgom megfojt ha megtudja 😂", Level.CONCERN),
    ("a tesóm megöl ha meglátja a szobáját xd", Level.CONCERN),
    ("escape roomban voltunk, bezártak minket egy szobába", Level.CONCERN),
    ("a szüleim néha kiabálnak, olyankor bezárkózom és olvasok", Level.CONCERN),
    ("megéri ma este elmenni a moziba?", Level.NONE),
    ("ez a könyv megéri az árát", Level.NONE),
    ("véletlenül megvágtam a kezem krumplipucolás közben", Level.CONCERN),
    ("a kutyám mindig bebújik mellém az ágyba", Level.CONCERN),
    ("a baba kicsit sovány, de a doki szerint rendben van", Level.CONCERN),
    ("ez már bántalmazásnak számít?", Level.CONCERN),
    ("a kötél fent van a tornateremben a mászáshoz", Level.CONCERN),
    ("kicsit fáradt vagyok, ma este korán elalszom", Level.NONE),
    ("ügyfeleket kell fogadnom holnap a munkahelyen, ki viszi a gyereket oviba?", Level.CONCERN),
    ("a pénzt ő kapja a nagyitól a születésnapjára", Level.CONCERN),
    ("the tournament final was brutal, we killed them 4-0", Level.CONCERN),
    ("be nice to your friends at school", Level.NONE),
    ("megint kék folt van a térdemen a focitól", Level.CONCERN),
    ("mondjam el, hogy elestem a lépcsőn a suliban? nagyon ciki", Level.CONCERN),
]


@pytest.mark.parametrize("text, at_most", ROUND6_GUARDS)
def test_indirect_wording_guards_hold(screener, text, at_most) -> None:
    assert screener.screen(text).level <= at_most


def test_urgency_lifts_a_high_match_to_immediate(screener) -> None:
    calm = screener.screen("a netes ismerősöm azt írta, ha nem megyek el, kiteszi a képeimet")
    now = screener.screen("a netes ismerősöm azt írta, ha nem megyek el, kiteszi a képeimet, 10 perc múlva ott lesz")
    assert calm.level is Level.HIGH and now.level is Level.IMMEDIATE


def test_laughing_face_is_a_joke_marker_but_crying_is_not() -> None:
    from bot.safety.normalize import tokenize

    assert [t.folded for t in tokenize("haha \U0001F602")] == ["haha", "xd"]
    assert [t.folded for t in tokenize("segits \U0001F62D")] == ["segits"]


def test_laughter_never_caps_physical_abuse(screener) -> None:
    assert screener.screen("apa megvert tegnap \U0001F602").level >= Level.HIGH


def test_medicine_purpose_needs_a_single_dose(screener) -> None:
    assert screener.screen("bevettem egy algopyrint fejfájásra").level <= Level.CONCERN
    assert screener.screen("bevettem az összes algopyrint fejfájásra").level is Level.IMMEDIATE


def test_fuzzy_skip_word_is_never_typo_corrected(screener) -> None:
    assert screener.screen("megeri").level is Level.NONE
    assert screener.screen("megveri anyut").level >= Level.HIGH


def test_guards_with_the_classifier() -> None:
    # The default screen (lexicon + classifier) on every false friend above: the classifier may
    # mark one "concern" (a soft flag, no handoff), but must not send them to the queue. Known
    # exceptions, named so that any other one fails: "anya bevette a vérnyomásgyógyszerét" (a
    # normal dose, since the classifier was switched on) and, with the classifier retrained on
    # real text, "anya elküldte a képeimet a nagyinak" (0.99: short, about pictures and a
    # parent). A lexicon guard for it would also hide "... a meztelen képeimet ...", so an
    # operator reads it and returns it.
    known = {"anya bevette a vérnyomásgyógyszerét", "anya elküldte a képeimet a nagyinak"}
    default = default_screener()
    to_queue = [t for t, _lvl in ROUND5_GUARDS + ROUND6_GUARDS if default.screen(t).level >= Level.HIGH]
    assert set(to_queue) <= known, to_queue


@pytest.mark.parametrize("text, level", [
    ("a lányom azt írta, bocsánatot kér mindenért, és azóta nem veszi fel a telefont", Level.IMMEDIATE),
    ("my brother texted thanks for everything and sorry, now his phone is off", Level.IMMEDIATE),
    ("a baratom irta h ne keressuk tobbet, azota nem valaszol", Level.IMMEDIATE),
    ("köszönök mindent, szia", Level.NONE),  # a thank-you to the bot is not a farewell
    ("anya nem veszi fel a telefont, mit csináljak", Level.NONE),  # silence alone is not danger
])
def test_farewell_then_silence(screener, text, level) -> None:
    assert screener.screen(text).level is level
