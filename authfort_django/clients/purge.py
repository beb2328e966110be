"""What the client tables keep only until a token or an assertion expires: purged by
`manage.py purge_expired` (cron), so they stay as small as the live tokens."""

from __future__ import annotations

from django.utils import timezone

from authfort_django.models import RevokedClientToken, UsedClientAssertion


def purge_expired() -> tuple[int, int]:
    """(used assertions, revoked token records) deleted: those past their expiry, which
    can no longer be replayed or used anyway."""
    now = timezone.now()
    assertions, _ = UsedClientAssertion.objects.filter(expires_at__lt=now).delete()
    revoked, _ = RevokedClientToken.objects.filter(expires_at__lt=now).delete()
    return assertions, revoked
