#!/usr/bin/env bash
# verifier-client must install and import in a virtualenv that has no Django or
# Flask, and its adapters must then name the pip extra to install.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)/venv
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet ./verifier_client
"$venv/bin/python" - <<'PY'
import importlib.util
import verifier_client

assert importlib.util.find_spec("django") is None and importlib.util.find_spec("flask") is None
assert verifier_client.TokenVerifier and verifier_client.__all__ == sorted(verifier_client.__all__)
for module, extra in (("verifier_client.drf", "verifier-client[drf]"), ("verifier_client.flask", "verifier-client[flask]")):
    try:
        __import__(module)
    except ImportError as exc:
        assert extra in str(exc), exc
    else:
        raise AssertionError(f"{module} imported without its framework")
print("verifier-client: installs alone; drf/flask adapters name their extras")
PY
