"""The labelled evaluation set: recall and false-alarm targets of issue 3.

Parts: ``tune`` (the lexicon was adjusted while looking at it), ``heldout``
(written before the lexicon) and ``blind`` (written and committed in round 2
before the screen was ever run on it; its first figures were immediate 0.560,
high+ 0.742, none->high+ 0.133; the round-2 rules were then written partly from
its misses, so its figures now are optimistic too).

Fresh parts, each written and committed before the screen was first run on it:
``fresh`` (63 msgs, after round 2; first figures immediate 0.667, high+ 0.872,
none->high+ 0.067), ``fresh2`` (254 msgs, written in round 3 before the lexicon or
the matcher was read; first figures immediate 0.482, high+ 0.643, none->high+
0.057). Round 3 then used the misses of ``fresh`` and ``fresh2`` (as word
families, phrase shapes and context rules, not their exact words), so both are
tuned sets now. ``fresh3`` (117 msgs) was written after round 3 and measured once:
immediate 0.500, high+ 0.567, none->high+ 0.100; round 4 then used its misses, so
it is tuned too. ``fresh4`` (95 msgs) was written after round 4 and measured once:
immediate 0.500, high+ 0.492, none->high+ 0.100 - the honest generalisation figure
now, and the lesson of rounds 3 and 4: each round fixes what it has seen, while
the figure on wording nobody has seen stays near one half. The statistical second
signal (bot/safety/classifier.py, trained on every part but fresh4, off by default)
measured once on fresh4: high+ 0.508 at its guarded threshold, 0.794 at its CV
threshold but with none->high+ 0.150 and ordinary NLU examples raised (tests here use
the default screener, which was the lexicon alone then).

Round 5 made ``fresh4`` a tuning set, but for mechanisms, not phrases: separated verbal
prefixes glued back to their verb ("vert meg", "szöktem el", "meg fog verni"), free
word order with a window (``A &N B`` in lexicon.yml), compound endings after a real
first word ("konyhakéssel"), and semantic classes combined in free order (means +
act, captivity verb + place, undressing + camera, papers + withheld, child + car +
left ...), plus general false-friend guards ("die my hair", "killing it", sports in a
game context). fresh4 before round 5: immediate 0.500, high+ 0.508, none->high+
0.100; after: immediate 1.000, high+ 1.000, none->high+ 0.000 (tuned, so optimistic).
The other parts did not move (fresh3 still immediate 0.923, high+ 0.985).

``fresh5`` (206 msgs, session 3) was written by someone who had not seen the lexicon or any
other part, kept sealed outside the repository during round 5 and measured once after it:
with the round-4 screen immediate 0.587, high+ 0.639, none->high+ 0.081; with round 5
immediate 0.674, high+ 0.704, none->high+ 0.097. The mechanisms of round 5 carried over
(+0.09 immediate, +0.07 high+), but unseen wording is still caught about seven times in ten.

Round 6 made ``fresh5`` a tuning set, again for families of wording rather than its phrases:
urgency words lifting a high match ("20 perc múlva", "már indulok", "már sötét van", blade
"a kezemben" + "nem tudok leállni"); night + the child's bed/room with past forms, pretending
to sleep, "where he shouldn't"; payment for access to a child, "be nice to his friends",
clients + debt/minor, earnings taken + abroad/not allowed home; threats to publish in English
("if i dont ... he'll post ... pics") and leaked intimate images; cutting without the word and
more body parts; means collected or a rope already up; farewell markers ("ne keressetek",
"ennyi volt") that count only with means or intent; "végleg elalszom"; repeated injuries
(REPEAT + marks, marks on a body part), cover stories ("mondjam, hogy elestem"); a door being
forced + drunk; a weapon or belt "coming at me"; young school children + hour + cold; sleeping
in car parks and stairwells; grooming talk ("mature for my age") + meeting alone. Guards: one
tablet for a symptom, sports scores, games/bosses, black pudding, escape rooms, a sibling's
threat followed by laughter (laughing faces become the token "xd"), quarrels (not rampage) +
a closed door stay below immediate, and real words typed without accents are never
typo-corrected (settings.fuzzy_skip: "megeri"). fresh5 before round 6: immediate 0.674,
high+ 0.704, none->high+ 0.097, concern->high+ 0.139; after: immediate 1.000, high+ 1.000,
none->high+ 0.000, concern->high+ 0.028 (tuned, so optimistic; the once-measured figure above
is the honest one). fresh3 moved from immediate 0.923 to 0.962 (a trafficking booster: men
or clients coming "este"/tonight to a child who is held); the other parts did not move. The
round-6 unit-test sentences (written for the tests, not taken from any part, but by the author
of the rules) held 39 of 40 catches and
21 of 23 guards on their first run: a check of the mechanisms, not an unseen-wording figure.

The classifier (session 3) is on by default now, trained with ordinary chat as negatives on
every part but ``fresh6``; these tests measure the default screen, so on the parts it was
trained on they are optimistic twice over. ``fresh6`` (204 msgs) was written by someone who had
seen neither the lexicon nor any part, kept sealed outside the repository during round 6 and
the classifier's training, and measured once after both: lexicon alone immediate 0.511, high+
0.523, none->high+ 0.097, concern->high+ 0.171; default screen (lexicon + classifier)
immediate 0.511, high+ 0.888, none->high+ 0.145, concern->high+ 0.486, and 0.972 of the high+
messages scored at least concern. The lesson of rounds 3-6: tuning the lexicon does not carry
over to new wording (~0.5 each time); the classifier does (0.52 -> 0.89 high+), at the price of
more false friends and concern messages in the queue. It never makes a message immediate: 22
of the 23 immediate messages it caught went to the queue as high, without the 112-first reply.

Then (fresh6 now a tuning set): a booster for what the classifier raises (``signal_now`` in
lexicon.yml: "most", "ma este", "20 perc múlva", "nem mozdul", "vérzik", "az ajtóban" ...
with the same "not now" exceptions as the lexicon's own urgency boosters) makes it immediate;
the classifier was retrained with fresh6 and a guard that tolerates one ordinary example in a
thousand (a single odd one had set t_high to 0.95). fresh6 after: immediate 0.809, high+
0.944, none->high+ 0.113 (tuned). ``fresh7`` (200 msgs), written by someone who had seen
neither the lexicon, the classifier nor any part, sealed until then, measured once with this
final screen: default immediate 0.733, high+ 0.924, none->high+ 0.133, concern->high+ 0.371,
every high+ message at least concern; lexicon alone 0.556 / 0.648 / 0.067. It is the
classifier's held-out set (HELD_OUT) until the next sealed part is written.

fresh7's immediate misses were urgency said through a situation ("hörög", "nem ébred fel, üres
üveg mellette", "már félig betörte a zárat"), which no time word names. So a second model
(classifier.train_now: immediate against the rest, same features, trained without fresh7) now
lifts a `high` message to `immediate` at a threshold that lifts at most 5 % of `high` messages
out of fold. On fresh7, which it never saw: immediate 33 -> 43 of 45 (0.733 -> 0.956), at the
price of 7 more `high` messages (21 of 60) and one `concern` treated as immediate (the two
false friends it lifted were already high). The other parts: fresh6 38 -> 44 of 47 (tuned),
tuned parts unchanged or +1.

Last, a lexicon combo seen in both fresh6 and fresh7: a farewell reported by someone else
("bocsánatot kér mindenért", "köszön mindent", "ne keressük") and then silence ("azóta nem
veszi fel", "ki van kapcsolva") is immediate. fresh7, now tuned: 0.978 / 0.933 / 0.133.

``disguise`` (90 msgs, issue 11 item 13): 45 messages written for it (every category and
level, hard negatives too), each typed twice through a disguise: variation selectors, the
combining grapheme joiner, zero-width and tag characters, Hangul fillers for spaces, Cyrillic
and Greek look-alikes, small capitals, leet digits, letter-spaced words, repeated letters. The
level is the plain form's; a comment line above each row gives the plain form. Before the
normaliser read through disguise: default screen immediate 0.333, high+ 0.283, none->high+
0.050 (lexicon alone 0.250 / 0.217 / 0.050); after: 1.000 / 1.000 / 0.000 both, every row
scoring as its plain form (written by the author of the normaliser: a check of the mechanisms).

Issue 13: both models retrained (scikit-learn) with ~64,000 windows of real text as negatives and
scored per sentence window, thresholds set on the corpora's tune splits (bench/safety_real.py).
fresh7 (still never trained on): 0.956 / 0.886 / 0.083 - fewer false alarms, lower high+ recall.

Targets (on all parts together, and on each part):
recall of `immediate` >= 0.95, recall of `high`-or-above >= 0.97, share of
`none` messages scored `high` or above <= 0.03. Run this file with `-s` to see
the figures and every miss.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.safety import default_screener
from bot.screening import Level

DATA = Path(__file__).parent / "data"
PARTS = {
    "tune": DATA / "safety_eval_tune.tsv",
    "heldout": DATA / "safety_eval_heldout.tsv",
    "blind": DATA / "safety_eval_blind.tsv",
}


def load_part(path: Path) -> list[tuple[Level, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        level, category, text = line.split("\t", 2)
        rows.append((Level(level), category, text))
    return rows


def metrics(rows: list[tuple[Level, str, str]]) -> dict:
    screener = default_screener()
    got = [(want, screener.screen(text).level, text) for want, _cat, text in rows]
    imm = [g for w, g, _ in got if w is Level.IMMEDIATE]
    hi = [g for w, g, _ in got if w >= Level.HIGH]
    none = [g for w, g, _ in got if w is Level.NONE]
    return {
        "n": len(rows),
        "recall_immediate": sum(g is Level.IMMEDIATE for g in imm) / len(imm),
        "recall_high_plus": sum(g >= Level.HIGH for g in hi) / len(hi),
        "false_alarm_none": sum(g >= Level.HIGH for g in none) / len(none),
        "misses": [(w.value, g.value, t) for w, g, t in got
                   if w >= Level.HIGH and (g < Level.HIGH or (w is Level.IMMEDIATE and g is not Level.IMMEDIATE))],
        "false_alarms": [(w.value, g.value, t) for w, g, t in got if w is Level.NONE and g >= Level.HIGH],
    }


def report(name: str, m: dict) -> None:
    print(f"\n[{name}] n={m['n']} recall(immediate)={m['recall_immediate']:.3f} "
          f"recall(high+)={m['recall_high_plus']:.3f} none->high+={m['false_alarm_none']:.3f}")
    for w, g, t in m["misses"]:
        print(f"  MISS want={w} got={g}: {t}")
    for _w, g, t in m["false_alarms"]:
        print(f"  FALSE ALARM got={g}: {t}")


def test_eval_set_is_big_and_mixed() -> None:
    rows = [r for p in PARTS.values() for r in load_part(p)]
    hungarian = [t for _l, _c, t in rows if not t.isascii() or " a " in f" {t} " or " es " in f" {t} "]
    assert len(rows) >= 400
    unaccented = [t for _l, _c, t in rows if t.isascii()]
    assert len(unaccented) >= len(rows) / 3 * 0.9  # about a third typed without accents (includes English)
    assert {lv for lv, _c, _t in rows} == set(Level)
    assert len(hungarian) > 300


def test_blind_set_is_big_and_mixed() -> None:
    rows = load_part(PARTS["blind"])
    assert len(rows) >= 200
    assert sum(t.isascii() for _l, _c, t in rows) >= len(rows) / 3
    assert {lv for lv, _c, _t in rows} == set(Level)
    cats = {c for lv, c, _t in rows if lv is not Level.NONE}
    assert cats == {"life_threat", "suicide_self_harm", "physical_abuse", "sexual_abuse", "trafficking",
                    "neglect", "domestic_violence", "runaway_homeless", "bullying"}


FRESH = {name: DATA / f"safety_eval_{name}.tsv"
         for name in ("fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7")}
# Two sealed parts are below the targets. They are not expected failures (an xfail that cannot
# fail hides a regression): each has a floor at the figures measured on 2026-12-03, and the
# test fails if the screen falls under it. Raise a floor when the screen gets better; the
# history of these parts is in bench/README.md.
#   fresh6 (204 msgs), measured once: immediate 0.511, high+ 0.888, none->high+ 0.145; after
#   signal_now and the classifier trained on it 0.809 / 0.944 / 0.113; today 1.000 / 0.991 / 0.097.
#   fresh7 (200 msgs, the classifiers' held-out set, never trained on), measured once: 0.733 /
#   0.924 / 0.133; issue 13: 0.956 / 0.886 / 0.083; session 5: 0.978 / 0.895 / 0.050; session 6
#   (fresh8 + fresh9 in training, project negatives weighted, the joint immediate model): 1.000 /
#   0.905 / 0.050. Session 9 (sentence units, data13's written13 and written13b rows, fresh11's dev
#   half only, the round-10 lexicon): 0.978 / 0.933 / 0.050 - one immediate message left at high.
TARGETS = (0.95, 0.97, 0.03)  # recall immediate, recall high+, none->high+ at most
FLOORS = {"fresh6": (1.0, 0.990, 0.097), "fresh7": (1.0, 0.904, 0.051)}
# fresh3 (117 msgs) was measured once after round 3: immediate 0.500, high+ 0.567, none->high+ 0.100;
# rounds 4 and 5 reached 0.923 / 0.985 / 0.000, round 6 (urgency for trafficking: "este jönnek a
# férfiak") 0.962 / 0.985 / 0.000, so it meets the targets and is no longer an expected failure.

# fresh5 (206 msgs, sealed during round 5) was measured once after it: immediate 0.674, high+ 0.704,
# none->high+ 0.097 (round-4 screen: 0.587 / 0.639 / 0.081). Tuned in round 6 (1.000 / 1.000 / 0.000),
# it meets the targets and is no longer an expected failure.


DISGUISE = DATA / "safety_eval_disguise.tsv"


@pytest.mark.parametrize(
    "part",
    ["tune", "heldout", "blind", "all", "disguise", "fresh", "fresh2",
     "fresh3", "fresh4", "fresh5", "fresh6", "fresh7"],
)
def test_targets(part: str) -> None:
    if part == "all":
        rows = [r for p in PARTS.values() for r in load_part(p)]
    elif part == "disguise":
        rows = load_part(DISGUISE)
    else:
        rows = load_part(FRESH[part] if part in FRESH else PARTS[part])
    m = metrics(rows)
    report(part, m)
    immediate, high_plus, false_alarms = TARGETS
    if part in FLOORS:  # below the targets: never below today's figures
        floor = FLOORS[part]
        immediate, high_plus = min(immediate, floor[0]), min(high_plus, floor[1])
        false_alarms = max(false_alarms, floor[2])
    assert m["recall_immediate"] >= immediate, m["misses"]
    assert m["recall_high_plus"] >= high_plus, m["misses"]
    assert m["false_alarm_none"] <= false_alarms, m["false_alarms"]


@pytest.mark.parametrize("part, at_least", [("fresh2", 200), ("fresh3", 80), ("fresh4", 80), ("fresh5", 200),
                                              ("fresh6", 200), ("fresh7", 200)])
def test_fresh_parts_are_big_and_mixed(part: str, at_least: int) -> None:
    rows = load_part(FRESH[part])
    assert len(rows) >= at_least
    assert sum(t.isascii() for _l, _c, t in rows) >= len(rows) / 3  # unaccented Hungarian and English
    assert {lv for lv, _c, _t in rows} == set(Level)
    cats = {c for lv, c, _t in rows if lv is not Level.NONE}
    assert cats == {"life_threat", "suicide_self_harm", "physical_abuse", "sexual_abuse", "trafficking",
                    "neglect", "domestic_violence", "runaway_homeless", "bullying"}


def test_disguise_part_scores_like_its_plain_forms() -> None:
    """Each disguised row gets the plain form's level and categories (the comment line above it)."""
    screener = default_screener()
    lines = DISGUISE.read_text(encoding="utf-8").splitlines()
    pairs = [(lines[i - 1].split(": ", 1)[1], line.split("\t", 2)[2]) for i, line in enumerate(lines)
             if line.strip() and not line.startswith("#")]
    assert len(pairs) >= 80
    differ = [plain for plain, disguised in pairs
              if (screener.screen(plain).level, screener.screen(plain).categories)
              != (screener.screen(disguised).level, screener.screen(disguised).categories)]
    assert not differ, differ
    rows = load_part(DISGUISE)
    assert {lv for lv, _c, _t in rows} == set(Level)
    assert {c for lv, c, _t in rows if lv is not Level.NONE} == {
        "life_threat", "suicide_self_harm", "physical_abuse", "sexual_abuse", "trafficking",
        "neglect", "domestic_violence", "runaway_homeless", "bullying"}


FRESH8 = DATA / "sealed" / "safety_eval_fresh8.tsv"


def test_fresh8_recall_targets() -> None:
    """fresh8 (354 msgs, session 4) was measured once: default screen immediate 0.797, high+ 0.844,
    none->high+ 0.130. Tuned in session 5 (lexicon families; never trained on by the classifier,
    it stays in tests/data/sealed/), it must keep the issue's recall targets. Its false alarms on
    `none` (0.061 after session 5, target 0.03: long ordinary child-voice paragraphs the classifier
    raises) are still above target, so only a ceiling of 0.07 (8 of 115) is asserted here."""
    m = metrics(load_part(FRESH8))
    report("fresh8", m)
    assert m["recall_immediate"] >= 0.95, m["misses"]
    assert m["recall_high_plus"] >= 0.97, m["misses"]
    # session 6 (the classifier trained on fresh8 too): 1.000 / 1.000 / 0.009, so the target holds
    assert m["false_alarm_none"] <= 0.03, m["false_alarms"]


FRESH9 = DATA / "sealed" / "safety_eval_fresh9.tsv"


def test_fresh9_recall_targets() -> None:
    """fresh9 (414 msgs, session 5) was measured once: default screen immediate 0.684, high+ 0.787,
    none->high+ 0.065. Session 6 trained both models on it (not the lexicon), so these figures are
    optimistic: 1.000 / 0.995 / 0.036. Out of fold (models that never saw fresh9, recorded in
    classifier_now.json) it was 0.697 / 0.803 / 0.059: the honest figure for new wording. Floors:
    the targets for recall, today's figure for false alarms (6 short `none` messages that the
    lexicon itself raises)."""
    m = metrics(load_part(FRESH9))
    report("fresh9", m)
    assert m["recall_immediate"] >= 0.95, m["misses"]
    assert m["recall_high_plus"] >= 0.97, m["misses"]
    assert m["false_alarm_none"] <= 0.036, m["false_alarms"]


FRESH10 = DATA / "sealed" / "safety_eval_fresh10.tsv"


def test_fresh10_recall_targets() -> None:
    """fresh10 (450 msgs, session 6) was measured once: default screen immediate 0.874, high+ 0.881,
    none->high+ 0.060. Session 7 tuned the lexicon on the kinds it missed and trained both models on
    it, so these figures are optimistic (1.000 / 0.990 / 0.027); out of fold (models that never saw
    fresh10, recorded in classifier_now.json) 0.885 / 0.930 / 0.060, and the lexicon was written from
    its misses. Floors: the targets for recall, today's figures for false alarms."""
    m = metrics(load_part(FRESH10))
    report("fresh10", m)
    assert m["recall_immediate"] >= 0.95, m["misses"]
    assert m["recall_high_plus"] >= 0.97, m["misses"]
    assert m["false_alarm_none"] <= 0.03, m["false_alarms"]
