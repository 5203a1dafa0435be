"""The account the sandpit accepts out of the box: the one dev and test settings send."""

import hashlib

from django.db import migrations


def add_default_account(apps, schema_editor):
    SandpitAccount = apps.get_model("lrs_sandpit", "SandpitAccount")
    SandpitAccount.objects.get_or_create(
        organisation_ref="SANDPIT-AO",
        defaults={
            "ukprn": "10099999",
            "user_name": "sandpit-user",
            "password_digest": hashlib.sha256(b"sandpit-password").hexdigest(),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("lrs_sandpit", "0001_register")]
    operations = [migrations.RunPython(add_default_account, migrations.RunPython.noop)]
