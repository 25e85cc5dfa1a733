# Multi-stage build with two final targets (docker compose picks them):
#   --target rasa     Rasa 3.6.21 + the action server, Python 3.10, model baked in (internal)
#   --target gateway  the internet-facing gateway, current Python and packages
# Both run as the unprivileged user 10001 (numeric, so Kubernetes' runAsNonRoot can check it).
# Only the run-time locks go in (gateway.lock, rasa.lock, with hashes); tests and tools are in
# dev.lock / rasa-dev.lock. tests/test_deploy.py lints this file with hadolint and imports each
# image's code from a copy holding only what the COPY lines below bring in.

# ---- Rasa: install, then train the model into the image -------------------------
FROM python:3.10-slim-bookworm AS rasa-build
WORKDIR /app
COPY requirements/rasa.lock requirements/rasa.lock
RUN python -m venv /app/.venv-rasa \
 && /app/.venv-rasa/bin/pip install --no-cache-dir --require-hashes -r requirements/rasa.lock
COPY config.yml ./
COPY domain domain
COPY nlu_data nlu_data
# Rasa's default paths, links to the topic folders as in the repository (a test checks them)
RUN ln -s nlu_data data && ln -s domain domain.yml
# config.yml names a component of ours (rasa_addons.metadata_slots): training imports it
COPY rasa_addons rasa_addons
COPY scripts/model_hash.sh scripts/train.sh scripts/
RUN RASA_VENV=/app/.venv-rasa scripts/train.sh

FROM python:3.10-slim-bookworm AS rasa
RUN groupadd --gid 10001 app && useradd --create-home --uid 10001 --gid 10001 app
WORKDIR /app
COPY --from=rasa-build /app/.venv-rasa /app/.venv-rasa
COPY --from=rasa-build /app/models /app/models
COPY --chown=10001:10001 config.yml endpoints.redis.yml credentials.yml ./
COPY --chown=10001:10001 domain domain
COPY --chown=10001:10001 actions actions
# the report form's answer examples, read by actions/report.py
COPY --chown=10001:10001 nlu_data/report/nlu.yml nlu_data/report/nlu.yml
# the report form's personal-data detector, shared with the gateway (standard library only)
COPY --chown=10001:10001 bot/__init__.py bot/__init__.py
COPY --chown=10001:10001 bot/reports/__init__.py bot/reports/pii.py bot/reports/
COPY --chown=10001:10001 knowledge knowledge
COPY --chown=10001:10001 wording wording
COPY --chown=10001:10001 rasa_addons rasa_addons
COPY --chown=10001:10001 scripts/rasa_main.py scripts/rasa_main.py
USER 10001:10001
ENV PYTHONUNBUFFERED=1
EXPOSE 5005 5055
CMD ["sh", "-c", "exec /app/.venv-rasa/bin/python scripts/rasa_main.py run --model \"$(cat models/current.txt)\" --enable-api --auth-token \"$RASA_TOKEN\" -i 0.0.0.0 -p 5005 --endpoints endpoints.redis.yml --credentials credentials.yml"]

# ---- Gateway ------------------------------------------------------------------
FROM python:3.12-slim-bookworm AS gateway-build
WORKDIR /app
COPY requirements/gateway.lock requirements/gateway.lock
RUN python -m venv /app/.venv \
 && /app/.venv/bin/pip install --no-cache-dir --require-hashes -r requirements/gateway.lock

FROM python:3.12-slim-bookworm AS gateway
# DejaVu for the authority's PDF (bot/reports/pdf.py); pinned to bookworm's only version.
# No curl: the health check is Python's urllib.
# var/spool keeps messages while Redis is down (SPOOL_DIR): the one place the gateway writes.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core=2.37-6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 app && useradd --create-home --uid 10001 --gid 10001 app \
 && mkdir -p /app/var/spool && chown -R 10001:10001 /app/var
WORKDIR /app
COPY --from=gateway-build /app/.venv /app/.venv
COPY --chown=10001:10001 bot bot
COPY --chown=10001:10001 domain domain
RUN ln -s domain domain.yml
COPY --chown=10001:10001 knowledge knowledge
COPY --chown=10001:10001 wording wording
USER 10001:10001
ENV HOST=0.0.0.0 PORT=8080 PYTHONUNBUFFERED=1
EXPOSE 8080
# Liveness, not readiness: the gateway alive and giving 112 is healthy even when Rasa is down.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["/app/.venv/bin/python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/livez', timeout=4)"]
CMD ["/app/.venv/bin/python", "-m", "bot"]
