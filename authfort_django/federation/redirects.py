"""REDIRECT_ALLOWLIST: where a browser may be sent back to after a provider's sign-in.

An entry is an absolute URL; a target matches when its scheme, host and port are
exactly the entry's and its path starts with the entry's path at a segment
boundary (`/app` allows `/app` and `/app/x`, not `/apple`). Anything that browsers
and parsers may read differently (user info, backslashes, control characters,
encoded slashes) is refused outright: nothing else is ever a redirect target.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from authfort_django.conf import authfort_settings
from authfort_django.federation import errors

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parts(url: object) -> SplitResult | None:
    if not isinstance(url, str) or not url or len(url) > 2048:
        return None
    if any(ch in url for ch in "\\\t\r\n ") or not url.isprintable() or "%2f" in url.lower() or "%5c" in url.lower():
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    if port is None and parts.netloc.endswith(":"):
        return None
    return parts


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    return parts.scheme, parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme]


def _path_within(path: str, prefix: str) -> bool:
    path = path or "/"
    prefix = prefix or "/"
    if prefix.endswith("/"):
        return path.startswith(prefix) or path == prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


def is_valid_entry(entry: object) -> bool:
    """Whether `entry` can be a REDIRECT_ALLOWLIST entry (check authfort.E016)."""
    return _parts(entry) is not None


def allowed_redirect(target: object) -> str:
    """`target` itself when the allow-list admits it; RedirectNotAllowed otherwise.

    No target: the first entry of the allow-list (RedirectNotAllowed when it is empty).
    """
    entries = [e for e in authfort_settings.REDIRECT_ALLOWLIST or [] if isinstance(e, str)]
    if target is None or target == "":
        if entries and _parts(entries[0]) is not None:
            return entries[0]
        raise errors.RedirectNotAllowed()
    parts = _parts(target)
    if parts is None or ".." in parts.path.split("/"):
        raise errors.RedirectNotAllowed()
    for entry in entries:
        allowed = _parts(entry)
        if allowed is not None and _origin(allowed) == _origin(parts) and _path_within(parts.path, allowed.path):
            return str(target)
    raise errors.RedirectNotAllowed()
