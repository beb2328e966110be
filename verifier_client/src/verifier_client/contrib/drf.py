"""Deprecated alias of `verifier_client.drf`; removed in authfort-verifier 0.4.

Re-exports the same objects, so a `DEFAULT_AUTHENTICATION_CLASSES` entry naming
this path keeps working (with a warning) until it is changed.
"""

from __future__ import annotations

import warnings

from ..drf import *  # noqa: F403 - the whole public API of the new path, nothing else
from ..drf import __all__  # noqa: F401

warnings.warn(
    "verifier_client.contrib.drf is deprecated and will be removed in authfort-verifier 0.4: "
    "import from verifier_client.drf instead (in settings too, e.g. "
    '"verifier_client.drf.JWKSAuthentication").',
    DeprecationWarning,
    stacklevel=2,
)
