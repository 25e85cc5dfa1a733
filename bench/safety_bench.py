"""Danger-screen benchmark: the default screen on one core, warm and cold, short and long text.

Run: .venv/bin/python bench/safety_bench.py [--baseline DIR] [--runs 5] [--rounds 5]

Targets: >= 5,000 msgs/s warm on one core for the default screen, no message slower
than 25 ms cold, a 20,000-character message under 50 ms. Every figure is CPU time of the
process pinned to one core (wall time on a shared machine also counts the time it waited).

- warm msgs/s: the realistic mix, every message of the evaluation sets (tests/data) and the
  bot's ordinary chat examples (the NLU intents the classifier reads as ordinary), screened
  --rounds times after one pass that fills the caches;
- cold: each message of the mix alone, every cache emptied first (word look-ups, folding,
  both models' word sums), with the garbage collector run between messages instead of inside
  one (a collection of the whole heap costs 7-16 ms in this process, and in the gateway
  whatever its heap is: it falls on some message now and then, whatever the screen does): the
  median and the slowest;
- long messages, cold (the median of 5): 20,000 characters of evaluation messages (the lexicon
  makes it immediate: the matcher's time), of ordinary chat (nothing matches: the lexicon and
  the danger model over every window), of ordinary chat with one `high` message inside (the
  lexicon, then the urgency model over every window), and 50,000 characters of the first two.

``--baseline DIR`` (another checkout, e.g. ``git worktree add --detach /tmp/base main``)
measures that checkout's screen on the same messages, runs alternating with this one's, each in
a fresh process; medians over --runs are printed side by side. Message text is never printed.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs inside the checkout measured (its own bot.safety), so an older screen is measured the same way.
_WORKER = r"""
import gc, json, os, statistics, sys, time
sys.path.insert(0, sys.argv[1])
try:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
except (AttributeError, OSError):
    pass
from bot.safety import LexiconScreener, normalize
from bot.safety import classifier as clf_mod
data = json.load(open(sys.argv[2], encoding="utf-8"))
rounds = int(sys.argv[4])
t0 = time.process_time()
s = LexiconScreener()  # the default screen, as the gateway builds it
load_ms = (time.process_time() - t0) * 1000

def empty():
    m = s._matcher
    for name in ("_cache", "_join_cache"):
        getattr(m, name, {}).clear()
    for c in (s.classifier, s.urgency):
        if c is not None:
            c._cache.clear()
            getattr(c, "_sizes", {}).clear()
    normalize._FOLD_CACHE.clear()
    getattr(clf_mod, "_last_windows", []).clear()

def cpu_ms(text):
    c = time.thread_time()
    s.screen(text)
    return (time.thread_time() - c) * 1000

mix = data["mix"]
cold = []
gc.collect()
gc.disable()  # a collection of the whole heap is not one message's cost: run between messages
for k, m in enumerate(mix):
    empty()
    cold.append(cpu_ms(m))
    if k % 200 == 199:
        gc.collect()
gc.enable()
for m in mix:
    s.screen(m)
c = time.thread_time()
for _ in range(rounds):
    for m in mix:
        s.screen(m)
rate = rounds * len(mix) / (time.thread_time() - c)
big = {}
for name, text in data["big"].items():
    got = []
    for _ in range(5):
        empty()
        gc.collect()
        got.append(cpu_ms(text))
    big[name] = statistics.median(got)
out = {"load_ms": load_ms, "rate": rate, "cold_median": statistics.median(cold), "cold_max": max(cold),
       "big": big, "hunspell": s.uses_hunspell, "classifier": s.classifier is not None,
       "urgency": s.urgency is not None}
json.dump(out, open(sys.argv[3], "w"))
"""

BIG = (("20k eval", "eval", 20_000), ("20k ordinary", "ordinary", 20_000), ("20k ordinary+high", "high", 20_000),
       ("50k eval", "eval", 50_000), ("50k ordinary", "ordinary", 50_000))


def inputs() -> dict:
    sys.path.insert(0, str(ROOT))
    from bot.safety import LexiconScreener
    from bot.safety.classifier import ordinary_texts
    from bot.screening import Level

    evals, highs = [], []
    for path in sorted((ROOT / "tests" / "data").glob("safety_eval_*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                level, _cat, text = line.split("\t", 2)
                evals.append(text)
                if level == "high":
                    highs.append(text)
    ordinary = ordinary_texts()
    lexicon = LexiconScreener(classifier=False)
    # A message the lexicon alone scores high, not immediate: inside ordinary text it makes the
    # screen run the urgency model over every window.
    high = next(t for t in highs if lexicon.screen(t).level is Level.HIGH)

    def joined(pool: list[str], size: int, sep: str) -> str:
        return sep.join(pool * (size // max(1, sum(map(len, pool))) + 1))[:size]

    big = {}
    for name, kind, size in BIG:
        if kind == "eval":
            big[name] = joined(evals, size, " ")
        else:
            text = joined(ordinary, size, ". ")
            if kind == "high":
                mid = len(text) // 2
                text = (text[:mid] + ". " + high + ". " + text[mid:])[:size]
            big[name] = text
    return {"mix": evals + ordinary, "big": big, "n_eval": len(evals), "n_ordinary": len(ordinary)}


def measure(tree: Path, data_path: Path, rounds: int, python: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        subprocess.run([python, "-c", _WORKER, str(tree), str(data_path), str(out), str(rounds)],
                       cwd=tree, check=True)
        return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, help="another checkout to measure side by side")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=5, help="passes over the mix for the warm figure")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args(argv)

    data = inputs()
    trees = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    loads = []
    results: dict[str, list[dict]] = {name: [] for name, _t in trees}
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "in.json"
        data_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        for run in range(args.runs):
            order = trees if run % 2 == 0 else trees[::-1]  # alternate who goes first
            for name, tree in order:
                loads.append(os.getloadavg()[0])
                got = measure(tree, data_path, args.rounds, args.python)
                results[name].append(got)
                print(f"run {run + 1} {name}: {got['rate']:,.0f} msgs/s warm, cold slowest "
                      f"{got['cold_max']:.1f} ms, " + ", ".join(f"{k} {v:.1f} ms" for k, v in got["big"].items()),
                      flush=True)

    first = results["this"][0]
    print(f"\nmix: {len(data['mix'])} messages ({data['n_eval']} evaluation rows, {data['n_ordinary']} ordinary "
          f"chat examples); hunspell: {'yes' if first['hunspell'] else 'no (degraded mode)'}; classifier: "
          f"{'yes' if first['classifier'] else 'NO'}; urgency model: {'yes' if first['urgency'] else 'no'}")
    print(f"load average (1 min) during the runs: {min(loads):.2f}-{max(loads):.2f} on {os.cpu_count()} cores; "
          f"medians of {args.runs} runs, CPU time, one core")
    rows: list[tuple[str, str | tuple[str, str], str]] = [
        ("load (ms)", "load_ms", "{:,.0f}"), ("warm msgs/s (>= 5,000)", "rate", "{:,.0f}"),
        ("cold median (ms)", "cold_median", "{:.3f}"), ("cold slowest (ms, <= 25)", "cold_max", "{:.1f}")]
    rows += [(f"{name} cold (ms{', < 50' if name.startswith('20k') else ''})", ("big", name), "{:.1f}")
             for name, _k, _s in BIG]
    names = [n for n, _t in trees]
    print(f"{'':34}" + "".join(f"{n:>12}" for n in names))
    for label, key, fmt in rows:
        cells = []
        for n in names:
            vals = [r[key[0]][key[1]] if isinstance(key, tuple) else r[key] for r in results[n]]
            cells.append(fmt.format(statistics.median(vals)))
        print(f"{label:34}" + "".join(f"{c:>12}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
