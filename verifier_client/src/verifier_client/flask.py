"""Flask adapter; see `verifier_client.contrib.flask`.

Needs the extra: `pip install "verifier-client[flask]"`.
"""

from __future__ import annotations

from .contrib.flask import JWKSAuth, current_claims

__all__ = ["JWKSAuth", "current_claims"]
