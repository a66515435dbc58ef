# Health Code: `make run` for a working site on SQLite with demo data, `make test` for the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEV_ENV := DEBUG=1
# The port `run` and `services` listen on (127.0.0.1 only): `make run PORT=8001` when 8000 is taken.
PORT ?= 8000

.PHONY: run test lint format services bench clean install install-dev migrate messages messages-update gettext screenshots bench-dashboard

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

run: migrate messages
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo "Open http://127.0.0.1:$(PORT) (phone width works best). Ctrl-C stops."
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install-dev messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

# Translations: the .po files are committed, the .mo files are built here (gettext's msgfmt,
# from Debian: installed with apt-get when missing and running as root).
messages: install
	@command -v msgfmt >/dev/null 2>&1 || $(MAKE) --no-print-directory gettext
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=$(VENV) --ignore=var

gettext:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing gettext (msgfmt)"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	else echo "msgfmt is missing: install gettext (sudo apt-get install gettext)"; exit 1; fi

# After changing user-facing strings: collect them into the .po, then translate every new
# msgid (no empty or fuzzy entries: tests/test_i18n.py checks).
messages-update: install
	$(DEV_ENV) $(PY) manage.py makemessages -l zh_Hans --add-location=file --no-obsolete \
	  --ignore=$(VENV) --ignore=var --ignore=static/vendor --ignore=tests --ignore=bench --ignore=docs

# README's screenshots: a throwaway server with demo data, driven by headless Chromium.
screenshots: install-dev messages
	$(PY) docs/screenshots.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The production processes (gunicorn, celery worker, celery beat) on this machine.
# Needs DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and the keys (see README, "Production").
# honcho gives the web process PORT (the Procfile binds 127.0.0.1:$PORT).
services: install-dev messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/honcho start --port $(PORT)

bench: install-dev
	$(PY) bench/run.py

# The health authority's dashboard at a million people (Postgres: DATABASE_URL's server, or local).
bench-dashboard: install-dev
	$(PY) bench/dashboard.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
