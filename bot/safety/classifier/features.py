"""Hashed features and sentence windows: what training and inference both compute from a text."""
from __future__ import annotations

import math
import zlib
from typing import NamedTuple

from bot.safety.normalize import _CLAUSE_BREAK, tokenize

FORMAT = 2
BITS = 20
MASK = (1 << BITS) - 1
NGRAMS = (2, 3, 4, 5)
WINDOW_WORDS = 40  # every eval message fits one window (longest: 34 words); a long text is cut


def _h(s: str) -> int:
    return zlib.crc32(s.encode("utf-8")) & MASK


def word_features(word: str) -> list[int]:
    """Hashed features of one folded word: its padded char n-grams and the word itself."""
    padded = f" {word} "
    n = len(padded)
    out = [_h("w:" + word)]
    if padded.isascii():  # nearly always: slices of the encoded word are the encoded slices
        raw, crc = padded.encode("ascii"), zlib.crc32
        for k in NGRAMS:
            if k > n:
                break
            out.extend([crc(raw[i : i + k]) & MASK for i in range(n - k + 1)])
        return out
    for k in NGRAMS:
        if k > n:
            break
        out.extend(_h(padded[i : i + k]) for i in range(n - k + 1))
    return out


def pair_feature(a: str, b: str) -> int:
    return _h(f"b:{a} {b}")


def words(text: str) -> list[str]:
    return [t.folded for t in tokenize(text)]


class Window(NamedTuple):
    """Consecutive clauses of a message: its folded words and where it sits in the text."""

    start: int
    end: int
    words: list[str]


_last_windows: list[tuple[str, int, list[Window], list[Window]]] = []  # the last message's units (see _units)


def _windows(text: str, max_words: int) -> list[Window]:
    """``windows``, remembered for the last message: the screen scores one message with the danger
    model and then, when it is high, with the urgency model; its windows are cut once."""
    return _units(text, max_words)[0]


def _units(text: str, max_words: int) -> tuple[list[Window], list[Window]]:
    """(``windows``, ``sentences``) of a message, remembered for the last message."""
    last = next(iter(_last_windows), None)  # never an IndexError if another thread just replaced it
    if last is not None and last[1] == max_words and last[0] == text:
        return last[2], last[3]
    cl = clauses(text)
    got = _cut(cl, max_words), _sentences(cl, max_words)
    _last_windows[:] = [(text, max_words, *got)]
    return got


def clauses(text: str) -> list[Window]:
    """The clauses of a message (cut at the normaliser's clause breaks: . ! ? ; and new lines)."""
    out: list[Window] = []
    pos = 0
    for m in _CLAUSE_BREAK.finditer(text + "\n"):
        ws = words(text[pos : m.start()])
        if ws:
            out.append(Window(pos, m.start(), ws))
        pos = m.end()
    return out


def _sentences(cl: list[Window], max_words: int) -> list[Window]:
    """The single clauses scored on their own (issue 13, session 9): a danger sentence is diluted in
    its window of up to ``max_words`` words ("I plan on ending it all tonight." 0.97 alone, 0.8 in
    its window). None for a message of one clause (its window is the clause); a clause longer than
    ``max_words`` is already scored in pieces by ``windows``."""
    if len(cl) < 2:
        return []
    return [c for c in cl if len(c.words) <= max_words]


def sentences(text: str, max_words: int = WINDOW_WORDS) -> list[Window]:
    """The sentence units of a message (see ``_sentences``)."""
    return _sentences(clauses(text), max_words)


def sentence_texts(text: str, max_words: int = WINDOW_WORDS) -> list[str]:
    """The text of each sentence unit (training: the same units as inference)."""
    return [text[w.start : w.end] for w in sentences(text, max_words)]


def windows(text: str, max_words: int = WINDOW_WORDS) -> list[Window]:
    """The windows a message is scored on: from each clause, as many following clauses as fit in
    ``max_words`` words (a longer clause is cut into overlapping pieces). A message of at most
    ``max_words`` words is one window, the whole message."""
    return _cut(clauses(text), max_words)


def _cut(cl: list[Window], max_words: int) -> list[Window]:
    clauses = cl
    if not clauses:
        return []
    if sum(len(c[2]) for c in clauses) <= max_words:
        return [Window(clauses[0][0], clauses[-1][1], [w for c in clauses for w in c[2]])]
    out: list[Window] = []
    last_end = -1
    for i, (start, end, ws) in enumerate(clauses):
        if len(ws) > max_words:  # one long clause: pieces of max_words, half overlapping
            step = max_words // 2
            for k in range(0, len(ws) - step, step):
                out.append(Window(start, end, ws[k : k + max_words]))
            last_end = i
            continue
        j, n = i, len(ws)
        while j + 1 < len(clauses) and n + len(clauses[j + 1][2]) <= max_words:
            j += 1
            n += len(clauses[j][2])
        if j == last_end:  # a suffix of the previous window: already scored inside it
            continue
        out.append(Window(start, clauses[j][1], [w for c in clauses[i : j + 1] for w in c[2]]))
        last_end = j
    return out


def window_texts(text: str) -> list[str]:
    """The text of each window (training: the same units as inference)."""
    return [text[w.start : w.end] for w in windows(text)]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def shifted(p: float, shift: float) -> float:
    """``p`` with its logit lowered by ``shift``."""
    if not shift or p <= 0.0:
        return p
    p = min(p, 1.0 - 1e-12)
    return _sigmoid(math.log(p / (1.0 - p)) - shift)


def long_adjusted(p: float, n_windows: int, shift: float) -> float:
    """The score of a message of ``n_windows`` windows whose best window scores ``p``: a message of
    several windows has several chances to reach the threshold by luck, so its logit is lowered
    by ``shift`` (set in training on real long text; 0 for a one-window message)."""
    if n_windows <= 1:
        return p
    return shifted(p, shift)
