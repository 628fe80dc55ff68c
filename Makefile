# Rollout: `make run` starts everything, `make test` runs the whole suite. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# SEED_DEMO=0 skips the demo organization (and its public demo password) on a real database.
SEED_DEMO ?= 1

.PHONY: run test lint format install install-dev migrate clean bench messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Rollout needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Embedded by default (SQLite, filesystem broker, email to var/mail); DATABASE_URL and REDIS_URL
# switch to PostgreSQL and Redis. DJANGO_DEBUG defaults to on here: this is the local command.
run: export DJANGO_DEBUG ?= 1
run: export HOST := $(HOST)
run: install
	@mkdir -p var/mail
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@if [ "$(SEED_DEMO)" != "0" ]; then $(BIN)/python manage.py seed_demo; fi
	@echo ""
	@echo "Rollout is starting on http://$(HOST):$(PORT)/  (web + Celery worker + beat; Ctrl-C stops all)"
	@echo "Health: http://$(HOST):$(PORT)/healthz   Email sent by the app lands in var/mail/"
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --port $(PORT)

# The OpenID Connect provider the single sign-on tests start (tests/oidc, the npm package oidc-provider,
# pinned by its package-lock.json). Without npm those tests skip on a laptop and fail in CI.
OIDC_MODULES := tests/oidc/node_modules/.package-lock.json
$(OIDC_MODULES): tests/oidc/package.json tests/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the single sign-on tests that need tests/oidc will skip (CI fails them)"; fi

test: install-dev $(OIDC_MODULES)
	$(BIN)/pytest $(PYTEST_ARGS)

# The translation catalogues (docs/international.md): collect the marked strings into locale/*/django.po,
# then, once translated, compile them to the .mo files Rollout reads (both are in git). Needs GNU gettext.
messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=tests --ignore=var --ignore=static --ignore=node_modules
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Performance at enterprise scale against the local PostgreSQL and Redis (docs/performance.md):
# creates and seeds the rollout_bench database on first use, prints a table, writes var/bench/results.json.
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rollout_bench
bench: export REDIS_URL ?= redis://127.0.0.1:6379/13
bench: install-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

migrate: install
	$(BIN)/python manage.py migrate --noinput

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
