#!/usr/bin/env bash
# Adoption, as a Django developer with an existing project does it (issue 15): in a fresh
# virtualenv, from the wheels installed BY NAME (WHEELHOUSE, built by check_packages.sh),
# a new `django-admin startproject` that keeps Django's default auth.User gets the
# README's "Add it to an existing Django project" snippets (extracted from README.md, so
# the two cannot drift), then migrate, a username-based createsuperuser, rotate_keys
# --if-none and runserver. Register, login, me, refresh, JWKS and introspection answer
# as documented, and the pre-existing superuser signs in with their email.
set -Eeuo pipefail
trap 'echo "check_adoption FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
source .ci/lib.sh
repo=$PWD
WHEELHOUSE=${WHEELHOUSE:-$repo/.ci/wheelhouse}
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill -- -"$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip install --quiet --find-links "$WHEELHOUSE" authfort-django
cd "$work"
"$work/venv/bin/django-admin" startproject shop
cd shop

# The README's snippets, appended as written.
"$py" - "$repo/README.md" <<'PY'
import re, sys
readme = open(sys.argv[1], encoding="utf-8").read()
def snippet(name):
    block = re.search(rf"<!-- adoption:{name} -->\s*```python\n(.*?)```\s*<!-- /adoption:{name} -->", readme, re.S)
    assert block, f"README.md has no adoption:{name} snippet"
    return block.group(1)
with open("shop/settings.py", "a", encoding="utf-8") as settings:
    settings.write("\n" + snippet("settings"))
with open("shop/urls.py", "a", encoding="utf-8") as urls:
    urls.write("\n" + snippet("urls"))
PY
grep -q 'AUTH_USER_MODEL' shop/settings.py && { echo "the project must keep Django's default user model" >&2; exit 1; }

"$py" manage.py check --fail-level ERROR
"$py" manage.py migrate --noinput -v 0
DJANGO_SUPERUSER_USERNAME=boss DJANGO_SUPERUSER_EMAIL=Boss@Example.com DJANGO_SUPERUSER_PASSWORD='a boss passphrase 81' \
  "$py" manage.py createsuperuser --noinput
"$py" manage.py rotate_keys --if-none

port=$(free_port)
setsid "$py" manage.py runserver --noreload "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
wait_healthy "http://127.0.0.1:$port" "$server" "$work/server.log"

"$py" - "http://127.0.0.1:$port" <<'PY'
import json, sys, urllib.error, urllib.request

base = sys.argv[1]
def call(method, path, body=None, token=None, expect=200):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    assert status == expect, f"{method} {path}: {status} {payload[:300]!r} (expected {expect})"
    return json.loads(payload) if payload else None

new = {"email": "ada@example.com", "password": "correct horse battery staple", "name": "Ada"}
registered = call("POST", "/auth/register", new, expect=201)
assert registered["user"]["email"] == "ada@example.com" and registered["access_token"]
pair = call("POST", "/auth/login", {"email": "ADA@example.com", "password": new["password"]})
me = call("GET", "/auth/me", token=pair["access_token"])
assert me["id"] == registered["user"]["id"] and me["name"] == "Ada", me
renewed = call("POST", "/auth/refresh", {"refresh_token": pair["refresh_token"]})
call("POST", "/auth/refresh", {"refresh_token": pair["refresh_token"]}, expect=401)  # reuse is detected
keys = call("GET", "/.well-known/jwks.json")["keys"]
assert keys and all("d" not in key for key in keys), keys
assert call("GET", "/auth/me", token=renewed["access_token"], expect=401)["code"] == "token_revoked"  # its session ended
fresh = call("POST", "/auth/login", {"email": "ada@example.com", "password": new["password"]})
request = urllib.request.Request(base + "/auth/introspect", method="POST",
    data=json.dumps({"token": fresh["access_token"]}).encode())
request.add_header("Content-Type", "application/json")
request.add_header("Authorization", "Bearer change-me-to-a-long-random-secret")
with urllib.request.urlopen(request) as response:
    answer = json.loads(response.read())
assert answer["active"] is True and answer["sub"] == me["id"], answer
# The superuser made by createsuperuser (a username) signs in with their email address.
boss = call("POST", "/auth/login", {"email": "boss@example.com", "password": "a boss passphrase 81"})
assert call("GET", "/auth/me", token=boss["access_token"])["is_staff"] is True
print("adoption: a startproject with auth.User serves register, login, me, refresh, JWKS and introspection; the superuser signs in by email")
PY
