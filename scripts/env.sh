# Sourced by the run scripts: the embedded default's configuration.
# Secrets are generated once into var/secrets.env (never committed); anything
# already set in the environment wins. Derives what Rasa's endpoints.redis.yml needs.
mkdir -p var
# Each secret is generated once, if missing (new secrets can be added to an old file).
"${VENV:-.venv}/bin/python" - <<'PY'
import os, secrets
from cryptography.fernet import Fernet
path = "var/secrets.env"
have = {}
if os.path.exists(path):
    for line in open(path):
        name, _, value = line.strip().partition("=")
        if name:
            have[name] = value
make = {
    "PSEUDONYM_KEY": lambda: secrets.token_urlsafe(48),
    "DATA_ENCRYPTION_KEYS": lambda: Fernet.generate_key().decode(),
    "REPORT_ENCRYPTION_KEYS": lambda: Fernet.generate_key().decode(),
    "TRACKER_ENCRYPTION_KEYS": lambda: Fernet.generate_key().decode(),
    "RASA_TOKEN": lambda: secrets.token_urlsafe(24),
    "OPERATOR_API_TOKEN": lambda: secrets.token_urlsafe(32),
}
missing = [n for n in make if n not in have]
if missing:
    old = os.umask(0o077)
    with open(path, "a") as f:
        for name in missing:
            f.write(f"{name}={make[name]()}\n")
    os.umask(old)
    print(f"env: generated {', '.join(missing)} into {path} (keys for this machine only)", file=__import__("sys").stderr)
PY
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
# RASA_PROCESSES=N: scripts/rasa.sh starts N Rasa processes on consecutive ports; the gateway
# takes them all (RASA_URLS, comma-separated; when set, it wins over RASA_URL).
export RASA_PROCESSES=${RASA_PROCESSES:-1}
if [ -z "${RASA_URLS:-}" ] && [ "$RASA_PROCESSES" -gt 1 ]; then
  RASA_URLS=$(for i in $(seq 0 $((RASA_PROCESSES - 1))); do printf 'http://127.0.0.1:%s,' $((RASA_PORT + i)); done)
  export RASA_URLS=${RASA_URLS%,}
fi
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://127.0.0.1:$ACTION_PORT}
if [ -z "${REDIS_URL:-}" ]; then
  export EMBEDDED_REDIS=1 REDIS_PORT=${REDIS_PORT:-6379}
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
fi
# Rasa's endpoints.redis.yml takes host/port/db/password separately.
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
