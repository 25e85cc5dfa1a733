"""Danger-screen benchmark: throughput on one core (warm caches) and per-message latency.

Run: .venv/bin/python bench/safety_bench.py
Prints figures only (targets: >= 5,000 msgs/s warm; no message slower than 25 ms cold; a
20,000-character message under 50 ms).
Messages come from the evaluation set; their text is never printed. The last line measures
the default screen, with the statistical second signal (bot/safety/classifier.py, on by default).
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.safety import LexiconScreener, normalize  # noqa: E402
from bot.safety import classifier as clf_mod  # noqa: E402


def messages() -> list[str]:
    out = []
    for path in sorted((ROOT / "tests" / "data").glob("safety_eval_*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                out.append(line.split("\t", 2)[2])
    return out


def main() -> None:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    except (AttributeError, OSError):
        pass
    msgs = messages()
    t0 = time.perf_counter()
    screener = LexiconScreener(classifier=False)  # the lexicon alone; the default adds the classifier (below)
    load_s = time.perf_counter() - t0

    # Wall-clock figures include time the process waited for the CPU; on a shared machine
    # (other jobs, load average above the core count) the CPU-time figures are the screen's own cost.
    cold, cold_cpu = [], []  # every message with all word caches emptied first (worst case)
    for m in msgs:
        screener._matcher._cache.clear()
        normalize._FOLD_CACHE.clear()
        t, c = time.perf_counter(), time.thread_time()
        screener.screen(m)
        cold_cpu.append((time.thread_time() - c) * 1000)
        cold.append((time.perf_counter() - t) * 1000)

    for m in msgs:  # warm the caches
        screener.screen(m)
    warm = []
    for m in msgs:
        t = time.perf_counter()
        screener.screen(m)
        warm.append((time.perf_counter() - t) * 1000)

    rounds = 20
    t, c = time.perf_counter(), time.thread_time()
    for _ in range(rounds):
        for m in msgs:
            screener.screen(m)
    rate = rounds * len(msgs) / (time.perf_counter() - t)
    rate_cpu = rounds * len(msgs) / (time.thread_time() - c)

    big = " ".join(msgs * 3)[:20_000]  # many distinct words, caches emptied
    screener._matcher._cache.clear()
    normalize._FOLD_CACHE.clear()
    t = time.perf_counter()
    screener.screen(big)
    big_ms = (time.perf_counter() - t) * 1000

    print(f"hunspell: {'yes' if screener.uses_hunspell else 'no (degraded mode)'}; load {load_s * 1000:.0f} ms")
    print(f"messages: {len(msgs)}")
    try:
        print(f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    except OSError:
        pass
    print(f"throughput (one core, warm caches): {rate:,.0f} msgs/s wall, {rate_cpu:,.0f} msgs/s CPU time")
    print(f"cold latency: median {statistics.median(cold):.3f} ms, slowest {max(cold):.3f} ms wall; "
          f"slowest {max(cold_cpu):.3f} ms CPU time")
    print(f"warm latency: median {statistics.median(warm):.3f} ms, slowest {max(warm):.3f} ms")
    print(f"20,000-char message (cold): {big_ms:.1f} ms")

    # The default screen: the lexicon plus the statistical second signal (LexiconScreener(classifier=True)).
    t0 = time.perf_counter()
    both = LexiconScreener(classifier=True)
    load_s = time.perf_counter() - t0
    if both.classifier is None:
        print("classifier: weights missing, not measured")
        return
    cold_cpu = []
    for m in msgs:
        both._matcher._cache.clear()
        both.classifier._cache.clear()
        if both.urgency is not None:
            both.urgency._cache.clear()
        normalize._FOLD_CACHE.clear()
        c = time.thread_time()
        both.screen(m)
        cold_cpu.append((time.thread_time() - c) * 1000)
    for m in msgs:
        both.screen(m)
    c = time.thread_time()
    for _ in range(rounds):
        for m in msgs:
            both.screen(m)
    rate_cpu = rounds * len(msgs) / (time.thread_time() - c)
    alone = []
    for m in msgs:
        c = time.thread_time()
        both.classifier.probability(m)
        alone.append((time.thread_time() - c) * 1000)
    both._matcher._cache.clear()
    both.classifier._cache.clear()
    if both.urgency is not None:
        both.urgency._cache.clear()
    normalize._FOLD_CACHE.clear()
    t = time.perf_counter()
    both.screen(big)
    big_default_ms = (time.perf_counter() - t) * 1000
    print(f"with classifier (load {load_s * 1000:.0f} ms): {rate_cpu:,.0f} msgs/s CPU time warm; cold median "
          f"{statistics.median(cold_cpu):.3f} ms, slowest {max(cold_cpu):.3f} ms CPU time; classifier alone warm "
          f"median {statistics.median(alone):.3f} ms CPU time; 20,000-char message (cold) {big_default_ms:.1f} ms")


if __name__ == "__main__":
    main()
