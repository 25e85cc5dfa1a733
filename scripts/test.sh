#!/usr/bin/env bash
# `make test`: everything CI runs, on a fresh machine too.
#
# Rasa's data check and training (about two minutes) run while the tests that need no trained
# model run beside them (the custom actions' tests in .venv-rasa, then the gateway's, in
# TEST_WORKERS parallel pytest processes: most of those tests wait on sockets, subprocesses
# and timers, not on the CPU); then the tests that use the model (marked needs_model by
# tests/conftest.py: every test with the rasa_stack fixture) beside Rasa's story tests.
# The same tests as `make validate train pytest stories`, in less wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
RASA_VENV=${RASA_VENV:-.venv-rasa}
# 3 on a 2-core machine: the tests' CPU is about a third of their wall time; more processes
# starve the tests that start gateway processes or time a stop (CONTRIBUTING.md).
TEST_WORKERS=${TEST_WORKERS:-3}
scripts/setup.sh
mkdir -p results
log=results/train.log
# In its own process group, so that an interrupted run stops Rasa's training too. Niced: the
# tests beside it get the CPU first (some assert that an answer or a stop comes within seconds),
# the training takes what they leave (they wait on I/O most of the time).
setsid nice -n 10 bash -c '"$0/bin/rasa" data validate --fail-on-warnings && scripts/train.sh' "$RASA_VENV" \
  > "$log" 2>&1 &
trainer=$!
trap 'kill -- -"$trainer" 2>/dev/null || true' EXIT

t0=$(date +%s)
status=0
# The actions in-process in Rasa's own pytest (tests_actions/; no model needed).
scripts/test_actions.sh || status=$?
# worksteal: an idle process takes queued tests from a busy one (a few tests take 10-30 s).
"$VENV/bin/python" -m pytest -m "not needs_model" -n "$TEST_WORKERS" --dist worksteal || status=$?
echo "test: the tests without the model took $(( $(date +%s) - t0 )) s"

if ! wait "$trainer"; then
  cat "$log"
  echo "test: rasa data validate or the training failed (log above)" >&2
  exit 1
fi
trap - EXIT
grep -E "^train:" "$log" || true
[ "$status" -eq 0 ] || exit "$status"

# Rasa's story tests load the model in their own process: they run beside the needs_model
# tests (one Rasa stack, in one pytest process), their output shown after pytest's.
t0=$(date +%s)
stories_log=results/stories.log
setsid nice -n 10 "$RASA_VENV/bin/rasa" test core --stories tests/test_stories.yml --model "$(cat models/current.txt)" \
  --fail-on-prediction-errors --out results/core > "$stories_log" 2>&1 &
stories=$!
trap 'kill -- -"$stories" 2>/dev/null || true' EXIT
status=0
"$VENV/bin/python" -m pytest -m needs_model || status=$?
stories_status=0
wait "$stories" || stories_status=$?
trap - EXIT
echo "test: rasa test core (tests/test_stories.yml), run beside the needs_model tests:"
cat "$stories_log"
[ "$stories_status" -eq 0 ] || echo "test: Rasa's story tests failed (log above)" >&2
echo "test: the needs_model tests and the story tests took $(( $(date +%s) - t0 )) s"
[ "$status" -eq 0 ] || exit "$status"
exit "$stories_status"
