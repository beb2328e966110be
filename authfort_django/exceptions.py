"""The root of the domain's errors.

Each error carries a stable `code` (the `code` member of the JSON error body) and
a `detail` that tells the caller what went wrong and what to do. How an error is
answered over HTTP (its status) is the API layer's decision: see api/errors.py.
The errors themselves live with their capability: accounts/errors.py,
sessions/errors.py, keys/errors.py.
"""

from __future__ import annotations


class AuthfortError(Exception):
    code = "error"
    detail = "The request could not be completed."

    def __init__(self, detail: str | None = None) -> None:
        if detail:
            self.detail = detail
        super().__init__(self.detail)
