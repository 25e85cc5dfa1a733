# Multi-stage build with two final targets (docker compose picks them):
#   --target rasa     Rasa 3.6.21 + the action server, Python 3.10, model baked in (internal)
#   --target gateway  the internet-facing gateway, current Python and packages
# Both run as an unprivileged user. No Docker engine runs on the dev machines, so this
# file is checked by review, not by CI.

# ---- Rasa: install, then train the model into the image -------------------------
FROM python:3.10-slim-bookworm AS rasa-build
WORKDIR /app
COPY requirements/rasa.lock requirements/rasa.lock
RUN python -m venv /app/.venv-rasa \
 && /app/.venv-rasa/bin/pip install --no-cache-dir -r requirements/rasa.lock
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
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 10001 app
WORKDIR /app
COPY --from=rasa-build /app/.venv-rasa /app/.venv-rasa
COPY --from=rasa-build /app/models /app/models
COPY --chown=app:app config.yml endpoints.redis.yml credentials.yml ./
COPY --chown=app:app domain domain
COPY --chown=app:app actions actions
# the report form's answer examples, read by actions/report.py
COPY --chown=app:app nlu_data/report/nlu.yml nlu_data/report/nlu.yml
# the report form's personal-data detector, shared with the gateway (standard library only)
COPY --chown=app:app bot/__init__.py bot/__init__.py
COPY --chown=app:app bot/reports/__init__.py bot/reports/pii.py bot/reports/
COPY --chown=app:app knowledge knowledge
COPY --chown=app:app wording wording
COPY --chown=app:app rasa_addons rasa_addons
COPY --chown=app:app scripts/rasa_main.py scripts/rasa_main.py
USER app
ENV PYTHONUNBUFFERED=1
EXPOSE 5005 5055
CMD ["sh", "-c", "exec /app/.venv-rasa/bin/python scripts/rasa_main.py run --model \"$(cat models/current.txt)\" --enable-api --auth-token \"$RASA_TOKEN\" -i 0.0.0.0 -p 5005 --endpoints endpoints.redis.yml --credentials credentials.yml"]

# ---- Gateway ------------------------------------------------------------------
FROM python:3.12-slim-bookworm AS gateway-build
WORKDIR /app
COPY requirements/gateway.lock requirements/gateway.lock
RUN python -m venv /app/.venv && /app/.venv/bin/pip install --no-cache-dir -r requirements/gateway.lock

FROM python:3.12-slim-bookworm AS gateway
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 10001 app
WORKDIR /app
COPY --from=gateway-build /app/.venv /app/.venv
COPY --chown=app:app bot bot
COPY --chown=app:app domain domain
RUN ln -s domain domain.yml
COPY --chown=app:app knowledge knowledge
COPY --chown=app:app wording wording
USER app
ENV HOST=0.0.0.0 PORT=8080 PYTHONUNBUFFERED=1
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
CMD ["/app/.venv/bin/python", "-m", "bot"]
