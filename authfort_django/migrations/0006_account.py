"""authfort's per-user state moves from the bundled user model to Account.

Every existing user gets an Account. Users of the bundled 0.2 model keep their id as
`sub` (so issued tokens and consumers' records stay valid), their token version,
email verification and roles. The canonical address (authfort_django.email_address)
is stored for each user; when two users' addresses have the same canonical form, the
earliest user keeps it and the others get none: they cannot sign in by address until
an administrator resolves it (`manage.py authfort_email_conflicts` lists them). The
conflicts are printed here too; nothing is merged.

Reversible: going back copies the state onto the bundled user model again.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import authfort_django.models
from authfort_django.email_address import InvalidEmailAddress, canonical_email

BUNDLED = "authfort_django.user"
BATCH = 1000


def _user_model(apps):
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    return apps.get_model(app_label, model_name)


def _canonical_or_none(raw):
    try:
        return canonical_email(raw or "")
    except InvalidEmailAddress:
        return None


def create_accounts(apps, schema_editor):
    user_model = _user_model(apps)
    account_model = apps.get_model("authfort_django", "Account")
    bundled = settings.AUTH_USER_MODEL.lower() == BUNDLED
    field_names = {field.name for field in user_model._meta.get_fields()}
    order = ["date_joined", "pk"] if "date_joined" in field_names else ["pk"]
    taken: dict[str, object] = {}
    conflicts: list[tuple[object, object, str]] = []
    batch = []
    for user in user_model._default_manager.order_by(*order).iterator(chunk_size=BATCH):
        canonical = _canonical_or_none(getattr(user, "email", ""))
        if canonical is not None and canonical in taken:
            conflicts.append((user.pk, taken[canonical], canonical))
            canonical = None
        elif canonical is not None:
            taken[canonical] = user.pk
        batch.append(
            account_model(
                user_id=user.pk,
                sub=user.pk if bundled else uuid.uuid4(),
                email=canonical,
                token_version=getattr(user, "token_version", 0) if bundled else 0,
                email_verified_at=getattr(user, "email_verified_at", None) if bundled else None,
            )
        )
        if len(batch) >= BATCH:
            account_model.objects.bulk_create(batch)
            batch = []
    account_model.objects.bulk_create(batch)
    if bundled:
        _copy_roles_to_accounts(user_model, account_model)
    for user_pk, holder_pk, canonical in conflicts:
        print(
            f"\n  authfort: user {user_pk} has the same canonical address {canonical!r} as user "
            f"{holder_pk}; user {user_pk} cannot sign in by address until this is resolved "
            "(manage.py authfort_email_conflicts)."
        )


def _copy_roles_to_accounts(user_model, account_model):
    user_roles = user_model._meta.get_field("roles").remote_field.through
    account_roles = account_model._meta.get_field("roles").remote_field.through
    account_of_user = dict(account_model.objects.values_list("user_id", "pk"))
    rows = [
        account_roles(account_id=account_of_user[user_id], role_id=role_id)
        for user_id, role_id in user_roles.objects.values_list("user_id", "role_id").iterator(chunk_size=BATCH)
    ]
    account_roles.objects.bulk_create(rows, batch_size=BATCH)


def copy_accounts_back(apps, schema_editor):
    if settings.AUTH_USER_MODEL.lower() != BUNDLED:
        return  # no state was ever on another model
    user_model = _user_model(apps)
    account_model = apps.get_model("authfort_django", "Account")
    user_roles = user_model._meta.get_field("roles").remote_field.through
    for account in account_model.objects.iterator(chunk_size=BATCH):
        user_model._default_manager.filter(pk=account.user_id).update(
            token_version=account.token_version, email_verified_at=account.email_verified_at
        )
    account_roles = account_model._meta.get_field("roles").remote_field.through
    user_of_account = dict(account_model.objects.values_list("pk", "user_id"))
    user_roles.objects.bulk_create(
        [
            user_roles(user_id=user_of_account[account_id], role_id=role_id)
            for account_id, role_id in account_roles.objects.values_list("account_id", "role_id")
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("authfort_django", "0005_authevent_refresh_failed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Account",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sub", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "email",
                    authfort_django.models.CanonicalEmailField(blank=True, max_length=254, null=True, unique=True),
                ),
                ("email_verified_at", models.DateTimeField(blank=True, null=True)),
                ("token_version", models.PositiveIntegerField(default=0)),
                ("roles", models.ManyToManyField(blank=True, related_name="accounts", to="authfort_django.role")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="authfort_account",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="accounttoken",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="authfort_account_tokens",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="authfort_sessions",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(create_accounts, copy_accounts_back, elidable=False),
    ]
