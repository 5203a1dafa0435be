# The portal's commands. `make help` lists them; `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BIN ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9

.PHONY: help
help: ## List the commands
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	@test -x $(UV) || $(VENV)/bin/pip install --quiet "uv==$(UV_VERSION)"
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --extra dev --inexact --compile-bytecode --quiet
	@touch $@

.PHONY: install
install: $(VENV)/.installed ## Create the virtualenv and install the locked dependencies
	@scripts/ensure_system.sh

.PHONY: services
services: install ## Make sure PostgreSQL and Redis are up and the database exists
	@scripts/ensure_services.sh

.PHONY: setup
setup: services ## Everything before running: install, services, migrations, demo data
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo

.PHONY: run
run: setup ## Start the portal, a Celery worker and beat (Ctrl-C stops all three)
	@$(PY) manage.py print_demo_logins
	@$(VENV)/bin/honcho start -f Procfile

.PHONY: lint
lint: install ## Lint with ruff and type-check services with mypy
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy --no-incremental --cache-dir=/dev/null accounts audit providers qualifications learners registrations results certificates lrs_sync lrs_sandpit outbox people_search awards_portal

.PHONY: test
test: services lint ## Lint, then every test (unit, integration, browser) with coverage
	@mkdir -p var
	@DJANGO_SETTINGS_MODULE=awards_portal.settings.test $(VENV)/bin/pytest --create-db --cov --cov-report=term:skip-covered -q

.PHONY: bench
bench: setup ## Run the benchmarks under bench/
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

.PHONY: clean
clean: ## Remove the virtualenv and generated files (the database is kept)
	rm -rf $(VENV) var/staticfiles var/test-media
