# Health Code: `make run` for a working site on SQLite with demo data, `make test` for the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEV_ENV := DEBUG=1

.PHONY: run test lint format services bench clean install install-dev migrate

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

migrate: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput

run: migrate
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo "Open http://127.0.0.1:8000 (phone width works best). Ctrl-C stops."
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The production processes (gunicorn, celery worker, celery beat) on this machine.
# Needs DATABASE_URL, REDIS_URL and SECRET_KEY (see README, "Production").
services: install-dev
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/honcho start

bench: install-dev
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
