#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
exec "${VENV:-.venv}/bin/python" -m bot
