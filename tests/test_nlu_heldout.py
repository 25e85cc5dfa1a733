"""The trained model on the sealed held-out set (tests/data/nlu_heldout.yml).

Cross-validation scores the model on its own examples, and examples that differ only in
accents land on both sides of a fold; this set was written by someone who had not seen
nlu_data/, so it is the honest figure for new wording. Target from the issue: intent
macro-F1 >= 0.90, here with the fallback threshold applied (a prediction under it is a miss).
"""
from __future__ import annotations

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
