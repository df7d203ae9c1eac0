from django.db import migrations


class Migration(migrations.Migration):
    """The case counters now belong to ``cases`` (``cases`` 0005 took them over with their tables
    and rows): here ``insight`` only forgets them; the database is not touched."""

    dependencies = [
        ('insight', '0006_due_rollup'),
        ('cases', '0005_rollups_from_insight'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='RecurringRollup'),
                migrations.DeleteModel(name='TextKey'),
                migrations.DeleteModel(name='DueRollup'),
                migrations.DeleteModel(name='MonthlyCellRollup'),
                migrations.DeleteModel(name='RegionRollup'),
                migrations.DeleteModel(name='MonthlyGridRollup'),
                migrations.DeleteModel(name='DailyUnitRollup'),
                migrations.DeleteModel(name='MonthlyStreetRollup'),
                migrations.DeleteModel(name='DailyStreetRollup'),
            ],
        ),
    ]
