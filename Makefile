# Collections Hub — the two commands a newcomer needs:
#   make run    set up and run the product on embedded defaults
#   make test   set up and run the whole test suite (lint, types, tests on SQLite and PostgreSQL)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EDITABLES := -e ".[dev]" -e "plugins/netsuite[test]" -e "plugins/email_reminders[test]" \
             -e "plugins/sms_reminders[test]" -e tests/example_plugin
SOURCES := hub plugins/netsuite/hub_netsuite plugins/email_reminders/hub_email_reminders \
           plugins/sms_reminders/hub_sms_reminders

.PHONY: run test install services browser lint typecheck pytest bench clean

$(STAMP): pyproject.toml plugins/*/pyproject.toml tests/example_plugin/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	# setuptools and wheel (all our build backends need) are in the venv already: building the
	# five editables in it skips five isolated build environments (~25 s of a fresh install).
	$(BIN)/python -m pip install --quiet --no-build-isolation $(EDITABLES)
	touch $(STAMP)

install: $(STAMP)

services:
	bash scripts/services.sh

browser:
	bash scripts/browser.sh

run: install services
	$(BIN)/hubctl demo $(DEMO_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy $(SOURCES)

pytest: install services browser
	HUB_TEST_REQUIRE_POSTGRES=1 $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install services
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info instance
