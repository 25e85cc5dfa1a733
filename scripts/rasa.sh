#!/usr/bin/env bash
# Rasa server: REST channel + HTTP API with a token, loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
RASA_VENV=${RASA_VENV:-.venv-rasa}
exec "$RASA_VENV/bin/python" scripts/rasa_main.py run --model "$(cat models/current.txt)" --enable-api --auth-token "$RASA_TOKEN" \
  -i 127.0.0.1 -p "${RASA_PORT:-5005}" --endpoints endpoints.redis.yml --credentials credentials.yml
