"""GET /auth/identities, DELETE /auth/identities/{id}, and purge_expired for the new rows."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from authfort_django.models import AuthEvent, Identity, OAuthState, SignInCode
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    response = client.post(
        "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}, content_type="application/json"
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


def test_unlinking_is_refused_for_the_last_way_to_sign_in():
    from authfort_django.federation import errors, identities  # noqa: PLC0415

    user = UserFactory()
    only = Identity.objects.create(user=user, provider="local", subject="s-1")
    user.set_unusable_password()
    user.save()
    with pytest.raises(errors.LastSignInMethod):
        identities.unlink(user, only.pk)
    assert Identity.objects.filter(pk=only.pk).exists()


def test_unlinking_with_a_password_left_works_and_is_audited(client):
    user = UserFactory()
    auth = signed_in(client, user)
    identity = Identity.objects.create(user=user, provider="local", subject="s-2")
    listed = client.get("/auth/identities", **auth)
    assert [i["id"] for i in listed.json()] == [str(identity.pk)]
    assert client.delete(f"/auth/identities/{identity.pk}", **auth).status_code == 204
    assert not Identity.objects.exists()
    assert AuthEvent.objects.filter(type="identity_unlinked", user=user).exists()


def test_the_last_identity_of_a_passwordless_user_cannot_be_removed_over_the_api(client):
    user = UserFactory()
    auth = signed_in(client, user)
    first = Identity.objects.create(user=user, provider="local", subject="s-3")
    second = Identity.objects.create(user=user, provider="github", subject="42")
    from authfort_django.models import User  # noqa: PLC0415

    # No usable password, without ending the session (a queryset update sends no signal).
    User.objects.filter(pk=user.pk).update(password="!unusable")
    assert client.delete(f"/auth/identities/{first.pk}", **auth).status_code == 204
    response = client.delete(f"/auth/identities/{second.pk}", **auth)
    assert response.status_code == 409 and response.json()["code"] == "last_sign_in_method"


@pytest.mark.parametrize("identity_id", ["not-a-uuid", "5f0c7a52-8a7e-4d36-9d6b-2f4a1c3e9b10"])
def test_an_unknown_identity_is_404(client, identity_id):
    auth = signed_in(client, UserFactory())
    response = client.delete(f"/auth/identities/{identity_id}", **auth)
    assert response.status_code == 404 and response.json()["code"] == "identity_not_found"


def test_another_users_identity_is_404(client):
    other = Identity.objects.create(user=UserFactory(), provider="local", subject="s-4")
    auth = signed_in(client, UserFactory())
    assert client.delete(f"/auth/identities/{other.pk}", **auth).status_code == 404
    assert Identity.objects.filter(pk=other.pk).exists()


def test_purge_expired_deletes_old_states_and_codes():
    long_ago = timezone.now() - timedelta(days=30)
    OAuthState.objects.create(state_hash="a" * 64, binding_hash="b" * 64, provider="x", nonce="n", expires_at=long_ago)
    OAuthState.objects.create(
        state_hash="c" * 64, binding_hash="b" * 64, provider="x", nonce="n", expires_at=timezone.now() + timedelta(minutes=5)
    )
    SignInCode.objects.create(kind="magic_link", selector="s" * 16, secret_hash="h" * 64, email="a@example.com", expires_at=long_ago)
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "Deleted 2 expired sign-in codes" in out.getvalue()
    assert OAuthState.objects.count() == 1 and not SignInCode.objects.exists()
