#!/usr/bin/env bash
# Both distributions build (sdist, then the wheel from the sdist) into a wheelhouse and
# install by name from it, each in a fresh virtualenv:
#   authfort-django (no extra)  holds none of the extras' packages nor django-environ;
#                               its wheel has py.typed, the migrations and the templates;
#                               a startproject-style project (tests/bare_project) passes
#                               `check` and serves /auth/register and /auth/login.
#   authfort-verifier[drf]      no Flask, no PyJWT; the Flask adapter names its extra;
#                               then the verifier's own tests run against that wheel.
# The wheelhouse stays for later steps (WHEELHOUSE, default .ci/wheelhouse, gitignored):
#   pip install --find-links .ci/wheelhouse authfort-django
set -Eeuo pipefail
trap 'echo "check_packages FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
repo=$PWD
WHEELHOUSE=${WHEELHOUSE:-$repo/.ci/wheelhouse}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fresh_venv() {  # fresh_venv <name>: a new virtualenv under $work; prints its python
  python3 -m venv "$work/$1"
  "$work/$1/bin/python" -m pip install --quiet --upgrade pip
  echo "$work/$1/bin/python"
}

echo "-- building sdists and wheels into $WHEELHOUSE"
rm -rf "$WHEELHOUSE" && mkdir -p "$WHEELHOUSE"
builder=$(fresh_venv build)
"$builder" -m pip install --quiet build
"$builder" -m build --quiet --outdir "$WHEELHOUSE" .
"$builder" -m build --quiet --outdir "$WHEELHOUSE" verifier_client
ls "$WHEELHOUSE"

echo "-- what the distributions hold"
"$builder" - "$WHEELHOUSE" <<'PY'
import sys, tarfile, zipfile
from pathlib import Path

house = Path(sys.argv[1])
(app,) = house.glob("authfort_django-*.whl")
(verifier,) = house.glob("authfort_verifier-*.whl")
app_names = zipfile.ZipFile(app).namelist()
verifier_names = zipfile.ZipFile(verifier).namelist()
for wanted in ("authfort_django/py.typed", "authfort_django/migrations/0001_initial.py",
               "authfort_django/templates/authfort_django/email/password_reset_body.txt"):
    assert wanted in app_names, f"{app.name} lacks {wanted}"
assert "verifier_client/py.typed" in verifier_names, f"{verifier.name} lacks py.typed"
for names, wheel in ((app_names, app), (verifier_names, verifier)):
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), f"{wheel.name} has no LICENSE"
    assert not any(n.startswith(("tests/", "config/")) for n in names), f"{wheel.name} holds more than its package"
for sdist in house.glob("*.tar.gz"):
    names = tarfile.open(sdist).getnames()
    assert any(n.endswith("/LICENSE") for n in names), f"{sdist.name} has no LICENSE"
print("wheels: py.typed, migrations, templates and LICENSE are in; sdists carry LICENSE")
PY

echo "-- pip install --find-links <wheelhouse> authfort-django (no extra)"
bare=$(fresh_venv bare)
"$bare" -m pip install --quiet --find-links "$WHEELHOUSE" authfort-django
(cd "$work" && "$bare" - <<'PY'
import importlib.metadata as metadata
import importlib.util

absent_modules = ("environ", "prometheus_client", "drf_spectacular", "drf_spectacular_sidecar", "opentelemetry", "argon2")
present = [m for m in absent_modules if importlib.util.find_spec(m) is not None]
assert not present, f"a bare install holds {present}"
installed = {d.metadata["Name"].lower().replace("_", "-") for d in metadata.distributions()}
unwanted = {"django-environ", "prometheus-client", "drf-spectacular", "drf-spectacular-sidecar", "argon2-cffi"}
leaked = sorted(installed & unwanted | {n for n in installed if n.startswith("opentelemetry")})
assert not leaked, f"a bare install pulled {leaked}"
assert {"authfort-django", "authfort-verifier", "django", "djangorestframework"} <= installed, installed
print("bare install:", ", ".join(sorted(installed)))
PY
)
report=$("$bare" tests/bare_project/smoke.py bare_settings serve | tail -n 1)
"$bare" - "$report" <<'PY'
import json, sys

report = json.loads(sys.argv[1])
assert "site-packages" in report["app_file"], report["app_file"]
assert report["register"] == 201 and report["login"] == 200 and report["has_access_token"], report
assert report["check_ids"] == ["authfort.I101"], report["check_ids"]  # /metrics needs [metrics]
assert report["metrics"] == report["schema"] == report["docs"] == 404, report
print("bare project: check passes (I101 only), register 201, login 200, no /metrics or /api/schema")
PY

echo "-- pip install --find-links <wheelhouse> \"authfort-verifier[drf]\""
verifier=$(fresh_venv verifier)
"$verifier" -m pip install --quiet --find-links "$WHEELHOUSE" "authfort-verifier[drf]"
(cd "$work" && "$verifier" - <<'PY'
import importlib.util
from pathlib import Path

import verifier_client
import verifier_client.drf  # the [drf] extra is installed

assert "site-packages" in verifier_client.__file__, verifier_client.__file__
assert (Path(verifier_client.__file__).parent / "py.typed").is_file()
for absent in ("flask", "jwt", "authfort_django"):
    assert importlib.util.find_spec(absent) is None, f"authfort-verifier[drf] pulled {absent}"
assert verifier_client.TokenVerifier and verifier_client.__all__ == sorted(verifier_client.__all__)
try:
    import verifier_client.flask
except ImportError as exc:
    assert 'pip install "authfort-verifier[flask]"' in str(exc), exc
else:
    raise AssertionError("verifier_client.flask imported without Flask")
print("authfort-verifier[drf]: no Flask, no PyJWT; the Flask adapter names its extra")
PY
)

echo "-- the verifier's tests against the installed wheel"
# The suite's settings are the reference project's (tests/settings.py), so its
# dependencies come too; verifier_client itself stays the wheel's.
"$verifier" -m pip install --quiet --find-links "$WHEELHOUSE" -r requirements-dev.txt \
  "authfort-verifier[drf,flask]" "authfort-django[metrics,openapi,otel,argon2]"
"$verifier" -c 'import verifier_client, sys; assert "site-packages" in verifier_client.__file__, sys.path'
env -u DATABASE_URL -u REDIS_URL "$verifier" -m pytest -p no:cacheprovider -q tests/verifier_client
echo "packages: OK (wheelhouse: $WHEELHOUSE)"
