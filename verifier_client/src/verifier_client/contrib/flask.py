"""Deprecated alias of `verifier_client.flask`; removed in authfort-verifier 0.4."""

from __future__ import annotations

import warnings

from ..flask import *  # noqa: F403 - the whole public API of the new path, nothing else
from ..flask import __all__  # noqa: F401

warnings.warn(
    "verifier_client.contrib.flask is deprecated and will be removed in authfort-verifier 0.4: "
    "import from verifier_client.flask instead.",
    DeprecationWarning,
    stacklevel=2,
)
