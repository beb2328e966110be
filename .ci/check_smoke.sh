#!/usr/bin/env bash
# The post-deploy smoke suite against a fresh `make run`: start it on a free port with a
# database of its own (and introspection on), wait for /health, run `make smoke`, stop it.
set -Eeuo pipefail
unset REDIS_URL  # the server keeps its throttle counters in its own memory
cd "$(dirname "$0")/.."
source .ci/lib.sh
port=$(free_port)
base="http://127.0.0.1:$port"
work=$(mktemp -d)
secret="smoke-introspection-$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
DATABASE_URL="sqlite:///$work/smoke.sqlite3" AUTHFORT_INTROSPECTION_SECRETS="$secret" \
  setsid make run PORT="$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill -- -"$server" 2>/dev/null || true; rm -rf "$work"' EXIT

wait_healthy "$base" "$server" "$work/server.log"

if ! INTROSPECTION_SECRET="$secret" make --no-print-directory smoke BASE_URL="$base"; then
  cat "$work/server.log"
  echo "the smoke suite failed against make run" >&2
  exit 1
fi
