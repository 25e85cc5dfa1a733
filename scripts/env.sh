# Sourced by the run scripts: the embedded default's configuration.
# Secrets are generated once into var/secrets.env (never committed); anything
# already set in the environment wins. Derives what Rasa's endpoints.yml needs.
mkdir -p var
if [ ! -f var/secrets.env ]; then
  umask 077
  "${VENV:-.venv}/bin/python" - > var/secrets.env <<'PY'
import secrets
from cryptography.fernet import Fernet
print(f"PSEUDONYM_KEY={secrets.token_urlsafe(48)}")
print(f"DATA_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
print(f"RASA_TOKEN={secrets.token_urlsafe(24)}")
print(f"OPERATOR_API_TOKEN={secrets.token_urlsafe(32)}")
PY
  echo "env: generated var/secrets.env (keys for this machine only)" >&2
fi
while read -r line; do
  # split at the first "=" only: Fernet keys end in "=" padding
  name=${line%%=*} value=${line#*=}
  [ -n "$name" ] && [ -z "${!name:-}" ] && export "$name=$value"
done < var/secrets.env

# honcho gives each process its own PORT; GATEWAY_PORT carries the one asked for.
export PORT=${GATEWAY_PORT:-${PORT:-8080}}
export HOST=${HOST:-127.0.0.1} GATEWAY_PORT=$PORT
export RASA_PORT=${RASA_PORT:-5005} ACTION_PORT=${ACTION_PORT:-5055}
export RASA_URL=${RASA_URL:-http://127.0.0.1:$RASA_PORT}
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://127.0.0.1:$ACTION_PORT}
if [ -z "${REDIS_URL:-}" ]; then
  export EMBEDDED_REDIS=1 REDIS_PORT=${REDIS_PORT:-6379}
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
fi
# Rasa's endpoints.yml takes host/port/db/password separately.
eval "$("${VENV:-.venv}/bin/python" - <<'PY'
import os, shlex
from urllib.parse import urlparse
u = urlparse(os.environ["REDIS_URL"])
print(f"export RASA_REDIS_HOST={shlex.quote(u.hostname or '127.0.0.1')}")
print(f"export RASA_REDIS_PORT={u.port or 6379}")
print(f"export RASA_REDIS_DB={(u.path or '/0').lstrip('/') or '0'}")
print(f"export RASA_REDIS_PASSWORD={shlex.quote(u.password or '')}")
PY
)"
export TRACKER_EXPIRY_SECONDS=$(( ${RETENTION_DAYS:-30} * 86400 ))
