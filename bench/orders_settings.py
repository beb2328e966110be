"""The orders example's settings plus simplejwt, for section 2 (bench/http_overhead.py).

The same project serves both pairs measured side by side: /api/ping and
/api/whoami exactly as examples/orders_service ships them (verifier_client's
JWKSAuthentication), and /api/whoami-simplejwt, the same view behind
djangorestframework-simplejwt's stateless authentication, verifying the same
RS256 token with the auth server's public key (BENCH_SIMPLEJWT_VERIFYING_KEY, PEM).
"""

import os

from orders_service.settings import *  # noqa: F403
from orders_service.settings import INSTALLED_APPS, VERIFIER_CLIENT

# simplejwt imports Django's auth models; no table is ever read (no database).
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.contenttypes", "django.contrib.auth"]
ROOT_URLCONF = "bench.orders_urls"

# Section 2 also runs with the verified-token cache off, to show a fresh token's cost.
if os.environ.get("BENCH_VERIFIED_CACHE_SIZE"):
    VERIFIER_CLIENT["VERIFIED_CACHE_SIZE"] = int(os.environ["BENCH_VERIFIED_CACHE_SIZE"])

SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "VERIFYING_KEY": os.environ["BENCH_SIMPLEJWT_VERIFYING_KEY"],
    "ISSUER": VERIFIER_CLIENT["ISSUER"],
    "AUDIENCE": VERIFIER_CLIENT["AUDIENCE"],
    # authfort's tokens name the user in `sub` and carry no simplejwt `token_type`.
    "USER_ID_CLAIM": "sub",
    "TOKEN_TYPE_CLAIM": None,
}
