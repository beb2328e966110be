"""A representative token of each attack class of issue 4, for the framework adapter tests.

The verifier's own tests cover every variant; the adapters must turn each class
into a 401 (never a 500, never an outbound fetch), which these stand for.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization

from tests.helpers.tokens import ISSUER, b64url

ATTACKS = [
    "alg-none",
    "alg-NoNe-with-signature",
    "hs256-keyed-with-public-pem",
    "tampered-payload",
    "empty-signature",
    "two-segments",
    "expired",
    "missing-exp",
    "wrong-audience",
    "trailing-slash-issuer",
    "typ-JWT",
    "unknown-kid",
    "jku-to-attacker",
    "x5u-to-attacker",
    "embedded-jwk",
    "crit",
    "rs512-with-the-rsa-key",
    "garbage",
    "non-base64",
    "nested-json",
    "one-mib-token",
]


def build_attack(name: str, make_token: Callable[..., str], rsa_key: Any, attacker_url: str) -> str:
    """The token for attack `name`; `attacker_url` is a server that must see no request."""
    now = int(time.time())
    if name == "alg-none":
        return make_token(alg="none", signature=b"")
    if name == "alg-NoNe-with-signature":
        valid = make_token()
        head = b64url(json.dumps({"alg": "NoNe", "typ": "at+jwt", "kid": "rsa-1"}))
        return head + valid[valid.index(".") :]
    if name == "hs256-keyed-with-public-pem":
        pem = rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return make_token(key=pem, alg="HS256", kid="rsa-1")
    if name == "tampered-payload":
        header, _, signature = make_token().split(".")
        forged = make_token(claims={"roles": ["admin"]}).split(".")[1]
        return f"{header}.{forged}.{signature}"
    if name == "empty-signature":
        return make_token().rsplit(".", 1)[0] + "."
    if name == "two-segments":
        return make_token().rsplit(".", 1)[0]
    if name == "expired":
        return make_token(now=now - 7200)
    if name == "missing-exp":
        return make_token(claims={"exp": None})
    if name == "wrong-audience":
        return make_token(claims={"aud": "someone-else"})
    if name == "trailing-slash-issuer":
        return make_token(claims={"iss": ISSUER + "/"})
    if name == "typ-JWT":
        return make_token(header={"typ": "JWT"})
    if name == "unknown-kid":
        return make_token(kid="../../dev/null")
    if name == "jku-to-attacker":
        return make_token(header={"jku": attacker_url})
    if name == "x5u-to-attacker":
        return make_token(header={"x5u": attacker_url})
    if name == "embedded-jwk":
        numbers = rsa_key.public_key().public_numbers()
        jwk = {"kty": "RSA", "n": b64url(numbers.n.to_bytes(256, "big")), "e": "AQAB"}
        return make_token(header={"jwk": jwk})
    if name == "crit":
        return make_token(header={"crit": ["x-custom"], "x-custom": True})
    if name == "rs512-with-the-rsa-key":
        return make_token(alg="RS512")
    if name == "garbage":
        return "not-a-token"
    if name == "non-base64":
        header, payload, signature = make_token().split(".")
        return f"{header}.{payload}!.{signature}"
    if name == "nested-json":
        return make_token(raw_payload="[" * 2500 + "]" * 2500)  # deep, yet under the size cap
    if name == "one-mib-token":
        return make_token(claims={"padding": "x" * (1024 * 1024)})
    raise ValueError(f"unknown attack {name!r}")
