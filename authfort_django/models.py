"""Persistence only: what is stored. Behaviour lives in the domain modules."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from authfort_django.managers import AccountManager, UserManager


class Role(models.Model):
    name = models.SlugField(max_length=64, unique=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractBaseUser, PermissionsMixin):
    """The bundled user model, for new projects that choose it.

    Swappable like `auth.User`: it exists only where AUTH_USER_MODEL is
    "authfort_django.User". Any other project keeps its own user model, and adding
    the app creates no second user table. authfort's own state of a user (sub,
    token version, roles, canonical email) lives in Account, whatever the model.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # unique=True satisfies auth.E003; Account.email (the canonical form) is what identifies.
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="authfort_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    # Read-only views of the Account, for code written against the 0.2 model, where these
    # were fields. Changes go through the Account (or the API), never through the user.
    @property
    def token_version(self) -> int:
        return Account.objects.of(self).token_version

    @property
    def email_verified_at(self):  # type: ignore[no-untyped-def]
        return Account.objects.of(self).email_verified_at

    def role_names(self) -> list[str]:
        return Account.objects.of(self).role_names()


class CanonicalEmailField(models.CharField):
    """A canonical email address (authfort_django.email_address), compared byte for byte.

    PostgreSQL and SQLite compare text exactly by default; MariaDB's default
    collations fold case and accents (`ß` equals `ss` there), which would turn the
    unique index and every lookup back into a look-alike match. Hence a binary
    collation on MySQL/MariaDB only.
    """

    def db_parameters(self, connection):  # type: ignore[no-untyped-def]
        parameters = super().db_parameters(connection)
        if connection.vendor == "mysql":
            parameters["collation"] = "utf8mb4_bin"
        return parameters


class Account(models.Model):
    """authfort's own state of one user, one-to-one with AUTH_USER_MODEL.

    `sub` is the user's id in every token (for users of the bundled 0.2 model it is
    their old primary key, so tokens and consumers' records stay valid). `email` is
    the canonical address the user signs in with; empty when the user has no address,
    or when another account already holds its canonical form (see the
    authfort_email_conflicts command).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authfort_account"
    )
    sub = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    email = CanonicalEmailField(max_length=254, unique=True, null=True, blank=True)
    # Set when the user proves control of `email` (a verification or password-reset link).
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # Bumped to invalidate every access token of the user at once (the `ver` claim).
    token_version = models.PositiveIntegerField(default=0)
    roles = models.ManyToManyField(Role, blank=True, related_name="accounts")

    objects = AccountManager()

    def __str__(self) -> str:
        return self.email or str(self.sub)

    def role_names(self) -> list[str]:
        return sorted(role.name for role in self.roles.all())


class SigningKey(models.Model):
    """A signing key pair. Its state follows from the timestamps (see key_store)."""

    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=16, default="RS256")
    public_jwk = models.JSONField()
    # Encrypted with KEY_ENCRYPTION_KEYS; emptied when the key expires or is revoked.
    private_key = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    activates_at = models.DateTimeField()
    retires_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-activates_at"]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid}"


class Session(models.Model):
    """One sign-in: the `sid` claim of its access tokens and the family of its refresh tokens."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authfort_sessions")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # How and when the user proved who they are (RFC 8176 `amr`, OIDC `auth_time`): copied
    # into every access token of the session. Refresh keeps them; only a step-up adds to them.
    amr = models.JSONField(default=list, blank=True)
    auth_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return str(self.id)


class RefreshToken(models.Model):
    """A single-use refresh token. Only the SHA-256 of the raw token is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="refresh_tokens")
    issued_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    def __str__(self) -> str:
        return f"refresh token {self.pk} of session {self.session_id}"


class AuthEvent(models.Model):
    """Audit log of security events. Never holds a secret."""

    class Type(models.TextChoices):
        REGISTER = "register"
        LOGIN_SUCCEEDED = "login_succeeded"
        LOGIN_FAILED = "login_failed"
        REFRESH = "refresh"
        REFRESH_REUSED = "refresh_reused"
        REFRESH_FAILED = "refresh_failed"
        LOGOUT = "logout"
        LOGOUT_ALL = "logout_all"
        PASSWORD_CHANGED = "password_changed"
        ROLE_GRANTED = "role_granted"
        ROLE_REVOKED = "role_revoked"
        SESSION_REVOKED = "session_revoked"
        BANNED = "banned"
        UNBANNED = "unbanned"
        KEY_CREATED = "key_created"
        KEY_REVOKED = "key_revoked"
        PASSWORD_RESET_REQUESTED = "password_reset_requested"
        PASSWORD_RESET_COMPLETED = "password_reset_completed"
        PASSWORD_RESET_FAILED = "password_reset_failed"
        EMAIL_VERIFICATION_REQUESTED = "email_verification_requested"
        EMAIL_VERIFIED = "email_verified"
        EMAIL_VERIFICATION_FAILED = "email_verification_failed"
        # Multi-factor authentication (authfort_django/mfa/).
        MFA_ENABLED = "mfa_enabled"
        MFA_DISABLED = "mfa_disabled"
        MFA_RESET = "mfa_reset"
        MFA_FAILED = "mfa_failed"
        MFA_STEP_UP = "mfa_step_up"
        RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
        RECOVERY_CODE_USED = "recovery_code_used"
        PASSKEY_ADDED = "passkey_added"
        PASSKEY_REMOVED = "passkey_removed"
        # Federated and passwordless sign-in (federation/). Sign-ins themselves are
        # login_succeeded / login_failed with `method` (and `provider`) in the detail.
        IDENTITY_LINKED = "identity_linked"
        IDENTITY_UNLINKED = "identity_unlinked"
        MAGIC_LINK_REQUESTED = "magic_link_requested"
        EMAIL_CODE_REQUESTED = "email_code_requested"
        # Service clients (authfort_django/clients/); `detail` names the client_id.
        CLIENT_CREATED = "client_created"
        CLIENT_SECRET_ROTATED = "client_secret_rotated"
        CLIENT_DISABLED = "client_disabled"
        CLIENT_AUTH_FAILED = "client_auth_failed"
        CLIENT_TOKEN_ISSUED = "client_token_issued"
        TOKEN_REVOKED = "token_revoked"

    type = models.CharField(max_length=32, choices=Type.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # /metrics counts key creations on every scrape; the log grows with every
            # login and refresh, so that count must not scan it. Partial: only key
            # creations pay for this index.
            models.Index(
                fields=["created_at"], condition=models.Q(type="key_created"), name="authevent_key_created"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class AccountToken(models.Model):
    """A single-use token mailed to a user: a password reset or an email verification.

    The raw token is `<selector>.<verifier>`: the selector finds the row, and only the
    SHA-256 of the verifier is stored and compared in constant time, so the table
    holds nothing that could be mailed back. `binding` is a keyed digest of what the
    token vouches for (the email address, and for a reset the password hash): when
    either changes, the token no longer matches.
    """

    class Purpose(models.TextChoices):
        PASSWORD_RESET = "password_reset"
        VERIFY_EMAIL = "verify_email"

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authfort_account_tokens")
    selector = models.CharField(max_length=32, unique=True)
    verifier_hash = models.CharField(max_length=64)
    binding = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "purpose"]),
            models.Index(fields=["expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} token {self.pk} of {self.user_id}"


class KeyStoreLock(models.Model):
    """A single row that every key-store mutation locks (UPDATE) inside its transaction.

    Taking a row lock serialises `rotate_keys` runs on several hosts on PostgreSQL,
    and the write takes SQLite's database lock, so the same code is correct on both.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    locked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "signing-key lock"


# Multi-factor authentication (authfort_django/mfa/). Secrets are never stored in the
# clear: the TOTP secret is encrypted with KEY_ENCRYPTION_KEYS, recovery codes and
# challenge tokens are stored as SHA-256 digests.


class TotpDevice(models.Model):
    """The account's authenticator app (RFC 6238). Pending until `confirmed_at` is set."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="totp_device")
    # Encrypted (keys/encryption.py), bound to the account's sub.
    secret = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The time step of the last accepted code: a code of that step or an earlier one is
    # refused (RFC 6238 section 5.2), so a code works once.
    last_used_step = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"TOTP of {self.account}"


class RecoveryCode(models.Model):
    """One single-use recovery code; only its SHA-256 is stored."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "code_hash"], name="authfort_recovery_code_unique")]

    def __str__(self) -> str:
        return f"recovery code {self.pk} of {self.account}"


class Passkey(models.Model):
    """A WebAuthn credential of the account (a passkey or a security key)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="passkeys")
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # base64url of the credential id the authenticator chose (at most 1023 bytes by the spec).
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()  # COSE key: public, not a secret
    sign_count = models.BigIntegerField(default=0)
    name = models.CharField(max_length=64, blank=True)
    aaguid = models.CharField(max_length=36, blank=True)
    backed_up = models.BooleanField(default=False)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name or f"passkey {self.pk}"


class MFAChallenge(models.Model):
    """A short-lived single-use token: a pending second factor of a login (`mfa_token`),
    or the challenge of a passkey ceremony.

    The raw token is `<selector>.<verifier>`; only the verifier's SHA-256 is stored.
    `amr` holds what the holder has already proven (e.g. ["pwd"] after the password).
    """

    class Purpose(models.TextChoices):
        LOGIN = "login"
        PASSKEY_LOGIN = "passkey_login"
        PASSKEY_REGISTER = "passkey_register"

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    selector = models.CharField(max_length=32, unique=True)
    verifier_hash = models.CharField(max_length=64)
    webauthn_challenge = models.CharField(max_length=128, blank=True)
    amr = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} challenge {self.pk}"


# -- Federated and passwordless sign-in (authfort_django/federation/) -----------------


class Identity(models.Model):
    """An account at an outside provider (OpenID Connect or OAuth 2.0) that signs `user` in.

    `subject` is the provider's stable id of the user (`sub`, or GitHub's numeric id);
    `email` and `email_verified` are what the provider said at the last sign-in,
    kept for the user to see, never used to find the account.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authfort_identities")
    provider = models.SlugField(max_length=64)
    subject = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True)
    email_verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="authfort_identity_provider_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} identity of {self.user_id}"


class OAuthState(models.Model):
    """One authorization request in flight: single use, short-lived, bound to one browser.

    Only digests of the `state` parameter and of the browser's cookie are stored; the
    PKCE verifier is derived from the cookie (federation/states.py), so this row alone
    cannot finish the flow.
    """

    state_hash = models.CharField(max_length=64, unique=True)
    binding_hash = models.CharField(max_length=64)
    provider = models.SlugField(max_length=64)
    nonce = models.CharField(max_length=64)
    redirect_to = models.TextField(blank=True)
    # Set for `?link=1`: the signed-in user the identity is to be added to.
    link_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.provider} authorization {self.pk}"


class SignInCode(models.Model):
    """A single-use secret that finishes a sign-in: the 60-second code a bearer client
    exchanges after a provider's callback, a magic link, or a mailed numeric code.

    Only a digest of the secret is stored. Exchange codes name their user; mailed
    links and codes name the canonical address (there may be no account yet, under
    PASSWORDLESS_SIGNUP). `attempts` counts wrong guesses of a numeric code.
    """

    class Kind(models.TextChoices):
        EXCHANGE = "exchange"
        MAGIC_LINK = "magic_link"
        EMAIL_CODE = "email_code"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Exchange codes and magic links: the selector part of the secret finds the row.
    selector = models.CharField(max_length=32, unique=True, null=True, blank=True)
    secret_hash = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = CanonicalEmailField(max_length=254, blank=True)
    # How the sign-in was authenticated (RFC 8176 `amr` values) and where, for the exchange.
    amr = models.JSONField(default=list, blank=True)
    provider = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["email", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


# -- service clients (OAuth 2.0 client credentials; behaviour in authfort_django/clients/) --


class Client(models.Model):
    """A service that gets access tokens on its own behalf (RFC 6749 §4.4).

    It authenticates with one of its `ClientSecret`s (several while one rotates) or,
    for `private_key_jwt` (RFC 7523), with a key of its registered `jwks` or
    `jwks_uri`. `scopes` and `audiences` bound what it may ask for; a token's
    lifetime is `token_ttl` seconds (ACCESS_TOKEN_TTL when unset). A disabled
    client gets no token, and the tokens it holds turn inactive at introspection.
    """

    client_id = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    scopes = models.JSONField(default=list, blank=True)
    audiences = models.JSONField(default=list, blank=True)
    token_ttl = models.PositiveIntegerField(null=True, blank=True)
    # Resource servers that only introspect get no tokens of their own.
    can_request_tokens = models.BooleanField(default=True)
    can_introspect = models.BooleanField(default=False)
    jwks = models.JSONField(null=True, blank=True)
    jwks_uri = models.URLField(max_length=2048, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class ClientSecret(models.Model):
    """One secret of a client. Only its SHA-256 is stored: secrets are 256 random bits,
    so a fast digest is as safe as a password hash and keeps the token endpoint cheap."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="secrets")
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when a newer secret replaces it: it keeps working until then (the rotation's grace).
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"secret {self.pk} of {self.client_id}"


class UsedClientAssertion(models.Model):
    """The `jti` of every accepted private_key_jwt assertion until it expires: a replay
    hits the unique constraint."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="authfort_client_assertion_once")]
        indexes = [models.Index(fields=["expires_at"])]


class RevokedClientToken(models.Model):
    """A client access token revoked before its `exp` (RFC 7009); kept until then."""

    jti = models.CharField(max_length=255, unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]
