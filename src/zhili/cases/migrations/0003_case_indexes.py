"""Indexes of the case table for the everyday reads at a million cases (see docs/performance.md):
the to-do counts answered from two composite indexes, the phone search from one; the
single-column indexes that the composite ones lead with are dropped (each costs every insert).
Deadline policies get a unit of minutes, and the seeded emergency policy signs in 30 minutes (it
said 30 hours to sign a matter due in 2)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


UNITS = [("mi", "natural minutes"), ("h", "natural hours"), ("d", "natural days"), ("wd", "working days"), ("m", "months")]


def emergency_signs_in_minutes(apps, schema_editor):
    Policy = apps.get_model("cases", "DeadlinePolicy")
    Policy.objects.filter(name="紧急诉求 2 小时", urgency="emergency", sign_value=30, sign_unit="h").update(sign_unit="mi")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_case_is_repeat_case_was_overdue"),
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="case", name="category",
            field=models.ForeignKey(db_index=False, limit_choices_to={"type": "case_category"},
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.codeitem",
                                    verbose_name="category"),
        ),
        migrations.AlterField(
            model_name="case", name="lead_unit",
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="led_cases", to="core.organisation", verbose_name="lead unit"),
        ),
        migrations.AlterField(
            model_name="case", name="state",
            field=models.CharField(max_length=12, verbose_name="state"),
        ),
        migrations.AlterField(
            model_name="case", name="reporter_phone_index",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="case", name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="registered at"),
        ),
        migrations.AlterField(
            model_name="deadlinepolicy", name="sign_unit",
            field=models.CharField(choices=UNITS, default="wd", max_length=2),
        ),
        migrations.AlterField(
            model_name="deadlinepolicy", name="handle_unit",
            field=models.CharField(choices=UNITS, max_length=2),
        ),
        migrations.RunPython(emergency_signs_in_minutes, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="case", name="case_state_due"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["state", "region_code", "registered_by"], name="case_state_region",
                               opclasses=["text_ops", "varchar_pattern_ops", "int8_ops"]),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["state", "due_at"], include=("region_code", "registered_by"), name="case_state_due"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["reporter_phone_index", "created_at"], name="case_reporter_phone"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["state", "-created_at", "-id"], name="case_state_created"),
        ),
    ]
