"""The notifications API: an authfort consumer in Flask.

Configured from the environment, with the same names as the orders example
(examples/README.md has the table):

    AUTH_JWKS_URL               the auth server's /.well-known/jwks.json
    AUTH_ISSUER                 the `iss` its tokens carry (the server's AUTHFORT_ISSUER)
    AUTH_AUDIENCE               the `aud` this service accepts (the server's AUTHFORT_AUDIENCE)
    AUTH_INTROSPECTION_URL      optional here: the server's /auth/introspect, so that
    AUTH_INTROSPECTION_SECRET   `@auth.active_required` works when a view needs a live check

and the optional AUTH_JWKS_CACHE_TTL, AUTH_JWKS_MIN_CACHE_TTL, AUTH_JWKS_MAX_STALE,
AUTH_JWKS_MIN_REFETCH_INTERVAL, AUTH_INTROSPECTION_CACHE_TTL (opt-in; default 0, so
the unsubscribe asks the auth server every time), AUTH_COOKIE_NAME and
AUTH_ALLOW_INSECURE_HTTP (see orders_service/settings.py).

Serve it with `gunicorn app:app --preload` from this directory. The notifications
are demo data held in code: the point of this example is the auth wiring, and
nothing here touches a database.
"""

from __future__ import annotations

import os

from flask import Flask, request
from verifier_client.flask import JWKSAuth, current_claims
from werkzeug.exceptions import HTTPException, InternalServerError


def _env(name: str) -> str:
    """The variable's value; refuses to start without it rather than run half-configured."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"Set the {name} environment variable (see examples/README.md).")
    return value


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _seconds(name: str) -> float | None:
    """An optional number of seconds; a value that is not one stops the service with its name."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a number of seconds, got {raw!r}.") from None
    if value < 0:
        raise RuntimeError(f"{name} must not be negative, got {raw!r}.")
    return value


app = Flask(__name__)
app.config.update(
    VERIFIER_CLIENT_JWKS_URL=_env("AUTH_JWKS_URL"),
    VERIFIER_CLIENT_ISSUER=_env("AUTH_ISSUER"),
    VERIFIER_CLIENT_AUDIENCE=_env("AUTH_AUDIENCE"),
    VERIFIER_CLIENT_ALLOW_INSECURE_HTTP=_flag("AUTH_ALLOW_INSECURE_HTTP"),
)
if os.environ.get("AUTH_INTROSPECTION_URL") or os.environ.get("AUTH_INTROSPECTION_SECRET"):
    # Both or neither: a URL without its secret would fail every live check.
    app.config["VERIFIER_CLIENT_INTROSPECTION_URL"] = _env("AUTH_INTROSPECTION_URL")
    app.config["VERIFIER_CLIENT_INTROSPECTION_SECRET"] = _env("AUTH_INTROSPECTION_SECRET")
for _variable, _key in (
    ("AUTH_JWKS_CACHE_TTL", "CACHE_TTL"),
    ("AUTH_JWKS_MIN_CACHE_TTL", "MIN_CACHE_TTL"),
    ("AUTH_JWKS_MAX_STALE", "MAX_STALE"),
    ("AUTH_JWKS_MIN_REFETCH_INTERVAL", "MIN_REFETCH_INTERVAL"),
    ("AUTH_INTROSPECTION_CACHE_TTL", "INTROSPECTION_CACHE_TTL"),
):
    _value = _seconds(_variable)
    if _value is not None:
        app.config[f"VERIFIER_CLIENT_{_key}"] = _value
if os.environ.get("AUTH_COOKIE_NAME"):
    app.config["VERIFIER_CLIENT_COOKIE_NAME"] = os.environ["AUTH_COOKIE_NAME"]

auth = JWKSAuth(app)

# Fetch the signing keys now rather than on the first request (see the orders
# example's wsgi.py): with `gunicorn --preload` every worker starts with them.
with app.app_context():
    auth.verifier.prefetch_keys()


@app.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[dict, int, dict]:
    """Flask's own errors (unknown path, wrong method, a body it cannot parse, and any
    unhandled exception as a 500) as JSON `{"detail", "code"}`, like every other answer.
    Werkzeug's descriptions are generic, so nothing of the request is echoed back."""
    status = error.code or 500
    if isinstance(error, InternalServerError) or status >= 500:
        return {"detail": "Something went wrong on our side; try again later.", "code": "server_error"}, status, {}
    code = (error.name or "error").lower().replace(" ", "_").replace("'", "")
    # Keep the error's own headers (Allow on a 405), not its HTML content type.
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    return {"detail": error.description or error.name, "code": code}, status, headers


_UNREAD = [{"id": 1, "text": "Your order 1001 has shipped."}]


@app.get("/api/ping")
def ping() -> dict:
    """200 while the process serves; public, for health checks."""
    return {"status": "ok"}


@app.get("/api/unread")
@auth.required
def unread() -> dict:
    """The caller's unread notifications, for any valid token: checked locally."""
    return {"user": current_claims.sub, "unread": _UNREAD}


@app.post("/api/notifications")
@auth.scopes_required("notifications:write")
def send_notification() -> tuple[dict, int]:
    """Send a notification: tokens granted the `notifications:write` scope only (403
    insufficient_scope otherwise), such as the orders service's client-credentials token."""
    payload = request.get_json(silent=True)
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str) or not text.strip():
        return {"detail": 'Send a JSON body {"text": "..."} with the notification text.', "code": "invalid"}, 400
    return {"queued": True, "text": text, "by": current_claims.sub}, 202


@app.post("/api/forwarding")
@auth.mfa_required(max_age=600)
def forward_notifications() -> tuple[dict, int]:
    """Forward every notification to another address: multi-factor authentication no older than
    10 minutes (else a 401 with the RFC 9470 challenge; POST /auth/step-up and retry)."""
    payload = request.get_json(silent=True)
    target = payload.get("to") if isinstance(payload, dict) else None
    if not isinstance(target, str) or "@" not in target:
        return {"detail": 'Send a JSON body {"to": "<email address>"}.', "code": "invalid"}, 400
    return {"forwarding_to": target, "by": current_claims.sub}, 200


def unsubscribe() -> dict:
    """Stop every notification to the caller: the auth server must confirm, live, that the
    token is still active (401 `token_inactive` after a logout; 503 while it cannot be asked)."""
    return {"user": current_claims.sub, "subscribed": False}


# Only with introspection configured: a live check without it could only fail.
if app.config.get("VERIFIER_CLIENT_INTROSPECTION_URL"):
    app.post("/api/unsubscribe")(auth.active_required(unsubscribe))
