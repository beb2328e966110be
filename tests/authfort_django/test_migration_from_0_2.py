"""A database made by the 0.2 migrations keeps its users, sessions, keys and roles
through 0006/0007 (issue 15): the state moves to Account, bundled users keep their id
as `sub`, and address collisions are reported, not merged."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

APP = "authfort_django"
LAST_0_2 = [(APP, "0005_authevent_refresh_failed")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.no_signing_key
def test_a_0_2_database_migrates_with_its_data_intact(capsys):
    latest = [(APP, MigrationExecutor(connection).loader.graph.leaf_nodes(APP)[0][1])]
    old = _migrate(LAST_0_2)
    User, Role = old.get_model(APP, "User"), old.get_model(APP, "Role")
    Session, SigningKey = old.get_model(APP, "Session"), old.get_model(APP, "SigningKey")
    now = timezone.now()
    editor = Role.objects.create(name="editor")
    ada = User.objects.create(id=uuid.uuid4(), email="ada@example.com", token_version=7, email_verified_at=now)
    ada.roles.add(editor)
    twin = User.objects.create(id=uuid.uuid4(), email="bob@example.com")
    # 0.2's unique Lower(email) let one domain in two spellings (U-label, A-label) coexist.
    late = User.objects.create(id=uuid.uuid4(), email="bob@bücher.de")
    late_twin = User.objects.create(
        id=uuid.uuid4(), email="bob@xn--bcher-kva.de", date_joined=now + timezone.timedelta(1)
    )
    session = Session.objects.create(user_id=ada.pk, expires_at=now + timezone.timedelta(days=1))
    SigningKey.objects.create(kid="k1", public_jwk={"kty": "RSA"}, activates_at=now)

    new = _migrate(latest)

    Account = new.get_model(APP, "Account")
    moved = Account.objects.get(user_id=ada.pk)
    assert (moved.sub, moved.email, moved.token_version) == (ada.pk, "ada@example.com", 7)
    assert moved.email_verified_at == now
    assert [role.name for role in moved.roles.all()] == ["editor"]
    assert Account.objects.get(user_id=twin.pk).email == "bob@example.com"
    assert Account.objects.get(user_id=late.pk).email == "bob@xn--bcher-kva.de"  # the earlier user keeps it
    assert Account.objects.get(user_id=late_twin.pk).email is None
    assert str(late_twin.pk) in capsys.readouterr().out  # reported
    assert new.get_model(APP, "Session").objects.get(pk=session.pk).user_id == ada.pk
    assert new.get_model(APP, "SigningKey").objects.filter(kid="k1").exists()
    assert new.get_model(APP, "User").objects.count() == 4

    # And back: the state returns to the user rows.
    old_again = _migrate(LAST_0_2)
    assert old_again.get_model(APP, "User").objects.get(pk=ada.pk).token_version == 7
    assert [r.name for r in old_again.get_model(APP, "User").objects.get(pk=ada.pk).roles.all()] == ["editor"]
    _migrate(latest)
