#!/usr/bin/env bash
# The rasa_sdk action server, loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
RASA_VENV=${RASA_VENV:-.venv-rasa}
export SANIC_HOST=127.0.0.1
exec "$RASA_VENV/bin/rasa" run actions --actions actions -p "${ACTION_PORT:-5055}"
