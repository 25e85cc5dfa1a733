#!/usr/bin/env bash
# `make run`: set up, train if needed, start everything under honcho (Procfile).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/train.sh
. scripts/env.sh
procs="rasa actions gateway"
[ -n "${EMBEDDED_REDIS:-}" ] && procs="redis $procs"
cat <<MSG

  Web chat:          http://$HOST:$PORT/
  Operator console:  http://$HOST:$PORT/console/
  Health:            http://$HOST:$PORT/healthz
  Telegram:          $([ -n "${TELEGRAM_BOT_TOKEN:-}" ] && echo "on ($([ -n "${TELEGRAM_WEBHOOK_URL:-}" ] && echo webhook || echo polling))" || echo "off (set TELEGRAM_BOT_TOKEN)")
  Redis:             $([ -n "${EMBEDDED_REDIS:-}" ] && echo "embedded, data in var/redis" || echo "REDIS_URL")
  (Rasa takes about 30-45 s to load its model; /healthz says 503 until then.)

MSG
# shellcheck disable=SC2086
exec "${VENV:-.venv}/bin/honcho" -f Procfile start $procs
