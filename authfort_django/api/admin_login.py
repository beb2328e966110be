"""The Django admin's sign-in form, held to the rules of POST /auth/login.

`/admin/login/` is a second front door: without this module it takes unlimited
guesses, each paid with a full password hash, and leaves no audit trail. Guarded,
every attempt first meets the same two throttles as the API (scope `login` per
client address, scope `login_account` per target account, the same cache keys), so a
guess made here uses up the budget of /auth/login and the other way round; only then
does a password hash run. Every outcome writes the AuthEvent the API writes
(`login_succeeded`, `login_failed` with its `reason`), marked `via: "admin"`.

A user with a second factor (an authenticator app, so also recovery codes) types a
current code or a recovery code into the form's third field; it goes through
`mfa.verification.verify_second_factor`, the check the API's second step uses
(replays refused, failures audited as `mfa_failed`). A user whose only factor is a
passkey types a recovery code: the admin page asks for no WebAuthn assertion, and a
password alone must not open an account that has a second factor.

Under REQUIRE_MFA_FOR_STAFF (mfa/policy.py) a staff user without a second factor is
refused with a form error that says how to set one up (audited as `login_failed`,
reason `mfa_setup_required`), and an admin session they already hold stops working:
the guarded site's `has_permission` asks the same policy on every page.

`guard_admin_site(site)` installs the guard on an AdminSite; authfort's admin.py does
it for Django's default `admin.site`, so a project that mounts `admin.site.urls` is
covered without a setting. A project with an AdminSite of its own calls it once.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, get_user_model
from django.http import HttpRequest, HttpResponse

from authfort_django import audit
from authfort_django.api.client import request_context
from authfort_django.api.throttling import LoginAccountThrottle, LoginIPThrottle
from authfort_django.mfa import errors as mfa_errors
from authfort_django.mfa import policy as mfa_policy
from authfort_django.mfa import state as mfa_state
from authfort_django.mfa.verification import verify_second_factor
from authfort_django.models import AuthEvent

VIA = "admin"
THROTTLED_MESSAGE = (
    "Too many sign-in attempts for this account or from this address. "
    "Try again in %(seconds)d seconds; the wait is the same on the API's /auth/login."
)


def _user_named(username: str) -> Any | None:
    """The user the admin form's username names, as ModelBackend finds it; no password is checked."""
    model = get_user_model()
    try:
        return model._default_manager.get_by_natural_key(username)
    except (model.DoesNotExist, model.MultipleObjectsReturned):
        return None


class _AdminAccountThrottle(LoginAccountThrottle):
    """Scope `login_account`, keyed as /auth/login keys it: by the account's canonical address.

    The admin form names a user by USERNAME_FIELD (an address for the bundled model, a
    username for `auth.User`); a known user is counted under its account's address, so
    both doors share one budget. Text that names nobody is counted as typed (canonical
    when it is an address), as the API counts an unknown address.
    """

    def __init__(self, username: str, user: Any | None) -> None:
        self.username = username
        self.user = user

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if self.user is not None:
            return self._key_for_user(self.user)
        return self._key_for(self.username)


def _throttle_wait(request: HttpRequest, username: str, user: Any | None) -> float | None:
    """Seconds to wait when a throttle refuses this attempt, else None (the attempt is counted).

    Both throttles are asked, as DRF asks every throttle of a view: each one that lets
    the attempt through counts it.
    """
    waits = []
    for throttle in (LoginIPThrottle(), _AdminAccountThrottle(username, user)):
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1.0)
    return max(waits) if waits else None


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """Django's admin sign-in form; throttled and audited like POST /auth/login.

    `throttle_wait` is set when a throttle refused the attempt (the page then answers 429).
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": THROTTLED_MESSAGE,
        "second_factor_missing": (
            "This account has two-step sign-in: enter the current code of your authenticator app, "
            "or one of your recovery codes."
        ),
        "second_factor_refused": "That code is not right, or was used already. Enter a new code and your password again.",
        "mfa_setup_required": (
            "This server requires staff accounts to use two-step sign-in, and yours has none yet. Set up an "
            "authenticator app first (sign in to the API, POST /auth/mfa/totp/setup, then POST "
            "/auth/mfa/totp/confirm with its code) or a passkey; then sign in here with its code."
        ),
        "passkey_only": (
            "This account's second factor is a passkey, which this page cannot ask for: enter one "
            "of your recovery codes, or set up an authenticator app to use the admin."
        ),
    }
    throttle_wait: float | None = None

    second_factor = forms.CharField(
        label="Authenticator or recovery code",
        required=False,
        max_length=64,
        strip=True,
        help_text="Only if your account has two-step sign-in.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        context = request_context(self.request)
        known = _user_named(username)
        # Before any hash: a refused attempt costs a cache lookup, not an Argon2 run.
        wait = _throttle_wait(self.request, username, known)
        if wait is not None:
            self.throttle_wait = wait
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"seconds": math.ceil(wait)}
            )
        # ModelBackend (or the project's backends): an unknown name still runs the hasher once.
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            reason = "inactive" if known is not None and not known.is_active else "credentials"
            audit.record(AuthEvent.Type.LOGIN_FAILED, user=known, context=context, reason=reason, via=VIA)
            raise self.get_invalid_login_error()
        try:
            self.confirm_login_allowed(self.user_cache)
        except forms.ValidationError as refused:
            reason = "inactive" if not self.user_cache.is_active else "not_staff"
            audit.record(AuthEvent.Type.LOGIN_FAILED, user=self.user_cache, context=context, reason=reason, via=VIA)
            raise refused
        self._check_second_factor(self.user_cache, context)
        if mfa_policy.setup_required(self.user_cache):
            refused_user, self.user_cache = self.user_cache, None
            audit.record(AuthEvent.Type.LOGIN_FAILED, user=refused_user, context=context,
                         reason="mfa_setup_required", via=VIA)
            raise forms.ValidationError(self.error_messages["mfa_setup_required"], code="mfa_setup_required")
        audit.record(AuthEvent.Type.LOGIN_SUCCEEDED, user=self.user_cache, context=context, via=VIA)
        return self.cleaned_data

    def _check_second_factor(self, user: Any, context: Any) -> None:
        methods = mfa_state.methods(user)
        if not methods:
            return
        refusal = None
        given = self.cleaned_data.get("second_factor") or ""
        has_app = mfa_state.METHOD_TOTP in methods
        if not given:
            refusal = "second_factor_missing" if has_app else "passkey_only"
        else:
            # Digits are an authenticator code; anything else is tried as a recovery code.
            factor = {"code": given} if has_app and given.isdigit() else {"recovery_code": given}
            try:
                verify_second_factor(user, **factor, context=context)
            except (mfa_errors.SecondFactorRefused, mfa_errors.MalformedFactor, mfa_errors.FactorNotAvailable):
                refusal = "second_factor_refused"  # verify_second_factor recorded mfa_failed
        if refusal is not None:
            self.user_cache = None
            audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, context=context, reason=refusal, via=VIA)
            raise forms.ValidationError(self.error_messages[refusal], code=refusal)


def guard_admin_site(site: AdminSite) -> AdminSite:
    """Make `site`'s login page use the throttled, audited form; a refused attempt answers
    429 with `Retry-After`, on the admin's own login page with the form's message.

    Call before the site's URLs are built (admin.py modules run before). Idempotent.
    """
    if getattr(site, "_authfort_guarded", False):
        return site
    site.login_form = ThrottledAdminAuthenticationForm
    # Django's admin/login.html renders only the username and password fields.
    site.login_template = "authfort_django/admin/login.html"
    unguarded_login = site.login

    @functools.wraps(unguarded_login)
    def login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = unguarded_login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        wait = getattr(form, "throttle_wait", None)
        if wait is not None:
            response.status_code = 429
            response["Retry-After"] = str(math.ceil(wait))
        return response

    site.login = login  # type: ignore[method-assign]

    unguarded_has_permission = site.has_permission

    @functools.wraps(unguarded_has_permission)
    def has_permission(request: HttpRequest) -> bool:
        # A session that began before REQUIRE_MFA_FOR_STAFF was turned on, or before an MFA reset.
        return unguarded_has_permission(request) and not mfa_policy.setup_required(request.user)

    site.has_permission = has_permission  # type: ignore[method-assign]
    site._authfort_guarded = True  # type: ignore[attr-defined]
    return site
