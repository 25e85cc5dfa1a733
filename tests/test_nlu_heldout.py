"""The trained model on the sealed held-out set (tests/data/nlu_heldout.yml).

Cross-validation scores the model on its own examples, and examples that differ only in
accents land on both sides of a fold; this set was written by someone who had not seen
nlu_data/, so it is the honest figure for new wording. Target from the issue: intent
macro-F1 >= 0.90, here with the fallback threshold applied (a prediction under it is a miss).
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import RasaStack, require

ROOT = Path(__file__).resolve().parent.parent


def heldout_examples() -> list[tuple[str, str]]:
    """(gold intent, plain text) for every example; a retrieval intent counts as its base
    (``faq/costs`` -> ``faq``), as ``rasa test nlu`` scores intents; entity marks removed."""
    import yaml

    out = []
    for block in yaml.safe_load((ROOT / "tests/data/nlu_heldout.yml").read_text(encoding="utf-8"))["nlu"]:
        if "intent" not in block:
            continue
        gold = block["intent"].split("/")[0]
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                out.append((gold, ENTITY_MARK.sub(r"\1", line.strip()[2:]).strip()))
    return out


ENTITY_MARK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


async def test_heldout_intent_macro_f1_meets_the_target(rasa_stack: RasaStack) -> None:
    """Scored through the running Rasa server's /model/parse (the same model and pipeline
    bench/nlu_heldout.sh runs with ``rasa test nlu``, without loading Rasa a second time).
    The prediction is the classifier's own top intent and confidence; the fallback threshold
    is then applied as the bench applies it (bench/nlu_scores.per_intent_f1)."""
    import asyncio

    import aiohttp

    from bench.nlu_scores import configured_threshold, per_intent_f1

    examples = heldout_examples()
    assert len(examples) >= 350, len(examples)
    limit = asyncio.Semaphore(4)

    async def parse(http: aiohttp.ClientSession, text: str) -> tuple[str, float]:
        async with limit, http.post(f"{rasa_stack.url}/model/parse", params={"token": rasa_stack.token},
                                    json={"text": text}) as resp:
            assert resp.status == 200, await resp.text()
            data = await resp.json()
        # FallbackClassifier puts nlu_fallback first and keeps the classifier's ranking behind it.
        top = next(r for r in data["intent_ranking"] if r["name"] != "nlu_fallback")
        return top["name"], top["confidence"]

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        predicted = await asyncio.gather(*(parse(http, text) for _, text in examples))
    rows = [(gold, name, conf) for (gold, _), (name, conf) in zip(examples, predicted)]
    scores = per_intent_f1(rows, configured_threshold(ROOT / "config.yml"))
    macro = sum(scores.values()) / len(scores)
    weakest = sorted(scores.items(), key=lambda kv: kv[1])[:6]
    print(f"held-out intent macro-F1 with the fallback threshold: {macro:.3f}; weakest {weakest}")
    assert macro >= 0.90, f"held-out intent macro-F1 {macro:.3f} < 0.90; weakest {weakest}"


@pytest.mark.needs_model  # reads models/current.txt
def test_the_benchmark_scores_the_current_model(tmp_path: Path) -> None:
    """bench/nlu_heldout.sh hands Rasa the model named in models/current.txt, not a path Rasa
    would silently replace with the newest model. A stub stands in for Rasa (no model loaded)."""
    require((ROOT / "models" / "current.txt").exists(), "no trained model (make train)")
    stub = tmp_path / "rasa"
    stub.write_text('#!/bin/sh\necho "$@"\n')
    stub.chmod(0o755)
    out = tmp_path / "out"
    result = subprocess.run(["bash", "bench/nlu_heldout.sh", str(out)], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "RASA": str(stub), "PY": "true"}, timeout=60)
    assert result.returncode == 0, result.stderr
    args = (out / "rasa_test_nlu.log").read_text().split()
    model = args[args.index("--model") + 1]
    assert model == (ROOT / "models" / "current.txt").read_text().strip()
    assert (ROOT / model).is_file()
