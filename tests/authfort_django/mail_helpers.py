"""Reading the links out of mails in Django's locmem outbox (pytest-django's `mailoutbox`)."""

from __future__ import annotations

import re
from typing import Any

FRONTEND_URL = "https://app.example.com"  # tests/settings.py
_LINK = re.compile(r"(https?://\S+?[?&]token=([A-Za-z0-9_.%-]+))")


def links_in(text: str) -> list[str]:
    return [match[0] for match in _LINK.findall(text)]


def token_in(message: Any) -> str:
    """The token of the one link in a mail's text body (the HTML part must carry the same link)."""
    (link,) = links_in(message.body)
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    return _LINK.search(link)[2]


def the_mail_to(outbox: list[Any], address: str) -> Any:
    (message,) = [m for m in outbox if m.to == [address]]
    return message
