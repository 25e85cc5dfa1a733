#!/usr/bin/env bash
# `make test`: everything CI runs, on a fresh machine too.
#
# Rasa's data check and training (about two minutes) run while the tests that need no trained
# model run beside them (the custom actions' tests in .venv-rasa, then the gateway's); then the
# tests that use the model (marked needs_model by tests/conftest.py: every test with the
# rasa_stack fixture) and Rasa's story tests.
# The same tests as `make validate train pytest stories`, in less wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
RASA_VENV=${RASA_VENV:-.venv-rasa}
scripts/setup.sh
mkdir -p results
log=results/train.log
# In its own process group, so that an interrupted run stops Rasa's training too.
setsid bash -c '"$0/bin/rasa" data validate --fail-on-warnings && scripts/train.sh' "$RASA_VENV" > "$log" 2>&1 &
trainer=$!
trap 'kill -- -"$trainer" 2>/dev/null || true' EXIT

t0=$(date +%s)
status=0
# The actions in-process in Rasa's own pytest (tests_actions/; no model needed).
scripts/test_actions.sh || status=$?
"$VENV/bin/python" -m pytest -m "not needs_model" || status=$?
echo "test: the tests without the model took $(( $(date +%s) - t0 )) s"

if ! wait "$trainer"; then
  cat "$log"
  echo "test: rasa data validate or the training failed (log above)" >&2
  exit 1
fi
trap - EXIT
grep -E "^train:" "$log" || true
[ "$status" -eq 0 ] || exit "$status"

"$VENV/bin/python" -m pytest -m needs_model
"$RASA_VENV/bin/rasa" test core --stories tests/test_stories.yml --model "$(cat models/current.txt)" \
  --fail-on-prediction-errors --out results/core
