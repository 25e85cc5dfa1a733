"""Does a change to the danger screen's machinery leave every verdict as it was?

Run: .venv/bin/python bench/safety_equivalence.py --baseline DIR [--per-corpus 3000] [--seed 13]
                                                  [--long 60] [--orders 2]

DIR is another checkout (``git worktree add --detach /tmp/base main``). Both checkouts screen the
same messages, in the same order, each in a fresh process of this Python: the default screen (as
the gateway builds it: lexicon, classifier and urgency model) and the lexicon alone. The outputs
(level, categories, evidence) must be identical. Order matters because the screen's word caches
and its per-message budget of slow look-ups carry over from one message to the next; with
``--orders 2`` the messages are screened once as listed and once shuffled (fixed seed).

The messages: every row of every evaluation set in tests/data/ and tests/data/sealed/ (never a
file named *fresh12* or *sealed5*: sealed sets the lead measures once); from each real corpus
of ../shared/corpora, --per-corpus rows (both splits, fixed seed); and --long long texts of
1,000 to 50,000 characters: corpus rows joined into paragraphs, evaluation messages joined, and
corpus paragraphs with one evaluation message buried inside. Prints counts and times only,
never text. Exit status 1 when any output differs.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEALED_NAMES = ("fresh16", "sealed9")  # never opened: sealed sets for the lead to measure once

_WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from bot.safety import LexiconScreener
texts = json.load(open(sys.argv[2], encoding="utf-8"))
out = {}
for name, kw in (("default", {}), ("lexicon", {"classifier": False})):
    screener = LexiconScreener(**kw)
    got = []
    c = time.process_time()
    for t in texts:
        got.append(screener.screen(t).to_dict())
    out[name] = got
    out[name + "_cpu_s"] = time.process_time() - c
json.dump(out, open(sys.argv[3], "w", encoding="utf-8"), ensure_ascii=False)
"""


def eval_texts() -> list[tuple[str, str]]:
    out = []
    for folder in (ROOT / "tests" / "data", ROOT / "tests" / "data" / "sealed"):
        for path in sorted(folder.glob("safety_eval_*.tsv")):
            if any(s in path.name for s in SEALED_NAMES):
                continue  # not opened
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    out.append((f"eval/{path.stem.removeprefix('safety_eval_')}", line.split("\t", 2)[2]))
    return out


def corpus_texts(per_corpus: int, rng: random.Random) -> dict[str, list[str]]:
    from bot.safety import corpora

    out: dict[str, list[str]] = {}
    try:
        names = corpora.names()
    except OSError:
        return out
    for name in names:
        rows = [r.text for r in corpora.load(name) if r.text.strip()]
        out[name] = rng.sample(rows, min(per_corpus, len(rows)))
    return out


def long_texts(n: int, evals: list[str], corpus: dict[str, list[str]], rng: random.Random) -> list[tuple[str, str]]:
    """Paragraphs of 1,000-50,000 characters: real text, eval messages, and real text with one
    eval message buried inside (a long message the lexicon or the classifier raises)."""
    out: list[tuple[str, str]] = []
    pools = [("corpus", rows) for rows in corpus.values() if rows] + [("evals", evals)]
    sizes = [1_000, 5_000, 20_000, 20_000, 30_000, 50_000]
    for k in range(n):
        kind, pool = pools[k % len(pools)]
        size = sizes[k % len(sizes)]
        parts, total = [], 0
        while total < size:
            parts.append(rng.choice(pool))
            total += len(parts[-1]) + 1
        sep = rng.choice([" ", "\n", " "])
        text = sep.join(parts)[:size]
        if kind == "corpus" and k % 3 == 0 and evals:
            at = rng.randrange(len(text) + 1)
            text = text[:at] + " " + rng.choice(evals) + " " + text[at:]
            kind = "corpus+eval"
        out.append((f"long/{kind}", text))
    return out


def screen_in(tree: Path, texts: list[str], python: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = Path(tmp) / "in.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        subprocess.run([python, "-c", _WORKER, str(tree), str(inp), str(outp)], cwd=tree, check=True,
                       env={**os.environ, "PYTHONHASHSEED": "0"})
        return json.loads(outp.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", required=True, type=Path, help="the other checkout")
    ap.add_argument("--per-corpus", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--long", type=int, default=60, help="long texts (1,000-50,000 characters)")
    ap.add_argument("--orders", type=int, default=2, choices=(1, 2), help="2: also in a shuffled order")
    ap.add_argument("--tree", type=Path, default=ROOT, help="the checkout compared (default: this one)")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    rng = random.Random(args.seed)
    items = eval_texts()
    evals = [t for _s, t in items]
    corpus = corpus_texts(args.per_corpus, rng)
    for name, rows in corpus.items():
        items += [(f"corpus/{name}", t) for t in rows]
    items += long_texts(args.long, evals, corpus, rng)
    print(f"messages: {len(items)} ({len(evals)} eval rows, {sum(map(len, corpus.values()))} corpus rows, "
          f"{args.long} long texts, longest {max(len(t) for _s, t in items):,} chars)")
    try:
        print(f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    except OSError:
        pass

    orders = [list(range(len(items)))]
    if args.orders == 2:
        shuffled = list(range(len(items)))
        random.Random(args.seed + 1).shuffle(shuffled)
        orders.append(shuffled)
    differ = 0
    for o, order in enumerate(orders):
        texts = [items[i][1] for i in order]
        got = {}
        for label, tree in (("baseline", args.baseline.resolve()), ("this", args.tree.resolve())):
            t = time.perf_counter()
            got[label] = screen_in(tree, texts, args.python)
            print(f"order {o + 1}, {label}: {time.perf_counter() - t:.1f} s wall; screening CPU default "
                  f"{got[label]['default_cpu_s']:.1f} s, lexicon alone {got[label]['lexicon_cpu_s']:.1f} s")
        for screen in ("default", "lexicon"):
            by_source: dict[str, list[int]] = {}
            for k, i in enumerate(order):
                src = items[i][0]
                cnt = by_source.setdefault(src, [0, 0])
                cnt[0] += 1
                if got["baseline"][screen][k] != got["this"][screen][k]:
                    cnt[1] += 1
            bad = {s: c for s, c in by_source.items() if c[1]}
            n_bad = sum(c[1] for c in bad.values())
            differ += n_bad
            print(f"order {o + 1}, {screen}: {n_bad} of {len(order)} outputs differ"
                  + ("".join(f"\n  {s}: {c[1]} of {c[0]}" for s, c in sorted(bad.items())) if bad else ""))
    print("IDENTICAL" if not differ else f"DIFFERENT: {differ} outputs")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
