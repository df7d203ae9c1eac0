"""MonthlyStreetRollup (month × street × category × channel), so that a year sums whole months;
DailyUnitRollup by street instead of by district (unit figures under a street filter); RegionRollup
(region code × all time: the open cases per grid of the big screen).

Existing data: the monthly rows are added up from the daily street rows (a day lies in one month),
the unit and region rows are left to ``cases`` migration 0006, which recounts every counter table. Going back empties the unit table (``zhili manage rollups --rebuild`` then fills it at
the old grain).
"""

from collections import Counter, defaultdict

from django.db import migrations, models

#: the counter columns as of this migration
COUNTERS = (
    "received", "completed", "completed_on_time", "overdue_ever", "handling_seconds", "handled",
    "dispatched", "signed_on_time", "callbacks", "satisfied", "basic", "unsatisfied", "solved",
    "returned", "extended", "reworked", "repeat", "in_grid",
)


def clear_units(apps, schema_editor):
    apps.get_model("insight", "DailyUnitRollup").objects.all().delete()


def refill(apps, schema_editor):
    """The monthly rows from the daily ones. The unit and region rows are no longer counted here:
    ``cases`` migration 0006 recounts every counter table from the cases under the definitions of
    its day (decision 0006), and this migration's live-code recount would meet columns its models lack."""
    daily = apps.get_model("insight", "DailyStreetRollup")
    monthly = apps.get_model("insight", "MonthlyStreetRollup")
    keys = ("day", "street_code", "category_id", "channel")
    acc: dict[tuple, Counter] = defaultdict(Counter)
    for row in daily.objects.values(*keys, *COUNTERS).iterator(chunk_size=5000):
        acc[(row["day"].replace(day=1), row["street_code"], row["category_id"], row["channel"])].update(
            {k: row[k] for k in COUNTERS})
    monthly.objects.bulk_create([monthly(month=m, street_code=s, category_id=c, channel=ch, **counts)
                                 for (m, s, c, ch), counts in acc.items()], batch_size=5000)


class Migration(migrations.Migration):

    dependencies = [
        ("insight", "0003_default_warning_rules"),
        ("cases", "0002_case_is_repeat_case_was_overdue"),
    ]

    operations = [
        migrations.CreateModel(
            name="MonthlyStreetRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("received", models.IntegerField(default=0)),
                ("completed", models.IntegerField(default=0)),
                ("completed_on_time", models.IntegerField(default=0)),
                ("overdue_ever", models.IntegerField(default=0)),
                ("handling_seconds", models.BigIntegerField(default=0)),
                ("handled", models.IntegerField(default=0)),
                ("dispatched", models.IntegerField(default=0)),
                ("signed_on_time", models.IntegerField(default=0)),
                ("callbacks", models.IntegerField(default=0)),
                ("satisfied", models.IntegerField(default=0)),
                ("basic", models.IntegerField(default=0)),
                ("unsatisfied", models.IntegerField(default=0)),
                ("solved", models.IntegerField(default=0)),
                ("returned", models.IntegerField(default=0)),
                ("extended", models.IntegerField(default=0)),
                ("reworked", models.IntegerField(default=0)),
                ("repeat", models.IntegerField(default=0)),
                ("in_grid", models.IntegerField(default=0)),
                ("month", models.DateField(help_text="the first day of the month")),
                ("street_code", models.CharField(help_text="the first 9 digits of the case's region code", max_length=9)),
                ("category_id", models.IntegerField()),
                ("channel", models.CharField(max_length=12)),
            ],
            options={
                "indexes": [models.Index(fields=["street_code", "month"], name="insight_mon_street__0bbb29_idx")],
                "constraints": [models.UniqueConstraint(fields=("month", "street_code", "category_id", "channel"),
                                                        name="uniq_month_street")],
            },
        ),
        migrations.CreateModel(
            name="RegionRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("received", models.IntegerField(default=0)),
                ("completed", models.IntegerField(default=0)),
                ("completed_on_time", models.IntegerField(default=0)),
                ("overdue_ever", models.IntegerField(default=0)),
                ("handling_seconds", models.BigIntegerField(default=0)),
                ("handled", models.IntegerField(default=0)),
                ("dispatched", models.IntegerField(default=0)),
                ("signed_on_time", models.IntegerField(default=0)),
                ("callbacks", models.IntegerField(default=0)),
                ("satisfied", models.IntegerField(default=0)),
                ("basic", models.IntegerField(default=0)),
                ("unsatisfied", models.IntegerField(default=0)),
                ("solved", models.IntegerField(default=0)),
                ("returned", models.IntegerField(default=0)),
                ("extended", models.IntegerField(default=0)),
                ("reworked", models.IntegerField(default=0)),
                ("repeat", models.IntegerField(default=0)),
                ("in_grid", models.IntegerField(default=0)),
                ("region_code", models.CharField(max_length=15, unique=True)),
            ],
            options={"abstract": False},
        ),
        migrations.RunPython(clear_units, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="dailyunitrollup", name="uniq_day_unit"),
        migrations.RemoveIndex(model_name="dailyunitrollup", name="insight_dai_distric_f3cd2f_idx"),
        migrations.RemoveField(model_name="dailyunitrollup", name="district_code"),
        migrations.AddField(
            model_name="dailyunitrollup",
            name="street_code",
            field=models.CharField(default="", help_text="the first 9 digits of the case's region code", max_length=9),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="dailyunitrollup",
            index=models.Index(fields=["street_code", "day"], name="insight_dai_street__904148_idx"),
        ),
        migrations.AddIndex(
            model_name="dailyunitrollup",
            index=models.Index(fields=["unit_id", "day"], name="insight_dai_unit_id_b00bab_idx"),
        ),
        migrations.AddConstraint(
            model_name="dailyunitrollup",
            constraint=models.UniqueConstraint(fields=("day", "unit_id", "street_code"), name="uniq_day_unit_street"),
        ),
        migrations.RunPython(refill, clear_units),
    ]
