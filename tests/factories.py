import secrets
import threading
from datetime import timedelta

import factory
from django.utils import timezone

from authfort_django.accounts import mailed_tokens
from authfort_django.conf import authfort_settings
from authfort_django.keys.crypto import (
    MIN_RSA_KEY_SIZE,
    generate_private_key,
    public_jwk,
    serialize_private_key,
)
from authfort_django.keys.encryption import encrypt_private_key
from authfort_django.models import Account, AccountToken, RefreshToken, Role, Session, User
from authfort_django.sessions import lifecycle
from tests import log_guard

DEFAULT_PASSWORD = "correct horse battery staple 42"


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"role-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def email_verified_at(self, create, extracted, **kwargs):
        """UserFactory(email_verified_at=...): set on the user's Account."""
        if create and extracted is not None:
            account = Account.objects.of(self)
            account.email_verified_at = extracted
            account.save(update_fields=["email_verified_at"])

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            roles = [RoleFactory(name=name) if isinstance(name, str) else name for name in extracted]
            Account.objects.of(self).roles.add(*roles)


class KeySupply:
    """Private keys made once per test session and handed out by position: `key(algorithm,
    i)` is the same key every time it is asked for (RSA generation costs tens of
    milliseconds). Thread-safe: rotations racing in threads (the row_locks tests) ask at once."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, int], list] = {}
        self._lock = threading.Lock()

    def key(self, algorithm: str, index: int, rsa_key_size: int = MIN_RSA_KEY_SIZE):
        with self._lock:
            made = self._keys.setdefault((algorithm, rsa_key_size), [])
            while len(made) <= index:
                made.append(generate_private_key(algorithm, rsa_key_size))
            return made[index]


# SigningKeyFactory takes the next key of a small pool, so one test can hold several
# distinct keys (kids are unique). Rotations in the test process draw from a supply of
# their own (tests/conftest.py), so a factory key and a rotated key never share a kid.
_KEY_POOL_SIZE = 6
factory_keys = KeySupply()
rotation_keys = KeySupply()


def pooled_private_key(algorithm: str, index: int):
    return factory_keys.key(algorithm, index % _KEY_POOL_SIZE)


class SigningKeyFactory(factory.django.DjangoModelFactory):
    """An active key by default; traits: pending, retired, expired, revoked."""

    class Meta:
        model = "authfort_django.SigningKey"
        exclude = ("material", "jwk")

    class Params:
        pending = factory.Trait(
            activates_at=factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1)),
        )
        retired = factory.Trait(
            activates_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=2)),
            retires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
            expires_at=factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1)),
        )
        expired = factory.Trait(
            activates_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=3)),
            retires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=2)),
            expires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
        )
        revoked = factory.Trait(revoked_at=factory.LazyFunction(timezone.now))

    algorithm = "RS256"
    material = factory.LazyAttributeSequence(lambda o, n: pooled_private_key(o.algorithm, n))
    jwk = factory.LazyAttribute(lambda o: public_jwk(o.material, o.algorithm))
    kid = factory.LazyAttribute(lambda o: o.jwk["kid"])
    public_jwk = factory.LazyAttribute(lambda o: o.jwk)
    private_key = factory.LazyAttribute(lambda o: encrypt_private_key(serialize_private_key(o.material), o.kid))
    created_at = factory.LazyFunction(timezone.now)
    activates_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))


class _RawSecretFactory(factory.django.DjangoModelFactory):
    """A factory whose `raw` declaration is the secret a client holds.

    `raw` is no model field: the stored hash derives from it, and it is set on the
    instance as `.raw` (never saved) so the test can present it. The suite's log check
    (tests/log_guard.py) is told about it, so no log line may ever hold it.
    """

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, raw, **kwargs):
        return cls._with_raw(super()._build(model_class, *args, **kwargs), raw)

    @classmethod
    def _create(cls, model_class, *args, raw, **kwargs):
        return cls._with_raw(super()._create(model_class, *args, **kwargs), raw)

    @staticmethod
    def _with_raw(instance, raw: str):
        log_guard.seen_secrets.add(raw)
        instance.raw = raw
        return instance


# Sessions. The TTLs are read when a session is made, so a test that overrides
# REFRESH_TOKEN_TTL or REFRESH_IDLE_TTL gets sessions that follow its settings.
def _refresh_ttl() -> timedelta:
    return timedelta(seconds=int(authfort_settings.REFRESH_TOKEN_TTL))


class SessionFactory(factory.django.DjangoModelFactory):
    """A live session, created and last used now; traits: expired (past its absolute
    expiry, used until just before it), idle (unused for longer than REFRESH_IDLE_TTL),
    revoked (revoked_at and revoked_reason set, "logout" unless given).

    A session alone holds no refresh token: see RefreshTokenFactory and
    session_with_refresh_token.
    """

    class Meta:
        model = Session

    class Params:
        now = factory.LazyFunction(timezone.now)
        expired = factory.Trait(
            expires_at=factory.LazyAttribute(lambda o: o.now - timedelta(seconds=1)),
            last_used_at=factory.LazyAttribute(lambda o: o.now - timedelta(seconds=2)),
            created_at=factory.LazyAttribute(lambda o: o.expires_at - _refresh_ttl()),
        )
        idle = factory.Trait(
            last_used_at=factory.LazyAttribute(lambda o: o.now - lifecycle.idle_ttl() - timedelta(seconds=1)),
        )
        revoked = factory.Trait(
            revoked_at=factory.LazyAttribute(lambda o: o.now),
            revoked_reason="logout",
        )

    user = factory.SubFactory(UserFactory)
    last_used_at = factory.LazyAttribute(lambda o: o.now)
    created_at = factory.LazyAttribute(lambda o: o.last_used_at)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + _refresh_ttl())
    user_agent = "pytest"
    ip_address = "127.0.0.1"


class RefreshTokenFactory(_RawSecretFactory):
    """An unused refresh token of a (live, unless told) session; `.raw` is what the client
    holds, and only its SHA-256 is stored (lifecycle.hash_refresh_token). Trait: used
    (rotated away: presenting it again is reuse)."""

    class Meta:
        model = RefreshToken

    class Params:
        used = factory.Trait(used_at=factory.LazyFunction(timezone.now))

    session = factory.SubFactory(SessionFactory)
    raw = factory.LazyFunction(lambda: secrets.token_urlsafe(lifecycle.REFRESH_TOKEN_BYTES))
    token_hash = factory.LazyAttribute(lambda o: lifecycle.hash_refresh_token(o.raw))
    issued_at = factory.LazyAttribute(lambda o: o.session.last_used_at)


def session_with_refresh_token(user: User | None = None, **traits) -> tuple[Session, str]:
    """A session (SessionFactory's traits and fields apply) and the raw refresh token a
    client of it holds."""
    session = SessionFactory(**traits) if user is None else SessionFactory(user=user, **traits)
    return session, RefreshTokenFactory(session=session).raw


# Mailed account tokens.
def _account_token_ttl(purpose: str) -> timedelta:
    ttl = (
        authfort_settings.PASSWORD_RESET_TTL
        if purpose == AccountToken.Purpose.PASSWORD_RESET
        else authfort_settings.EMAIL_VERIFICATION_TTL
    )
    return timedelta(seconds=int(ttl))


class AccountTokenFactory(_RawSecretFactory):
    """A usable password-reset token (purpose="verify_email" for a verification token),
    made of mailed_tokens' own parts (new_raw_token, the verifier's hash, binding) and
    with the TTL the server gives its purpose. Unlike mailed_tokens.issue it supersedes
    none of the user's other tokens, so a test can hold tokens in several states at once.

    `.raw` is `<selector>.<verifier>` as the mail carries it. Traits: used, expired,
    superseded (what a newer request of the same purpose does to it).
    """

    class Meta:
        model = AccountToken

    class Params:
        now = factory.LazyFunction(timezone.now)
        parts = factory.LazyFunction(mailed_tokens.new_raw_token)  # (selector, verifier, raw)
        used = factory.Trait(used_at=factory.LazyAttribute(lambda o: o.now))
        expired = factory.Trait(expires_at=factory.LazyAttribute(lambda o: o.now - timedelta(seconds=1)))
        superseded = factory.Trait(superseded_at=factory.LazyAttribute(lambda o: o.now))

    purpose = AccountToken.Purpose.PASSWORD_RESET
    user = factory.SubFactory(UserFactory)
    raw = factory.LazyAttribute(lambda o: o.parts[2])
    selector = factory.LazyAttribute(lambda o: o.parts[0])
    # mailed_tokens keeps its verifier hash private; calling it beats a second copy of the rule.
    verifier_hash = factory.LazyAttribute(lambda o: mailed_tokens._hash_verifier(o.parts[1]))
    binding = factory.LazyAttribute(lambda o: mailed_tokens.binding(o.purpose, o.user))
    expires_at = factory.LazyAttribute(lambda o: o.now + _account_token_ttl(o.purpose))
    created_at = factory.LazyAttribute(lambda o: o.expires_at - _account_token_ttl(o.purpose))
