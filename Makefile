# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a dependency file changes.
$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt pyproject.toml verifier_client/pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e ./verifier_client -e .
	touch $@

install: $(STAMP)

# A local development server: SQLite under var/, a signing key created on first start.
run: export DEBUG ?= true
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py rotate_keys --if-none
	@echo
	@echo "  authfort is starting on http://$(HOST):$(PORT)"
	@echo "  JWKS: http://$(HOST):$(PORT)/.well-known/jwks.json"
	@echo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/server.py
	$(BIN)/python bench/login_timing.py

clean:
	rm -rf $(VENV) .pytest_cache
