"""Errors of token issuance (see exceptions.py for the pattern)."""

from __future__ import annotations

from authfort_django.exceptions import AuthfortError


class TokenTooLarge(AuthfortError):
    """An access token would exceed AUTHFORT["ACCESS_TOKEN_MAX_BYTES"]: it is refused, never cut.

    Beyond the cap a token no longer fits in a browser cookie (4096 bytes) and proxies
    start refusing the request headers that carry it.
    """

    code = "token_too_large"
    detail = (
        "This account's access token would exceed the server's size limit "
        "(AUTHFORT_ACCESS_TOKEN_MAX_BYTES). An administrator must take away roles it no longer "
        "needs, or shorten the extra claims."
    )

    def __init__(self, detail: str | None = None, *, size: int | None = None, limit: int | None = None) -> None:
        self.size = size
        self.limit = limit
        super().__init__(detail)
