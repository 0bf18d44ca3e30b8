# Newcomer commands: `make demo` and `make test`. Everything else is for developers.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Find a Python >= 3.12: an explicit PYTHON=..., then python3.13/3.12 on PATH, then pyenv's
# installed versions (pyenv shims exist but fail when that version is not activated).
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 /usr/bin/python3.13 /usr/bin/python3.12; do \
	if $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo $$p; break; fi; done)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# The demo needs no services: an SQLite file (the settings' default, so `manage.py createsuperuser`
# or `create_api_key` without DATABASE_URL reach the same file), and no broker so background jobs run in the web
# process (empty values also win over a developer's .env file).
DEMO_ENV := DJANGO_SETTINGS_MODULE=clac.settings.local DATABASE_URL=sqlite:///var/demo.sqlite3 REDIS_URL= CELERY_BROKER_URL=
DEMO_PORT ?= 8000

.PHONY: help venv demo test test-fast lint typecheck fmt messages compilemessages worker beat ci bench clean

help:
	@echo "make demo    - install, migrate an SQLite database, load demo data and serve on http://127.0.0.1:$(DEMO_PORT)"
	@echo "make test    - run the whole test suite (PostgreSQL and Redis when reachable; required when CI is set)"
	@echo "make test-fast - the suite without the integration tests (real worker, Redis)"
	@echo "make lint    - ruff, the import layers contract (lint-imports), migrations check"
	@echo "make typecheck - mypy with the Django and DRF plugins"
	@echo "make fmt | messages | bench"
	@echo "make worker | beat - a Celery worker / the periodic scheduler (needs REDIS_URL or CELERY_BROKER_URL)"
	@echo "make ci      - what CI runs (.ci/run): services, lint, deploy checks, schema, tests, demo path"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "No Python >= 3.12 found. Install one or run: make PYTHON=/path/to/python3.12 ..."; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# GNU gettext's msgfmt when installed; otherwise a portable compiler (polib), so a machine
# without gettext can still run the demo.
compilemessages: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages --ignore=.venv --ignore=var -v 0; \
	else \
		$(PY) -m scripts.compile_messages; \
	fi

messages: venv
	$(MANAGE) makemessages -l es -l en -l pt_BR -l fr --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv --ignore=var -v 0

demo: venv compilemessages
	@mkdir -p var
	rm -f var/demo.sqlite3
	$(DEMO_ENV) $(MANAGE) migrate --noinput -v 0
	$(DEMO_ENV) $(MANAGE) seed_demo --scale small --seed 1 --port $(DEMO_PORT)
	@echo "Serving on http://127.0.0.1:$(DEMO_PORT)  (Ctrl+C to stop)"
	$(DEMO_ENV) $(MANAGE) runserver 127.0.0.1:$(DEMO_PORT)

# The whole suite in two passes: the hermetic tests spread over the machine's cores (pytest-xdist,
# one test database per worker), then the integration tests one at a time (a real Celery worker,
# Redis, SMTP and a browser do not share well). Exit code 5 (nothing selected) is not a failure.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
test: venv compilemessages
	$(VENV)/bin/pytest -m "not integration" -n $(TEST_WORKERS) $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(VENV)/bin/pytest -m integration $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-fast: venv compilemessages
	$(VENV)/bin/pytest -m "not integration" $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=clac.settings.test $(MANAGE) makemigrations --check --dry-run

# mypy with the Django and DRF plugins over the platform and the registry (pyproject.toml).
typecheck: venv
	$(VENV)/bin/mypy

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# A broker is needed: REDIS_URL or CELERY_BROKER_URL in the environment or in .env.
define require_broker
	@if [ -z "$$REDIS_URL$$CELERY_BROKER_URL" ] && ! grep -qsE '^(REDIS_URL|CELERY_BROKER_URL)=.+' .env; then \
		echo "Set REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379/0 make $@): without a broker, tasks run inside the web process."; exit 1; fi
endef

worker: venv
	$(require_broker)
	$(VENV)/bin/celery -A clac worker --loglevel=INFO

beat: venv
	$(require_broker)
	@mkdir -p var
	$(VENV)/bin/celery -A clac beat --loglevel=INFO --schedule=var/celerybeat-schedule

ci:
	.ci/run

# One benchmark over a database seeded before, e.g.:
#   make bench BENCH_ARGS="members_pages --existing-database clac_large"
bench: venv
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3 var/celerybeat-schedule*
