#!/usr/bin/env bash
# The root README's Django REST framework consumer, built from exactly the text of
# its marked snippets (<!-- consumer-snippet:FILE --> ... <!-- /consumer-snippet -->)
# the way the README says: `django-admin startproject consumer`, the settings
# snippet appended to consumer/settings.py, consumer/urls.py replaced by the urls
# snippet. It runs against `make run` on a free port (with an introspection secret,
# as the README starts it), and a registered user's token must get 200 and its sub,
# no token a 401 with a code, the live check 200 and, right after a logout, 401
# token_inactive while the local check still passes. Fails on any step.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source .ci/lib.sh

fail() { echo "consumer snippet: $*" >&2; exit 1; }

port=$(free_port)
base="http://127.0.0.1:$port"
secret="ci-consumer-introspection-secret-0123456789abcdef"
work=$(mktemp -d)
server_log="$work/make-run.log"
consumer_log="$work/consumer.log"
server=""
consumer=""
cleanup() {
  [ -n "$consumer" ] && kill -- -"$consumer" 2>/dev/null || true
  [ -n "$server" ] && kill -- -"$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "--- make run:"; tail -n 40 "$server_log" 2>/dev/null; echo "--- consumer:"; tail -n 40 "$consumer_log" 2>/dev/null' ERR

AUTHFORT_INTROSPECTION_SECRETS="$secret" setsid make run PORT="$port" >"$server_log" 2>&1 &
server=$!
wait_healthy "$base" "$server" "$server_log" || fail "make run did not become healthy"

# The snippets, exactly as the README has them.
project="$work/consumer"
mkdir -p "$project"
.venv/bin/python - "$root/README.md" "$project" <<'PY'
import pathlib, re, sys

readme = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8")
marked = re.findall(
    r"<!-- consumer-snippet:(\S+) -->\n```python\n(.*?)```\n<!-- /consumer-snippet -->", readme, re.S
)
snippets = dict(marked)
if len(marked) != len(snippets) or set(snippets) != {"settings.py", "urls.py"}:
    sys.exit(f"README.md must mark exactly one settings.py and one urls.py snippet, found {[m[0] for m in marked]}")
out = pathlib.Path(sys.argv[2])
(out / "settings.snippet").write_text(snippets["settings.py"], encoding="utf-8")
(out / "urls.snippet").write_text(snippets["urls.py"], encoding="utf-8")
PY
.venv/bin/django-admin startproject consumer "$project"
{ echo; cat "$project/settings.snippet"; } >>"$project/consumer/settings.py"
cp "$project/urls.snippet" "$project/consumer/urls.py"

# The server's issuer is what make run issues (its AUTHFORT["ISSUER"]), whatever the port.
issuer=$(curl -sf "$base/.well-known/oauth-authorization-server" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["issuer"])')
export AUTH_JWKS_URL="$base/.well-known/jwks.json" AUTH_ISSUER="$issuer" AUTH_AUDIENCE=authfort \
       AUTH_INTROSPECTION_URL="$base/auth/introspect" AUTH_INTROSPECTION_SECRET="$secret"

(cd "$project" && "$root/.venv/bin/python" manage.py check) >"$work/check.out" 2>&1 \
  || { cat "$work/check.out"; fail "manage.py check failed"; }
grep -q "System check identified no issues" "$work/check.out" || { cat "$work/check.out"; fail "manage.py check reported issues"; }

consumer_port=$(free_port)
consumer_base="http://127.0.0.1:$consumer_port"
(cd "$project" && exec setsid "$root/.venv/bin/python" manage.py runserver --noreload "127.0.0.1:$consumer_port") \
  >"$consumer_log" 2>&1 &
consumer=$!
for _ in $(seq 1 60); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$consumer_base/whoami")" = 401 ] && break
  kill -0 "$consumer" 2>/dev/null || { cat "$consumer_log"; fail "the consumer exited"; }
  sleep 1
done

email="consumer-$$-$RANDOM@example.com"
registered=$(curl -sf -X POST "$base/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\": \"$email\", \"password\": \"correct horse battery staple\"}") || fail "register failed"
token=$(printf '%s' "$registered" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
user_id=$(printf '%s' "$registered" | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])')

# expect STATUS [JSON-ASSERTION] -- CURL-ARGS: the status, and a Python expression over `body`.
expect() {
  local want=$1 check=$2; shift 3
  local out status
  out=$(curl -s -w '\n%{http_code}' "$@")
  status=${out##*$'\n'}
  [ "$status" = "$want" ] || fail "$* answered $status, expected $want: ${out%$'\n'*}"
  printf '%s' "${out%$'\n'*}" | USER_ID="$user_id" python3 -c "
import json, os, sys
body = json.load(sys.stdin)
assert $check, body" || fail "$* answered $status with an unexpected body"
}
auth=(-H "Authorization: Bearer $token")

expect 200 'body["sub"] == os.environ["USER_ID"]' -- "$consumer_base/whoami" "${auth[@]}"
expect 401 'set(body) == {"detail", "code"} and body["code"] == "not_authenticated"' -- "$consumer_base/whoami"
curl -s -o /dev/null -D - "$consumer_base/whoami" | grep -qi '^WWW-Authenticate: Bearer' \
  || fail "the 401 has no Bearer challenge"
# One character of the signature changed (mid-signature, so every bit counts).
tampered=$(printf '%s' "$token" | python3 -c '
import sys
token = sys.stdin.read()
i = token.rindex(".") + 10
print(token[:i] + ("B" if token[i] == "A" else "A") + token[i + 1:])')
expect 401 'body["code"] == "invalid_signature"' -- "$consumer_base/whoami" -H "Authorization: Bearer $tampered"
expect 200 'body == {"sub": os.environ["USER_ID"], "closed": True}' -- -X POST "$consumer_base/close-account" "${auth[@]}"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/auth/logout" "${auth[@]}")
[ "$status" = 204 ] || fail "logout answered $status"
expect 401 'body["code"] == "token_inactive"' -- -X POST "$consumer_base/close-account" "${auth[@]}"
expect 200 'body["sub"] == os.environ["USER_ID"]' -- "$consumer_base/whoami" "${auth[@]}"

echo "README consumer snippet: built as written; 200 with the user's sub, 401 not_authenticated without a token, the live check refused the token right after its logout"
