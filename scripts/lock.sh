#!/usr/bin/env bash
# Re-resolve the lock files from requirements/*.in, with hashes (`make lock`, `make lock-rasa`).
#   gateway.lock    what the gateway image installs       (from gateway.in)
#   dev.lock        .venv: gateway.lock's pins + tools     (from dev.in, constrained by gateway.lock)
#   rasa.lock       what the Rasa image installs           (from rasa.in, Python 3.10)
#   rasa-dev.lock   .venv-rasa: rasa.lock's pins + pytest  (from rasa-dev.in, constrained by rasa.lock)
# uv keeps the versions already in a lock file unless UPGRADE=1. uv itself goes into a
# throw-away environment, never into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-gateway}
tools=${LOCK_TOOLS:-/tmp/lock-tools}
[ -x "$tools/bin/uv" ] || { python3 -m venv "$tools" && "$tools/bin/pip" install -q uv; }
compile() {  # compile IN OUT PYTHON_VERSION [extra args]
  local in=$1 out=$2 py=$3; shift 3
  "$tools/bin/uv" pip compile -q "$in" -o "$out" --generate-hashes --python-version "$py" \
    --python-platform x86_64-unknown-linux-gnu --no-header \
    ${UPGRADE:+--upgrade} "$@"
  echo "lock: $out ($(grep -c '^[A-Za-z0-9].*==' "$out") packages)"
}
case $which in
  gateway)
    compile requirements/gateway.in requirements/gateway.lock 3.11
    compile requirements/dev.in requirements/dev.lock 3.11 -c requirements/gateway.lock ;;
  rasa)
    compile requirements/rasa.in requirements/rasa.lock 3.10
    compile requirements/rasa-dev.in requirements/rasa-dev.lock 3.10 -c requirements/rasa.lock ;;
  *) echo "usage: scripts/lock.sh gateway|rasa" >&2; exit 2 ;;
esac
