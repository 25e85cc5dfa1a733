#!/usr/bin/env bash
# Held-out NLU benchmark: the trained model (models/current.txt) on
# tests/data/nlu_heldout.yml, a sealed set written by someone who had not seen
# nlu_data/. Prints intent macro-F1 with the configured fallback threshold (a
# prediction under it is nlu_fallback, counted wrong) and the weakest intents.
# Exit 1 under 0.90. Cross-validation (bench/nlu_crossval.sh) shows how the model
# does on its own data; this shows how it does on wording nobody tuned for.
#
# Usage: bench/nlu_heldout.sh [OUT_DIR]   (default /tmp/nlu_heldout_run); ~20 s
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-/tmp/nlu_heldout_run}"
RASA="${RASA:-.venv-rasa/bin/rasa}"
PY="${PY:-.venv-rasa/bin/python}"
# current.txt holds the path from the root (models/nlu-core-<hash>.tar.gz). A path that does not
# exist would make Rasa fall back silently to the newest model, so refuse it instead.
MODEL="$(cat models/current.txt)"
[ -f "$MODEL" ] || { echo "nlu_heldout: $MODEL (models/current.txt) does not exist: make train" >&2; exit 2; }
mkdir -p "$OUT"
"$RASA" test nlu --nlu tests/data/nlu_heldout.yml --model "$MODEL" --successes --out "$OUT" > "$OUT/rasa_test_nlu.log" 2>&1
"$PY" - "$OUT" <<'PY'
import json, sys
from pathlib import Path
sys.path.insert(0, "bench")
from nlu_scores import configured_threshold, fold, macro_f1, per_intent_f1, rows_with_text, training_texts
out = Path(sys.argv[1])
threshold = configured_threshold(Path("config.yml"))
texts = rows_with_text(out)
data = [(g, p, c) for g, p, c, _ in texts]
seen = training_texts(Path("data"))  # the training data (Rasa's default path)
unseen = [(g, p, c) for g, p, c, t in texts if fold(t) not in seen]
scores = per_intent_f1(data, threshold)
wrong = sum(g != p for g, p, _ in data)
fallback = sum(g == p and c < threshold for g, p, c in data)
raw = json.loads((out / "intent_report.json").read_text())["macro avg"]["f1-score"]
macro = sum(scores.values()) / len(scores)
print(f"held-out: {len(data)} messages, {len(scores)} intents; {wrong} predicted wrong, "
      f"{fallback} right but under the fallback threshold {threshold}")
print("lowest F1:", ", ".join(f"{k} {v:.2f}" for k, v in sorted(scores.items(), key=lambda kv: kv[1])[:6]))
rs = out / "response_selection_report.json"
if rs.exists():
    print(f"response selector (faq/*) macro-F1: {json.loads(rs.read_text())['macro avg']['f1-score']:.3f}")
print(f"intent macro-F1 (raw, no fallback): {raw:.3f}")
print(f"on the {len(unseen)} messages whose wording (folded) is not in nlu_data: "
      f"macro-F1 {macro_f1(unseen, threshold):.3f} with the fallback threshold")
print(f"intent macro-F1 on the held-out set with the fallback threshold: {macro:.3f} (target >= 0.90)")
sys.exit(0 if macro >= 0.90 else 1)
PY
