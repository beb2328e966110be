"""What every fuzz test asserts besides its own checks: verifier_client logged no
"unexpected" error (its catch-all's line), so every input met a documented path."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class _Unexpected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "unexpected" in message.lower():
            self.messages.append(message)


@contextmanager
def no_unexpected_errors() -> Iterator[None]:
    handler = _Unexpected()
    logger = logging.getLogger("verifier_client")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not handler.messages, handler.messages
