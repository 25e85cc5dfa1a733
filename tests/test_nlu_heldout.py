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

from tests.conftest import require, require_rasa_venv

ROOT = Path(__file__).resolve().parent.parent


def test_heldout_intent_macro_f1_meets_the_target(tmp_path: Path) -> None:
    require_rasa_venv()
    require((ROOT / "models" / "current.txt").exists(), "no trained model (make train)")
    result = subprocess.run(["bash", "bench/nlu_heldout.sh", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    found = re.search(r"with the fallback threshold: (\d\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr[-2000:]
    assert float(found.group(1)) >= 0.90, result.stdout
    assert result.returncode == 0, result.stdout


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
