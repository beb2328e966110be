"""The only module of authfort_django that imports `jwt`: signing access tokens.

Verification is not here on purpose: the server checks its own tokens with
verifier_client's TokenVerifier, the same code every consumer runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt

ACCESS_TOKEN_TYPE = "at+jwt"


def sign(claims: Mapping[str, Any], *, private_key: Any, algorithm: str, kid: str) -> str:
    return jwt.encode(
        dict(claims),
        private_key,
        algorithm=algorithm,
        headers={"kid": kid, "typ": ACCESS_TOKEN_TYPE},
    )
