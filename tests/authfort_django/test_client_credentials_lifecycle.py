"""What happens to client tokens after they are issued: introspection (also for callers
authenticating as clients), RFC 7009 revocation, disabling; the RFC 8414 metadata; the
management commands and the admin."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from django.core.management import CommandError, call_command

from authfort_django.clients.registry import create_client, disable_client
from authfort_django.models import AuthEvent, Client, ClientSecret
from tests.authfort_django.helpers import INTROSPECTION_SECRET, login, refresh
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.clients import basic

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def orders():
    return create_client("orders", scopes=["notifications:write"], audiences=["notifications"])


def _token_of(client, created, scope: str = "") -> str:
    body = "grant_type=client_credentials" + (f"&scope={scope}" if scope else "")
    response = client.post("/auth/token", body, content_type=FORM,
                           HTTP_AUTHORIZATION=basic(created.client.client_id, created.secret))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def _introspect(client, token: str, authorization: str = f"Bearer {INTROSPECTION_SECRET}"):
    return client.post("/auth/introspect", f"token={token}", content_type=FORM, HTTP_AUTHORIZATION=authorization)


def _revoke(client, token: str, authorization: str | None = None):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    return client.post("/auth/revoke", f"token={token}", content_type=FORM, **headers)


# -- introspection ----------------------------------------------------------------------


def test_a_client_token_is_active_with_its_client_and_scope(client, orders):
    token = _token_of(client, orders)

    answer = _introspect(client, token).json()

    assert answer["active"] is True
    assert answer["client_id"] == answer["sub"] == orders.client.client_id
    assert answer["scope"] == "notifications:write"
    assert answer["token_type"] == "Bearer"
    assert "sid" not in answer and "roles" not in answer


def test_disabling_the_client_turns_its_token_inactive(client, orders):
    token = _token_of(client, orders)

    disable_client(orders.client)

    assert _introspect(client, token).json() == {"active": False}
    assert AuthEvent.objects.filter(type="client_disabled").count() == 1


def test_a_client_allowed_to_introspect_may_ask_with_its_own_credentials(client, orders):
    gateway = create_client("gateway", can_request_tokens=False, can_introspect=True)
    token = _token_of(client, orders)

    response = _introspect(client, token, basic(gateway.client.client_id, gateway.secret))

    assert response.status_code == 200
    assert response.json()["active"] is True


def test_a_client_without_the_permission_is_403(client, orders):
    response = _introspect(client, _token_of(client, orders), basic(orders.client.client_id, orders.secret))

    assert response.status_code == 403
    assert response.json()["code"] == "introspection_not_allowed"


def test_wrong_client_credentials_at_introspection_are_401_and_audited(client, orders):
    create_client("gateway", can_introspect=True)

    response = _introspect(client, "x", basic(orders.client.client_id, "wrong-secret-0123"))

    assert response.status_code == 401
    assert "Basic" in response["WWW-Authenticate"]
    assert AuthEvent.objects.filter(type="client_auth_failed").count() == 1


def test_introspection_works_with_clients_only_when_no_secret_is_configured(client, orders, authfort):
    authfort(INTROSPECTION_SECRETS=[])
    assert _introspect(client, "x").status_code == 404
    gateway = create_client("gateway", can_request_tokens=False, can_introspect=True)

    response = _introspect(client, _token_of(client, orders), basic(gateway.client.client_id, gateway.secret))

    assert response.json()["active"] is True


# -- revocation (RFC 7009) --------------------------------------------------------------


def test_revoking_an_unknown_token_is_200(client):
    response = _revoke(client, "no-such-token")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_missing_token_is_invalid_request(client):
    response = client.post("/auth/revoke", "token_type_hint=refresh_token", content_type=FORM)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_revoking_a_refresh_token_ends_its_whole_session(client, api_client):
    user = UserFactory()
    pair = login(api_client, user, DEFAULT_PASSWORD)

    assert _revoke(client, pair["refresh_token"]).status_code == 200

    assert refresh(api_client, pair["refresh_token"]).status_code == 401
    assert _introspect(client, pair["access_token"]).json() == {"active": False}
    assert AuthEvent.objects.filter(type="token_revoked", detail__token_type="refresh_token").count() == 1


def test_the_owning_client_revokes_its_token(client, orders):
    token = _token_of(client, orders)

    assert _revoke(client, token, basic(orders.client.client_id, orders.secret)).status_code == 200

    assert _introspect(client, token).json() == {"active": False}


def test_a_client_token_cannot_be_revoked_without_its_client(client, orders):
    token = _token_of(client, orders)

    response = _revoke(client, token)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert _introspect(client, token).json()["active"] is True


def test_another_client_cannot_revoke_it(client, orders):
    other = create_client("other", scopes=["a"])
    token = _token_of(client, orders)

    response = _revoke(client, token, basic(other.client.client_id, other.secret))

    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


# -- metadata (RFC 8414) --------------------------------------------------------------


def test_the_metadata_validates_as_rfc_8414(client, orders, authfort):
    authfort(ISSUER="https://auth.example.com")  # RFC 8414 §2: the issuer is an https URL
    document = client.get("/.well-known/oauth-authorization-server").json()

    AuthorizationServerMetadata(document).validate()  # raises on any violation


def test_the_metadata_lists_the_oauth_endpoints_and_methods(client, orders):
    document = client.get("/.well-known/oauth-authorization-server").json()

    assert document["token_endpoint"] == "http://testserver/auth/token"
    assert document["revocation_endpoint"] == "http://testserver/auth/revoke"
    assert document["grant_types_supported"] == ["client_credentials"]
    assert document["response_types_supported"] == ["none"]
    assert all(value != [] for value in document.values())  # RFC 8414 §3.2
    assert "private_key_jwt" in document["token_endpoint_auth_methods_supported"]
    assert "none" not in document["token_endpoint_auth_signing_alg_values_supported"]
    assert document["scopes_supported"] == ["notifications:write"]


# -- commands -------------------------------------------------------------------------


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_client_prints_the_secret_once_and_stores_its_digest():
    output = json.loads(_run("create_client", "orders service", "--scope", "notifications:write",
                             "--audience", "notifications", "--json"))

    client = Client.objects.get(client_id=output["client_id"])
    assert client.scopes == ["notifications:write"] and client.audiences == ["notifications"]
    assert output["client_secret"] not in str(list(ClientSecret.objects.values()))
    assert AuthEvent.objects.get(type="client_created").detail["client_id"] == client.client_id


def test_create_client_refuses_a_bad_scope():
    with pytest.raises(CommandError, match="not a scope name"):
        _run("create_client", "x", "--scope", "bad scope")


def test_create_client_with_a_jwks_file_has_no_secret(tmp_path):
    from tests.helpers.clients import ClientKey

    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(ClientKey().jwks))

    output = json.loads(_run("create_client", "signer", "--jwks", str(path), "--json"))

    assert output["client_secret"] is None


def test_rotate_and_disable_commands(client, orders):
    new = json.loads(_run("rotate_client_secret", orders.client.client_id, "--grace", "0", "--json"))["client_secret"]
    old_answer = client.post("/auth/token", "grant_type=client_credentials", content_type=FORM,
                             HTTP_AUTHORIZATION=basic(orders.client.client_id, orders.secret))
    assert old_answer.status_code == 401

    assert "Disabled" in _run("disable_client", orders.client.client_id)

    new_answer = client.post("/auth/token", "grant_type=client_credentials", content_type=FORM,
                             HTTP_AUTHORIZATION=basic(orders.client.client_id, new))
    assert new_answer.status_code == 401
    assert AuthEvent.objects.filter(type="client_secret_rotated").count() == 1


def test_commands_name_an_unknown_client():
    with pytest.raises(CommandError, match="No client"):
        _run("disable_client", "nope")


# -- admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    from authfort_django.models import User

    client.force_login(User.objects.create_superuser("admin@example.com", "admin password 1234"))
    return client


def test_the_admin_shows_a_new_secret_once_on_its_own_page(admin_client):
    from django.urls import reverse

    response = admin_client.post(reverse("admin:authfort_django_client_add"), {
        "name": "billing", "scopes": "invoices:write", "audiences": "", "can_request_tokens": "on",
        "jwks": "null", "jwks_uri": "",
    })

    assert response.status_code == 200, response.content[:2000]
    created = Client.objects.get(name="billing")
    page = response.content.decode()
    assert created.client_id in page
    secret = page.split("client_secret: <code>")[1].split("</code>")[0]
    assert ClientSecret.objects.get(client=created).secret_hash != secret
    assert "no-store" in response["Cache-Control"]
    assert AuthEvent.objects.filter(type="client_created").count() == 1
    # Not in a message: the next page shows nothing of it.
    assert secret not in admin_client.get(reverse("admin:authfort_django_client_changelist")).content.decode()


def test_client_ids_never_start_like_an_option():
    from authfort_django.clients.registry import new_client_id

    assert all(new_client_id()[0].isalnum() for _ in range(500))


def test_purge_expired_drops_expired_assertion_and_revocation_records(orders):
    from datetime import timedelta

    from django.utils import timezone

    from authfort_django.models import RevokedClientToken, UsedClientAssertion

    past, future = timezone.now() - timedelta(seconds=1), timezone.now() + timedelta(hours=1)
    UsedClientAssertion.objects.create(client=orders.client, jti="old", expires_at=past)
    UsedClientAssertion.objects.create(client=orders.client, jti="new", expires_at=future)
    RevokedClientToken.objects.create(client=orders.client, jti="gone", expires_at=past)

    output = _run("purge_expired")

    assert "Deleted 1 used client assertions and 1 revoked client tokens" in output
    assert list(UsedClientAssertion.objects.values_list("jti", flat=True)) == ["new"]
