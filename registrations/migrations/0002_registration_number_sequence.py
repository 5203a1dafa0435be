"""The database sequence registration numbers are drawn from (R-REG-5): never max()+1."""

from django.db import migrations

CREATE = "CREATE SEQUENCE IF NOT EXISTS registration_number_seq START WITH 10000000 MINVALUE 10000000 MAXVALUE 99999999 NO CYCLE"
DROP = "DROP SEQUENCE IF EXISTS registration_number_seq"


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
