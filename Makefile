# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint e2e smoke bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a dependency file changes.
$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt pyproject.toml verifier_client/pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# The verifier's 0.2 distribution name; both would own verifier_client/. Drop in 0.4.
	$(BIN)/python -m pip uninstall --quiet --yes verifier-client 2>/dev/null || true
	@# Every extra: the suite proves both sides of each (tests/authfort_django/test_extras.py).
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt \
		-e "./verifier_client[drf,flask]" -e ".[metrics,openapi,otel,argon2]"
	touch $@

install: $(STAMP)

# A local development server: SQLite under var/, a signing key created on first start.
# Each variable below applies unless the environment or the make command line sets it.
# They also beat a .env file (settings read it without overriding the environment).
run: export DEBUG ?= true
# Where the mailed reset/verification links point (printed by the console email backend).
run: export AUTHFORT_FRONTEND_URL ?= http://localhost:3000
# The `iss` of tokens and the base of the metadata's URLs: where this server listens.
run: export AUTHFORT_ISSUER ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py rotate_keys --if-none
	@# About a second; with DEBUG=false the admin's styles come from here (WhiteNoise).
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo
	@echo "  authfort is starting on http://$(HOST):$(PORT) (issuer $$AUTHFORT_ISSUER)"
	@echo "  JWKS: http://$(HOST):$(PORT)/.well-known/jwks.json"
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs"
	@echo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The layer contracts first (.importlinter: seconds), then the whole suite on two
# processes (pytest-xdist; each has its own test database). TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= 2
# pytest keeps its assertion-rewritten test modules in __pycache__, as Python does with
# bytecode. With PYTHONDONTWRITEBYTECODE set, as on some CI machines, every worker
# rewrites all the test modules again on every run (about 6 s of CPU each). An empty
# value unsets it.
test e2e: export PYTHONDONTWRITEBYTECODE =
test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: install
	$(BIN)/lint-imports

# Only the end-to-end suite: real server and consumer processes over HTTP (make test runs it too).
e2e: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal tests/e2e $(PYTEST_ARGS)

# Post-deploy smoke tests over HTTP against any running deployment (smoke/): a throwaway
# account, ok/FAIL per promise. Secrets from the environment: INTROSPECTION_SECRET,
# SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD (optional).
BASE_URL ?= http://127.0.0.1:8000
smoke: install
	$(BIN)/python -m smoke $(BASE_URL)

# The peers measured side by side (bench/requirements.txt) go into the same virtualenv;
# after the table, focused measurements: reset-request timing, log and /metrics cost,
# login time of unknown users against wrong passwords.
bench: install
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	$(BIN)/python bench/run.py
	$(BIN)/python bench/recovery.py
	$(BIN)/python bench/observability.py
	$(BIN)/python bench/login_timing.py
	# Reset/verification timing, known vs unknown address (exits 1 beyond 10 %). With the file
	# backend the mail hand-over, done for a known address only, is in the measured time.
	$(BIN)/python bench/reset_timing.py --mail off
	-$(BIN)/python bench/reset_timing.py --mail file

clean:
	rm -rf $(VENV) .pytest_cache
