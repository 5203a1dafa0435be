from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0003_render_job_dispatch_and_check_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificatecheck",
            name="record_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
    ]
