#!/usr/bin/env bash
# `make shell` / `make interactive`: Rasa's own `rasa shell` or `rasa interactive` on the current
# model (models/current.txt), with the action server beside it. Plain Rasa commands work too
# (`rasa run actions` in one terminal, `rasa shell` in another): endpoints.yml needs no
# environment, trackers stay in Rasa's memory.
set -euo pipefail
cd "$(dirname "$0")/.."
RASA_VENV=${RASA_VENV:-.venv-rasa}
mode=${1:-shell}
mkdir -p var
"$RASA_VENV/bin/rasa" run actions --actions actions -p 5055 > var/actions-shell.log 2>&1 &
actions=$!
trap 'kill "$actions" 2>/dev/null || true' EXIT
"$RASA_VENV/bin/rasa" "$mode" --model "$(cat models/current.txt)"
