"""One canonical email identity (issue 19 §2): no look-alike spelling of an address logs
into it, registers beside it, squats it, or gets its mail.

These run on every database of CI's legs (SQLite, PostgreSQL, MariaDB): the holes were
in how each database folds letters, so the database is the thing under test.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authfort_django.email_address import InvalidEmailAddress, address_for_new_account, canonical_email
from authfort_django.models import Account
from tests.authfort_django.helpers import status_and_code
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REAL = "sadi@example.com"

# Each spelling folds onto REAL under some database's, regular expression's or library's
# rules (PostgreSQL's UPPER, IGNORECASE, NFKC), but must not reach it here.
LOOK_ALIKES = [
    "sаdi@example.com",  # Cyrillic а
    "ｓａｄｉ@example.com",  # fullwidth (NFKC folds it to ASCII)
    "sadi@ｅxample.com",  # fullwidth letter in the domain
    "sadı@example.com",  # dotless ı (upper: I)
    "ſadi@example.com",  # long s (upper: S)
    "SADİ@example.com",  # dotted capital İ (lower: i + dot)
    "sadi\u200b@example.com",  # zero-width space
]


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("Ada@Example.COM", "ada@example.com"),
        ("  ada@example.com  ", "ada@example.com"),
        ("ada@Bücher.de", "ada@xn--bcher-kva.de"),
        ("ada@faß.de", "ada@xn--fa-hia.de"),  # IDNA 2008: not fass.de
        ("ada@example.com.", "ada@example.com"),
        ("STRASSE@example.com", "strasse@example.com"),
    ],
)
def test_the_canonical_form(typed, canonical):
    assert canonical_email(typed) == canonical
    assert canonical_email(canonical) == canonical  # idempotent


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("ａｄａ@example.com", "not_canonical"),
        ("straße@example.com", "not_canonical"),
        ("ſada@example.com", "not_canonical"),
        ("adı@example.com", "not_canonical"),
        ("ADİ@example.com", "not_canonical"),
        ("Kelvin\u212a@example.com", "not_canonical"),  # KELVIN SIGN
        ("pаypal@example.com", "mixed_script"),  # Cyrillic а among Latin letters
        ("ada\u200b@example.com", "invalid"),
        ("ada@exa mple.com", "invalid"),
        ("ada@-bad-.com", "invalid_domain"),
        ("no-at-sign", "invalid"),
    ],
)
def test_addresses_that_name_another_mailbox_cannot_own_an_account(typed, reason):
    with pytest.raises(InvalidEmailAddress) as refused:
        address_for_new_account(typed)
    assert refused.value.reason == reason


def _register(api_client, email):
    return api_client.post(
        "/auth/register", {"email": email, "password": DEFAULT_PASSWORD, "name": "x"}, format="json"
    )


def _login(api_client, email):
    return api_client.post("/auth/login", {"email": email, "password": DEFAULT_PASSWORD}, format="json")


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_a_look_alike_neither_logs_in_nor_registers_beside_the_real_address(api_client, spelling, mailoutbox):
    real = UserFactory(email=REAL)

    assert status_and_code(_login(api_client, spelling)) == (401, "invalid_credentials")
    registered = _register(api_client, spelling)
    assert registered.status_code == 400, registered.content  # refused, not a second account
    api_client.post("/auth/password-reset", {"email": spelling}, format="json")
    assert all(REAL not in message.to for message in mailoutbox)
    assert Account.objects.filter(email=REAL).get().user == real


def test_the_same_address_in_other_letter_case_is_the_same_account(api_client):
    UserFactory(email=REAL)

    assert _login(api_client, "SADI@Example.com").status_code == 200
    assert status_and_code(_register(api_client, "Sadi@EXAMPLE.com")) == (409, "email_taken")


def test_a_look_alike_registered_first_cannot_squat_the_real_address(api_client):
    """The refusal is at registration: nobody holds a look-alike of another's address."""
    assert _register(api_client, "sadı@example.com").status_code == 400
    assert _register(api_client, REAL).status_code == 201


def test_mail_goes_to_exactly_the_stored_canonical_form(api_client, mailoutbox):
    assert _register(api_client, "Ada@Bücher.de").status_code == 201

    assert api_client.post("/auth/password-reset", {"email": "ADA@bücher.DE"}, format="json").status_code == 202
    assert [message.to for message in mailoutbox] == [["ada@xn--bcher-kva.de"]]


@pytest.mark.parametrize(
    "name", ["Ada\nClick https://evil.example", "see www.evil.example", "evil.example/login", "Ada\u0007"]
)
def test_a_name_never_carries_lines_or_links_into_a_mail(api_client, mailoutbox, name):
    user = UserFactory(email=REAL, name=name)

    api_client.post("/auth/password-reset", {"email": REAL}, format="json")

    (message,) = mailoutbox
    assert user.name not in message.body
    assert "evil" not in message.body and "evil" not in message.alternatives[0][0]


def test_registration_refuses_a_name_with_line_breaks(api_client):
    response = api_client.post(
        "/auth/register", {"email": REAL, "password": DEFAULT_PASSWORD, "name": "Ada\r\nBcc: x"}, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


_addresses = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.text(min_size=1, max_size=12),
    st.sampled_from(["example.com", "EXAMPLE.com", "bücher.de", "faß.de", "xn--bcher-kva.de", "ｅxample.com"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_addresses, second=_addresses)
def test_the_database_finds_an_account_by_exact_canonical_equality_only(first, second):
    """Over arbitrary Unicode: the stored canonical form is found by another spelling
    exactly when the two canonical forms are equal, whatever the database's collation."""
    try:
        stored, probe = canonical_email(first), canonical_email(second)
    except InvalidEmailAddress:
        return
    user = UserFactory()
    Account.objects.filter(user=user).update(email=stored)
    try:
        found = Account.objects.filter(email=probe).exists()
        assert found == (stored == probe), (stored, probe)
        assert Account.objects.filter(email=stored).count() == 1
    finally:
        user.delete()


def test_an_ordinary_name_with_initials_is_kept(api_client, mailoutbox):
    UserFactory(email=REAL, name="J.R. Tolkien")

    api_client.post("/auth/password-reset", {"email": REAL}, format="json")

    assert mailoutbox[0].body.startswith("Hello J.R. Tolkien,")


def test_users_sharing_an_address_are_listed_and_warned_about(db):
    """auth.User-style data: two users whose addresses are one once canonicalised.
    The second one's Account gets no address (never merged), the command lists both,
    and the database check warns."""
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from authfort_django.checks import check_email_conflicts

    first = UserFactory(email="bob@xn--bcher-kva.de")
    second = UserFactory(email="bob@bücher.de")  # the bundled model's Lower() cannot tell them apart

    assert Account.objects.of(first).email == "bob@xn--bcher-kva.de"
    assert Account.objects.of(second).email is None
    out = StringIO()
    call_command("authfort_email_conflicts", stdout=out)
    assert out.getvalue().startswith(f"bob@xn--bcher-kva.de: held by user {first.pk}")
    assert str(second.pk) in out.getvalue()
    with pytest.raises(CommandError):
        call_command("authfort_email_conflicts", "--fail", stdout=StringIO())
    assert [m.id for m in check_email_conflicts(databases=["default"])] == ["authfort.W010"]
    second.delete()
    assert check_email_conflicts(databases=["default"]) == []
