#!/usr/bin/env bash
# Rasa server: REST channel + HTTP API with a token, loopback only.
# RASA_PROCESSES=N (default 1) starts N processes on RASA_PORT, RASA_PORT+1, ...; they share
# the Redis tracker and lock stores (endpoints.redis.yml) and scripts/env.sh lists them in RASA_URLS,
# over which the gateway spreads conversations. Each holds the model (~0.8 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
RASA_VENV=${RASA_VENV:-.venv-rasa}
base=${RASA_PORT:-5005}
serve() {
  "$RASA_VENV/bin/python" scripts/rasa_main.py run --model "$(cat models/current.txt)" --enable-api \
    --auth-token "$RASA_TOKEN" -i 127.0.0.1 -p "$1" --endpoints endpoints.redis.yml --credentials credentials.yml
}
n=${RASA_PROCESSES:-1}
if [ "$n" -le 1 ]; then
  exec "$RASA_VENV/bin/python" scripts/rasa_main.py run --model "$(cat models/current.txt)" --enable-api \
    --auth-token "$RASA_TOKEN" -i 127.0.0.1 -p "$base" --endpoints endpoints.redis.yml --credentials credentials.yml
fi
pids=()
for i in $(seq 1 $((n - 1))); do
  serve $((base + i)) &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
serve "$base" &
pids+=($!)
wait -n "${pids[@]}"  # one stopped: stop the others too (honcho then stops everything)
