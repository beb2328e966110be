#!/usr/bin/env bash
# The README's first command and its "Try it" steps, as a new user runs them:
# `make run` (SQLite, key created on first start), then register, log in, /auth/me
# and the JWKS over HTTP. Fails on any step.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
# Never 8000 (the default): the metadata check below must tell PORT apart from it.
port=$(free_port)
base="http://127.0.0.1:$port"
# As a new user has it: the issuer follows HOST and PORT.
unset AUTHFORT_ISSUER
log=$(mktemp)
setsid make run PORT="$port" >"$log" 2>&1 &
server=$!
trap 'kill -- -"$server" 2>/dev/null || true; rm -f "$log"' EXIT

wait_healthy "$base" "$server" "$log"
grep -q "JWKS: $base/.well-known/jwks.json" "$log" || { cat "$log"; echo "make run did not print the JWKS URL" >&2; exit 1; }
# `make run PORT=...` publishes its own address, not the default port's.
curl -sf "$base/.well-known/oauth-authorization-server" | python3 -c '
import json, sys
base = sys.argv[1]
doc = json.load(sys.stdin)
assert doc["issuer"] == base, doc["issuer"]
assert doc["jwks_uri"] == base + "/.well-known/jwks.json", doc["jwks_uri"]' "$base" \
  || { echo "the metadata does not name $base as issuer and JWKS host" >&2; exit 1; }

email="readme-$$-$RANDOM@example.com"
body="{\"email\": \"$email\", \"password\": \"correct horse battery staple\", \"name\": \"Ada\"}"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/auth/register" -H 'Content-Type: application/json' -d "$body")
[ "$status" = 201 ] || { echo "register answered $status" >&2; exit 1; }
token=$(curl -sf -X POST "$base/auth/login" -H 'Content-Type: application/json' -d "$body" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -sf "$base/auth/me" -H "Authorization: Bearer $token" | grep -q "\"email\":\"$email\""
curl -sf "$base/.well-known/jwks.json" | python3 -c '
import json, sys
keys = json.load(sys.stdin)["keys"]
assert keys and all(set(k) == {"kty", "n", "e", "kid", "use", "alg"} for k in keys), keys'
# The password reset: 202, and the console email backend prints the mail with its link.
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/auth/password-reset" \
  -H 'Content-Type: application/json' -d "{\"email\": \"$email\"}")
[ "$status" = 202 ] || { echo "password-reset answered $status" >&2; exit 1; }
for _ in $(seq 1 20); do grep -q "http://localhost:3000/reset-password?token=" "$log" && break; sleep 0.5; done
grep -q "http://localhost:3000/reset-password?token=" "$log" \
  || { cat "$log"; echo "make run did not print the reset mail's link" >&2; exit 1; }
grep -q "API docs: $base/api/docs" "$log" || { cat "$log"; echo "make run did not print the docs URL" >&2; exit 1; }
curl -sf "$base/api/docs" | grep -i "swagger" >/dev/null || { echo "/api/docs did not serve Swagger UI" >&2; exit 1; }
curl -sf "$base/api/schema" | grep "/auth/password-reset" >/dev/null || { echo "/api/schema lacks the reset endpoint" >&2; exit 1; }
echo "README flow: make run on port $port (issuer and jwks_uri on it), register, login, /auth/me, the JWKS, a password-reset mail and the API docs answered as documented"
