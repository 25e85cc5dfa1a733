# Child-protection chat service. `make help` lists the targets.
VENV ?= .venv
RASA_VENV ?= .venv-rasa
export VENV RASA_VENV
# parallel pytest processes (pytest-xdist) for the tests that need no model (make test, make
# test-fast; 0 = all in pytest's own process, e.g. to debug with --pdb)
TEST_WORKERS ?= 3
export TEST_WORKERS
# Every rasa command uses Rasa's default paths: data/ and domain.yml (links to the topic
# folders nlu_data/ and domain/), config.yml, endpoints.yml, models/. So plain `rasa train`,
# `rasa data validate`, `rasa shell` work from here too (README: "Rasa by hand").
PY := $(VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa

.PHONY: operator help setup run test test-fast test-actions train validate shell interactive pytest stories lint bench lock lock-rasa clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

setup:  ## build .venv and .venv-rasa from the lock files (fast when unchanged)
	@scripts/setup.sh

run:  ## set up, train if needed, start Redis, Rasa, actions and the gateway
	@scripts/run.sh

operator: setup  ## add a console account to the running service: make operator NAME=anna [ROLE=supervisor]
	@test -n "$(NAME)" || { echo 'usage: make operator NAME=anna [ROLE=supervisor]'; exit 2; }
	@bash -c '. scripts/env.sh && exec "$$0" -m bot.console add-operator "$$1" --role "$$2"' \
	  "$(PY)" "$(NAME)" "$(or $(ROLE),operator)"

train: setup  ## train the Rasa model unless one for this data exists
	@scripts/train.sh

shell: setup train  ## talk to the bot in the terminal (rasa shell and the action server; no gateway, no screening)
	@scripts/shell.sh shell

interactive: setup train  ## rasa interactive: correct the bot's predictions and save them as stories
	@scripts/shell.sh interactive

validate: setup  ## rasa data validate, warnings are failures
	$(RASA) data validate --fail-on-warnings

pytest: setup train  ## the pytest suite (real Redis, real Rasa, Chromium)
	$(PY) -m pytest

stories: setup train  ## Rasa's story tests; prediction errors are failures
	$(RASA) test core --stories tests/test_stories.yml --model "$$(cat models/current.txt)" \
	  --fail-on-prediction-errors --out results/core

test:  ## everything CI runs: validate, train, pytest, stories (scripts/test.sh overlaps the training with the tests that need no model)
	@scripts/test.sh

test-actions:  ## the custom actions in-process in .venv-rasa's pytest (tests_actions/: saved trackers, seconds)
	@scripts/test_actions.sh

test-fast:  ## the edit loop: pytest without the trained model, Chromium and the slow tests, in TEST_WORKERS processes (CONTRIBUTING.md)
	$(PY) -m pytest -m "not needs_model and not browser and not slow" -q -x -n $(TEST_WORKERS) --dist worksteal

# The Python code: the gateway's (Python 3.11, .venv) and Rasa's (actions/, rasa_addons/,
# tests_actions/, scripts/rasa_main.py, and knowledge/ and wording/ which both import: Python 3.10, checked
# against .venv-rasa's packages). Settings: pyproject.toml.
PY_CODE := bot actions rasa_addons knowledge wording tests tests_actions bench scripts
RASA_CODE := actions rasa_addons tests_actions scripts/rasa_main.py

lint: setup  ## ruff, then mypy on the gateway's code and on Rasa's (its own Python and packages)
	$(PY) -m ruff check $(PY_CODE)
	$(PY) -m mypy
	$(PY) -m mypy --python-executable $(RASA_VENV)/bin/python --python-version 3.10 $(RASA_CODE)

bench:  ## the benchmarks (print figures; no pass/fail)
	$(PY) bench/safety_bench.py

lock:  ## re-resolve requirements/gateway.in and dev.in into gateway.lock and dev.lock (hashes; UPGRADE=1 to move versions)
	scripts/lock.sh gateway

lock-rasa:  ## re-resolve requirements/rasa.in and rasa-dev.in into rasa.lock and rasa-dev.lock (Python 3.10)
	scripts/lock.sh rasa

clean:  ## remove trained models and test results (keeps the environments)
	rm -rf models results .pytest_cache
