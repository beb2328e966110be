"""The state copied to Account by 0006 leaves the bundled user model (no-op where the
project has its own user model: a swapped-out model has no table)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("authfort_django", "0006_account"),
    ]

    operations = [
        migrations.RemoveField(model_name="user", name="email_verified_at"),
        migrations.RemoveField(model_name="user", name="roles"),
        migrations.RemoveField(model_name="user", name="token_version"),
    ]
