#!/usr/bin/env bash
# Make sure a model for exactly this data exists and name it in models/current.txt.
#
# Rasa's own defaults say what is trained (data/, domain.yml, config.yml, out models/), so
# `rasa train` by hand and this script train the same thing. The model used is, in order:
#   1. models/nlu-core-<data hash>.tar.gz, trained earlier by this script (cached by hash);
#   2. the newest model of a plain `rasa train` (models/<timestamp>-*.tar.gz) when it is newer
#      than every file it depends on: it is renamed to the hash name, so it is used as in 1.;
#   3. otherwise a new training.
# The chosen model is touched, so plain `rasa shell` / `rasa run` (newest model) run it too.
set -euo pipefail
cd "$(dirname "$0")/.."
RASA_VENV=${RASA_VENV:-.venv-rasa}
hash=$(scripts/model_hash.sh)
model="models/nlu-core-$hash.tar.gz"
mkdir -p models
newest_plain=$(ls -t models/[0-9]*.tar.gz 2>/dev/null | head -n 1 || true)
if [ -f "$model" ]; then
  echo "train: model for data hash $hash is up to date"
elif [ -n "$newest_plain" ] && [ -z "$(find -L config.yml domain.yml data -type f -newer "$newest_plain" | head -n 1)" ]; then
  echo "train: using $newest_plain (a rasa train newer than the data) as $model"
  mv "$newest_plain" "$model"
else
  echo "train: data changed (hash $hash), training..."
  t0=$(date +%s)
  "$RASA_VENV/bin/rasa" train --fixed-model-name "nlu-core-$hash" --quiet
  echo "train: trained in $(( $(date +%s) - t0 )) s"
fi
touch "$model"
# keep the three newest models
ls -t models/nlu-core-*.tar.gz 2>/dev/null | tail -n +4 | xargs -r rm -f
echo "$model" > models/current.txt
