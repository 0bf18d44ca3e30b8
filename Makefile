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
DEMO_SETTINGS := clac.settings.local

.PHONY: help venv demo test test-fast lint fmt typecheck messages compilemessages migrate seed run bench clean

help:
	@echo "make demo   - install, migrate an SQLite database, load demo data and serve on http://127.0.0.1:8000"
	@echo "make test   - run the whole test suite (PostgreSQL and Redis when reachable; required when CI is set)"
	@echo "make lint | fmt | messages | bench"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "No Python >= 3.12 found. Install one or run: make PYTHON=/path/to/python3.12 ..."; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

compilemessages: venv
	$(MANAGE) compilemessages --ignore=.venv --ignore=var -v 0

messages: venv
	$(MANAGE) makemessages -l es -l en -l pt_BR -l fr --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv --ignore=var -v 0

demo: venv compilemessages
	@mkdir -p var
	rm -f var/demo.sqlite3
	DATABASE_URL=sqlite:///var/demo.sqlite3 DJANGO_SETTINGS_MODULE=$(DEMO_SETTINGS) $(MANAGE) migrate --noinput -v 0
	DATABASE_URL=sqlite:///var/demo.sqlite3 DJANGO_SETTINGS_MODULE=$(DEMO_SETTINGS) $(MANAGE) seed_demo --scale small --seed 1
	@echo "Serving on http://127.0.0.1:8000  (Ctrl+C to stop)"
	DATABASE_URL=sqlite:///var/demo.sqlite3 DJANGO_SETTINGS_MODULE=$(DEMO_SETTINGS) $(MANAGE) runserver 127.0.0.1:8000

test: venv compilemessages
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=clac.settings.test $(MANAGE) makemigrations --check --dry-run

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) var/*.sqlite3
