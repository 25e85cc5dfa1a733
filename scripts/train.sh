#!/usr/bin/env bash
# Train the Rasa model unless one for exactly this data exists (cached by data hash).
# Writes the model's path to models/current.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
RASA_VENV=${RASA_VENV:-.venv-rasa}
RASA_PATHS=${RASA_PATHS:---data nlu_data --domain domain --config config.yml}
hash=$(scripts/model_hash.sh)
model="models/nlu-core-$hash.tar.gz"
mkdir -p models
if [ ! -f "$model" ]; then
  echo "train: data changed (hash $hash), training..."
  t0=$(date +%s)
  # shellcheck disable=SC2086
  "$RASA_VENV/bin/rasa" train $RASA_PATHS --out models --fixed-model-name "nlu-core-$hash" --quiet
  echo "train: trained in $(( $(date +%s) - t0 )) s"
  # keep the three newest models
  ls -t models/nlu-core-*.tar.gz 2>/dev/null | tail -n +4 | xargs -r rm -f
else
  echo "train: model for data hash $hash is up to date"
fi
echo "$model" > models/current.txt
