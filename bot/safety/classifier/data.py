"""Training data: the eval sets, the ordinary chat examples and the real corpora, read once."""
from __future__ import annotations

import random
import sys
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.safety.classifier.features import (
    BITS,
    pair_feature,
    sentence_texts,
    sentences,
    window_texts,
    windows,
    word_features,
    words,
)
from bot.safety.classifier.recipe import (
    DATA,
    DISTRESS_CUES,
    DISTRESS_POSITIVE_GROUPS,
    DISTRESS_WINDOWS_PER_POST,
    HALF_SEED,
    HELD_OUT,
    NLU,
    NOT_TRAINING,
    ORDINARY,
    ORDINARY_INTENTS,
    REAL_BUDGET,
    REDDIT_UNIT,
    SEALED,
    SEALED_HALF,
    SEALED_TRAINING,
    SEED,
    SENTENCE_UNITS,
    SPLIT_LONG_NEGATIVES,
    SUPPORT_NEGATIVE_GROUPS,
    SUPPORT_UNIT,
    TRAINING_ONLY,
)


def load_rows(paths: Iterable[Path], halves: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(level, category, text) rows of the eval TSV files; of a set named in ``halves`` only that
    half (``half``)."""
    rows = []
    for path in paths:
        got = []
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            level, category, text = line.split("\t", 2)
            got.append((level, category, text))
        which = (halves or {}).get(set_name(path))
        rows += half(got, which) if which else got
    return rows


def half(rows: list[tuple[str, str, str]], which: str, seed: int = HALF_SEED) -> list[tuple[str, str, str]]:
    """One half of a set's rows, drawn per wanted level with a fixed seed: the same halves as
    ``bench/safety_sealed.py --half dev|held``."""
    keep: set[int] = set()
    for level in ("none", "concern", "high", "immediate"):
        idx = [i for i, row in enumerate(rows) if row[0] == level]
        random.Random(f"{seed}:{level}").shuffle(idx)
        cut = (len(idx) + 1) // 2
        keep.update(idx[:cut] if which == "dev" else idx[cut:])
    return [row for i, row in enumerate(rows) if i in keep]


def default_paths() -> list[Path]:
    """Every eval set in tests/data but HELD_OUT and NOT_TRAINING, plus SEALED_TRAINING and the
    hand-written TRAINING_ONLY files."""
    return [p for p in sorted(DATA.glob("safety_eval_*.tsv"))
            if p.stem.removeprefix("safety_eval_") not in HELD_OUT + NOT_TRAINING] + [
        SEALED / f"safety_eval_{name}.tsv" for name in SEALED_TRAINING] + [
        DATA / f"{name}.tsv" for name in TRAINING_ONLY if (DATA / f"{name}.tsv").exists()]


def set_name(path: Path) -> str:
    return Path(path).stem.removeprefix("safety_eval_")


def is_danger(level: str) -> int:
    return 1 if level in ("high", "immediate") else 0


def is_now(level: str) -> int:
    return 1 if level == "immediate" else 0


def ordinary_texts(root: Path = NLU) -> list[str]:
    """NLU examples of the ordinary intents (greetings, FAQ, personas ...), entity markup removed."""
    import re

    import yaml

    out: list[str] = []
    for f in sorted(Path(root).glob("*/nlu.yml")):
        for item in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            if (item.get("intent") or "").split("/")[0] in ORDINARY_INTENTS:
                for line in str(item.get("examples", "")).splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        out.append(re.sub(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})", r"\1", line[2:]))
    return out


def ordinary_digest(texts: list[str]) -> str:
    """SHA-256 of the ordinary chat examples in order: what the weights were trained on."""
    import hashlib

    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


def training_rows(paths: list[Path], ordinary: bool = True) -> list[tuple[str, str, str]]:
    """The eval rows of ``paths`` plus, as negatives, the ordinary chat examples."""
    rows = load_rows(paths, SEALED_HALF)
    if ordinary:
        rows += [("none", ORDINARY, t) for t in ordinary_texts()]
    return rows


def _lexicon():
    from bot.safety import LexiconScreener  # late: the screener imports this module

    return LexiconScreener(classifier=False)


def _trainable_group(corpus: str, group: str) -> bool:
    """Reddit's distress and mental-health groups are neither harmless nor labelled: left out."""
    from bot.safety import corpora

    return corpus != "reddit_rmhd" or group in corpora.ORDINARY_GROUPS


def real_negatives(lexicon, seed: int = SEED, budget: dict[str, int] | None = None) -> tuple[list[str], dict]:
    """Windows of real `train` text the lexicon leaves below high, and what was taken from where."""
    from bot.safety import corpora
    from bot.screening import Level

    budget = REAL_BUDGET if budget is None else budget
    out: list[str] = []
    counts: dict = {}
    for name in corpora.names():
        if name not in budget:
            continue
        rows = [r for r in corpora.load(name) if r.split == "train" and r.text.strip()
                and _trainable_group(name, r.group)]
        rng = random.Random(f"{seed}:{name}")
        rows = rng.sample(rows, min(budget[name], len(rows)))
        kept = dropped = 0
        for r in rows:
            if lexicon.screen(r.text).level >= Level.HIGH:  # maybe real danger: never taught as harmless
                dropped += 1
                continue
            wins = window_texts(r.text) + (sentence_texts(r.text) if SENTENCE_UNITS else [])
            out.extend(wins)
            kept += 1
            counts.setdefault(f"{name}:windows", 0)
            counts[f"{name}:windows"] += len(wins)
        counts[name] = {"rows": kept, "left_out_lexicon_high": dropped,
                        "windows": counts.pop(f"{name}:windows", 0)}
    return out, counts


def distress_positives(seed: int = SEED) -> tuple[list[str], dict]:
    """Windows of real distress posts (``DISTRESS_POSITIVE_GROUPS``, `train` split only) that name
    dying, ending it or a method (``DISTRESS_CUES``): positives written by people in crisis, in
    their own words, not by the project."""
    from bot.safety import corpora

    out: list[str] = []
    counts: dict = {}
    if "reddit_rmhd" not in corpora.names():
        return out, counts
    rows = [r for r in corpora.load("reddit_rmhd") if r.split == "train" and r.group in DISTRESS_POSITIVE_GROUPS
            and r.text.strip()]
    rows.sort(key=lambda r: zlib.crc32(f"{seed}|{r.text}".encode()))  # a fixed order, independent of the file's
    for r in rows:
        scored = [(len(DISTRESS_CUES.intersection(w.words)), -k, w) for k, w in enumerate(windows(r.text))]
        kept = [w for n, _k, w in sorted(scored, key=lambda x: x[:2], reverse=True)[:DISTRESS_WINDOWS_PER_POST] if n]
        out.extend(r.text[w.start : w.end] for w in kept)
        counts[r.group] = counts.get(r.group, 0) + len(kept)
        if SENTENCE_UNITS:  # the clauses of a kept window that name dying or a method, alone
            sens = [t[s.start : s.end] for t in (r.text[w.start : w.end] for w in kept) for s in sentences(t)
                    if DISTRESS_CUES.intersection(s.words)]
            out.extend(sens)
            counts["sentences"] = counts.get("sentences", 0) + len(sens)
    counts["posts"] = len(rows)
    return out, counts


def support_negatives(lexicon, seed: int = SEED) -> tuple[list[str], dict]:
    """Windows of support-group posts (SUPPORT_NEGATIVE_GROUPS, `train` split) that name neither
    dying nor a method, from posts the lexicon leaves below high: troubled but not in danger."""
    from bot.safety import corpora
    from bot.screening import Level

    out: list[str] = []
    counts: dict = {"posts": 0, "left_out_lexicon_high": 0, "windows_left_out_cues": 0}
    if not SUPPORT_NEGATIVE_GROUPS or "reddit_rmhd" not in corpora.names():
        return out, counts
    rows = [r for r in corpora.load("reddit_rmhd") if r.split == "train" and r.group in SUPPORT_NEGATIVE_GROUPS
            and r.text.strip()]
    rows.sort(key=lambda r: zlib.crc32(f"{seed}|{r.text}".encode()))
    for r in rows:
        if lexicon.screen(r.text).level >= Level.HIGH:
            counts["left_out_lexicon_high"] += 1
            continue
        counts["posts"] += 1
        for w in windows(r.text) + (sentences(r.text) if SENTENCE_UNITS else []):
            if DISTRESS_CUES.intersection(w.words):
                counts["windows_left_out_cues"] += 1
                continue
            out.append(r.text[w.start : w.end])
    counts["windows"] = len(out)
    return out, counts


def real_tune(lexicon) -> list[tuple[str, str, str, bool, bool]]:
    """(corpus key, lang, text, lexicon high+, suppressed) of every real `tune` row used for thresholds;
    Reddit's distress and mental-health groups are left out (they are not ordinary text)."""
    from bot.safety import corpora
    from bot.screening import Level

    out = []
    for name in corpora.names():
        for r in corpora.load(name):
            if r.split != "tune" or not r.text.strip() or not _trainable_group(name, r.group):
                continue
            res, sup = lexicon.screen_detail(r.text)
            out.append((name, r.lang, r.text, res.level >= Level.HIGH, sup))
    return out



@dataclass
class Data:
    """Everything one training run reads, built once (both models use it)."""

    rows: list[tuple[str, str, str]]  # project rows: eval sets + ordinary chat
    unit_rows: list[int]  # for each training unit, its project row (-1: real negative, -2: real distress positive)
    texts: list[str]
    real_counts: dict
    tune: list[tuple[str, str, str, bool, bool]]
    lex_levels: list[str]
    lex_suppressed: list[bool]
    distress_counts: dict = field(default_factory=dict)  # real distress positives taken (distress_positives)
    groups: list[str] = field(default_factory=list)  # each project row's eval set (ordinary chat: spread over them)
    counts: object = None
    totals: object = None
    idf: object = None
    row_windows: list[int] = field(default_factory=list)  # windows of each project row (training.row_windows)
    tune_windows: list[int] = field(default_factory=list)  # windows of each `tune` row


def build(paths: list[Path], ordinary: bool = True, real: bool = True, verbose: bool = False) -> Data:
    lexicon = _lexicon()
    rows = training_rows(paths, ordinary)
    texts, unit_rows = [], []
    for i, (level, _c, t) in enumerate(rows):
        # A harmless row is scored by its most worrying window, so each window is a negative
        # (SPLIT_LONG_NEGATIVES); a danger row stays whole: which window holds the danger is unknown.
        wins = window_texts(t) if SPLIT_LONG_NEGATIVES and not is_danger(level) else []
        units = wins if len(wins) > 1 else [t]
        if SENTENCE_UNITS and not is_danger(level):  # and each of its clauses alone (SENTENCE_UNITS)
            units = units + sentence_texts(t)
        for unit in units:
            texts.append(unit)
            unit_rows.append(i)
    real_counts: dict = {}
    distress_counts: dict = {}
    tune: list = []
    if real:
        other = {k: v for k, v in REAL_BUDGET.items() if k != "reddit_rmhd"}
        neg, real_counts = real_negatives(lexicon, budget=other)
        texts += neg
        unit_rows += [-1] * len(neg)
        posts, reddit_counts = real_negatives(lexicon, budget={"reddit_rmhd": REAL_BUDGET["reddit_rmhd"]})
        texts += posts
        unit_rows += [REDDIT_UNIT] * len(posts)
        real_counts.update(reddit_counts)
        support, support_counts = support_negatives(lexicon)
        texts += support
        unit_rows += [SUPPORT_UNIT] * len(support)
        if support:
            real_counts["reddit_support_groups"] = support_counts
        pos, pos_counts = distress_positives()
        texts += pos
        unit_rows += [-2] * len(pos)
        distress_counts = pos_counts
        tune = real_tune(lexicon)
    levels, suppressed = [], []
    for _l, _c, t in rows:
        res, sup = lexicon.screen_detail(t)
        levels.append(res.level.value)
        suppressed.append(sup)
    data = Data(rows, unit_rows, texts, real_counts, tune, levels, suppressed, distress_counts,
                row_groups(paths, len(rows)))
    from sklearn.feature_extraction.text import TfidfTransformer

    data.counts, data.totals = _matrix(texts)
    data.idf = TfidfTransformer(smooth_idf=True).fit(data.counts).idf_  # unsupervised: all units
    if verbose:
        print(f"units: {len(texts)} ({len(rows)} project rows, {len(texts) - len(rows)} real windows)",
              file=sys.stderr)
    return data


def row_groups(paths: list[Path], n_rows: int) -> list[str]:
    """The eval set of each project row; the ordinary chat rows after them are dealt out over the
    sets in turn, so each fold of the grouped CV also holds out a share of ordinary chat."""
    names = [set_name(p) for p in paths for _r in load_rows([p], SEALED_HALF)]
    sets = [set_name(p) for p in paths] or ["all"]
    return names + [sets[k % len(sets)] for k in range(n_rows - len(names))]

def _matrix(texts: list[str]):
    """Hashed counts (scipy CSR) and each row's feature total n: the same features as inference."""
    import numpy as np
    from scipy.sparse import csr_matrix

    indptr, totals = [0], []
    indices: list[int] = []
    data: list[float] = []
    cache: dict[str, list[int]] = {}
    for t in texts:
        ws = words(t)
        counts: dict[int, int] = {}
        total = 0
        for w in ws:
            feats = cache.get(w)
            if feats is None:
                feats = cache[w] = word_features(w)
            for f in feats:
                counts[f] = counts.get(f, 0) + 1
            total += len(feats)
        for a, b in zip(ws, ws[1:]):
            f = pair_feature(a, b)
            counts[f] = counts.get(f, 0) + 1
            total += 1
        indices.extend(counts)
        data.extend(counts.values())
        indptr.append(len(indices))
        totals.append(max(total, 1))
    m = csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int32), np.array(indptr)),
                   shape=(len(texts), 1 << BITS))
    m.sum_duplicates()
    return m, np.array(totals, dtype=np.float64)
