#!/usr/bin/env bash
# Build both environments from the lock files (with hashes); cheap when nothing changed.
#   .venv       requirements/dev.lock: the gateway's gateway.lock pins + tests and tools
#   .venv-rasa  requirements/rasa-dev.lock: Rasa 3.6.21 + rasa-sdk (rasa.lock's pins) + pytest
# The images install gateway.lock and rasa.lock only (Dockerfile).
# VENV / RASA_VENV override the paths; PYTHON310 names a 3.10 interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
RASA_VENV=${RASA_VENV:-.venv-rasa}

find_python310() {
  local c
  for c in "${PYTHON310:-}" "$(command -v python3.10 2>/dev/null || true)" \
           "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
    [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$c"; return 0; }
  done
  return 1
}

find_python_gateway() {
  local c
  for c in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$c" ] || continue
    c=$(command -v "$c" 2>/dev/null) || continue
    "$c" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo "$c"; return 0; }
  done
  return 1
}

# install_lock VENV PYTHON LOCKFILE: (re)install only when the lock file changed.
install_lock() {
  local venv=$1 py=$2 lock=$3 stamp want
  stamp="$venv/.lock-sha256"
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "setup: installing $lock into $venv"
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade "pip<26" >/dev/null 2>&1 || true
  "$venv/bin/python" -m pip install -q --require-hashes -r "$lock"
  echo "$want" > "$stamp"
}

PY=$(find_python_gateway) || { echo "setup: need Python 3.11 or newer for the gateway (set PYTHON=...)" >&2; exit 1; }
PY310=$(find_python310) || {
  cat >&2 <<'MSG'
setup: Rasa 3.6 needs Python 3.10 and none was found (looked at $PYTHON310, python3.10 on PATH,
and ~/.pyenv/versions/3.10*). Install it, e.g. `pyenv install 3.10.13`, or on Debian/Ubuntu
`apt-get install python3.10 python3.10-venv`, then run this again (or set PYTHON310=/path/to/python3.10).
MSG
  exit 1
}
t0=$(date +%s)
# The two environments are independent: build them side by side (a fresh machine's set-up
# is mostly download and unpack time).
install_lock "$VENV" "$PY" requirements/dev.lock & gateway_pid=$!
install_lock "$RASA_VENV" "$PY310" requirements/rasa-dev.lock & rasa_pid=$!
status=0
wait "$gateway_pid" || { echo "setup: installing requirements/dev.lock failed" >&2; status=1; }
wait "$rasa_pid" || { echo "setup: installing requirements/rasa-dev.lock failed" >&2; status=1; }
[ "$status" = 0 ] || exit 1
echo "setup: environments ready in $(( $(date +%s) - t0 )) s"
