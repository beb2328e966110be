"""The notifications API: an authfort consumer in Flask.

Configured from the environment, with the same names as the orders example:

    AUTHFORT_URL             base URL of the auth server; also the issuer its tokens name
    NOTIFICATIONS_AUDIENCE   the `aud` this service accepts (the server's AUTHFORT_AUDIENCE)
    INTROSPECTION_SECRET     one of the server's AUTHFORT_INTROSPECTION_SECRETS, for /urgent
    INTROSPECTION_CACHE_TTL  optional: seconds a live answer is reused (library default: 10)
    ALLOW_INSECURE_HTTP      optional: "true" to reach a non-loopback auth server over plain
                             http, e.g. inside a private docker network; loopback needs nothing

Serve it with `gunicorn app:app` from this directory.
"""

from __future__ import annotations

import os

from flask import Flask, request
from verifier_client.flask import JWKSAuth, current_claims


def _env(name: str) -> str:
    """The variable's value; refuses to start without it rather than run half-configured."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"Set the {name} environment variable (see examples/README.md).")
    return value


AUTHFORT_URL = _env("AUTHFORT_URL").rstrip("/")

app = Flask(__name__)
app.config.update(
    VERIFIER_CLIENT_JWKS_URL=f"{AUTHFORT_URL}/.well-known/jwks.json",
    VERIFIER_CLIENT_ISSUER=AUTHFORT_URL,
    VERIFIER_CLIENT_AUDIENCE=_env("NOTIFICATIONS_AUDIENCE"),
    VERIFIER_CLIENT_INTROSPECTION_URL=f"{AUTHFORT_URL}/auth/introspect",
    VERIFIER_CLIENT_INTROSPECTION_SECRET=_env("INTROSPECTION_SECRET"),
    VERIFIER_CLIENT_ALLOW_INSECURE_HTTP=os.environ.get("ALLOW_INSECURE_HTTP", "").lower() in ("1", "true", "yes"),
)
if os.environ.get("INTROSPECTION_CACHE_TTL"):
    # How long a revoked token may still reach /urgent; 0 asks the server every time.
    app.config["VERIFIER_CLIENT_INTROSPECTION_CACHE_TTL"] = float(os.environ["INTROSPECTION_CACHE_TTL"])
auth = JWKSAuth(app)


@app.get("/health")
def health() -> dict:
    """200 while the process serves; public."""
    return {"status": "ok"}


@app.get("/inbox")
@auth.required
def inbox() -> dict:
    """The caller's messages, for any valid token: checked locally, no call to the auth server."""
    return {
        "sub": current_claims.sub,
        "email": current_claims.get("email"),
        "messages": [{"id": 1, "text": "Your order 1001 has shipped."}],
    }


@app.post("/broadcast")
@auth.roles_required("admin")
def broadcast() -> tuple[dict, int]:
    """Send a message to everyone: tokens with the `admin` role only (403 otherwise)."""
    message = (request.get_json(silent=True) or {}).get("message", "")
    return {"queued": True, "message": message, "by": current_claims.sub}, 202


@app.post("/urgent")
@auth.active_required
def urgent() -> tuple[dict, int]:
    """Page the on-call engineer: the auth server must confirm, live, that the token is not revoked."""
    return {"paged": True, "by": current_claims.sub}, 202
