import django.db.models.deletion
from django.db import migrations, models

MOVED = ("regionrollup", "dailystreetrollup", "dailyunitrollup", "duerollup", "monthlycellrollup",
         "monthlygridrollup", "monthlystreetrollup", "textkey", "recurringrollup")


def move_content_types(apps, schema_editor):
    """The back office's content types (and their permissions) of the moved tables follow them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for name in MOVED:
        old = ContentType.objects.using(db).filter(app_label="insight", model=name).first()
        if old is None:
            continue
        if ContentType.objects.using(db).filter(app_label="cases", model=name).exists():
            old.delete()
        else:
            old.app_label = "cases"
            old.save(update_fields=["app_label"])


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(app_label="cases", model__in=MOVED).update(
        app_label="insight")


class Migration(migrations.Migration):
    """The case counters move from ``insight`` to ``cases`` (counters live with their data): the
    tables and their rows stay as they are; only Django's record of which app owns them changes
    here (``SeparateDatabaseAndState``), and ``insight`` 0007 forgets them. The tables keep their names."""

    dependencies = [
        ('cases', '0004_case_cell_text_keys'),
        ('insight', '0006_due_rollup'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RegionRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('received', models.IntegerField(default=0)),
                        ('completed', models.IntegerField(default=0)),
                        ('completed_on_time', models.IntegerField(default=0)),
                        ('overdue_ever', models.IntegerField(default=0)),
                        ('handling_seconds', models.BigIntegerField(default=0)),
                        ('handled', models.IntegerField(default=0)),
                        ('dispatched', models.IntegerField(default=0)),
                        ('signed_on_time', models.IntegerField(default=0)),
                        ('callbacks', models.IntegerField(default=0)),
                        ('satisfied', models.IntegerField(default=0)),
                        ('basic', models.IntegerField(default=0)),
                        ('unsatisfied', models.IntegerField(default=0)),
                        ('solved', models.IntegerField(default=0)),
                        ('returned', models.IntegerField(default=0)),
                        ('extended', models.IntegerField(default=0)),
                        ('reworked', models.IntegerField(default=0)),
                        ('repeat', models.IntegerField(default=0)),
                        ('in_grid', models.IntegerField(default=0)),
                        ('region_code', models.CharField(max_length=15, unique=True)),
                    ],
                    options={
                        'db_table': 'insight_regionrollup',
                    },
                ),
                migrations.CreateModel(
                    name='DailyStreetRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('received', models.IntegerField(default=0)),
                        ('completed', models.IntegerField(default=0)),
                        ('completed_on_time', models.IntegerField(default=0)),
                        ('overdue_ever', models.IntegerField(default=0)),
                        ('handling_seconds', models.BigIntegerField(default=0)),
                        ('handled', models.IntegerField(default=0)),
                        ('dispatched', models.IntegerField(default=0)),
                        ('signed_on_time', models.IntegerField(default=0)),
                        ('callbacks', models.IntegerField(default=0)),
                        ('satisfied', models.IntegerField(default=0)),
                        ('basic', models.IntegerField(default=0)),
                        ('unsatisfied', models.IntegerField(default=0)),
                        ('solved', models.IntegerField(default=0)),
                        ('returned', models.IntegerField(default=0)),
                        ('extended', models.IntegerField(default=0)),
                        ('reworked', models.IntegerField(default=0)),
                        ('repeat', models.IntegerField(default=0)),
                        ('in_grid', models.IntegerField(default=0)),
                        ('day', models.DateField()),
                        ('street_code', models.CharField(help_text="the first 9 digits of the case's region code", max_length=9)),
                        ('category_id', models.IntegerField()),
                        ('channel', models.CharField(max_length=12)),
                    ],
                    options={
                        'db_table': 'insight_dailystreetrollup',
                        'indexes': [models.Index(fields=['street_code', 'day'], name='insight_dai_street__081846_idx')],
                        'constraints': [models.UniqueConstraint(fields=('day', 'street_code', 'category_id', 'channel'), name='uniq_day_street')],
                    },
                ),
                migrations.CreateModel(
                    name='DailyUnitRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('received', models.IntegerField(default=0)),
                        ('completed', models.IntegerField(default=0)),
                        ('completed_on_time', models.IntegerField(default=0)),
                        ('overdue_ever', models.IntegerField(default=0)),
                        ('handling_seconds', models.BigIntegerField(default=0)),
                        ('handled', models.IntegerField(default=0)),
                        ('dispatched', models.IntegerField(default=0)),
                        ('signed_on_time', models.IntegerField(default=0)),
                        ('callbacks', models.IntegerField(default=0)),
                        ('satisfied', models.IntegerField(default=0)),
                        ('basic', models.IntegerField(default=0)),
                        ('unsatisfied', models.IntegerField(default=0)),
                        ('solved', models.IntegerField(default=0)),
                        ('returned', models.IntegerField(default=0)),
                        ('extended', models.IntegerField(default=0)),
                        ('reworked', models.IntegerField(default=0)),
                        ('repeat', models.IntegerField(default=0)),
                        ('in_grid', models.IntegerField(default=0)),
                        ('day', models.DateField()),
                        ('unit_id', models.IntegerField()),
                        ('street_code', models.CharField(help_text="the first 9 digits of the case's region code", max_length=9)),
                    ],
                    options={
                        'db_table': 'insight_dailyunitrollup',
                        'indexes': [models.Index(fields=['street_code', 'day'], name='insight_dai_street__904148_idx'), models.Index(fields=['unit_id', 'day'], name='insight_dai_unit_id_b00bab_idx')],
                        'constraints': [models.UniqueConstraint(fields=('day', 'unit_id', 'street_code'), name='uniq_day_unit_street')],
                    },
                ),
                migrations.CreateModel(
                    name='DueRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('street_code', models.CharField(help_text="the first 9 digits of the case's region code", max_length=9)),
                        ('due_day', models.DateField()),
                        ('open', models.IntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'insight_duerollup',
                        'indexes': [models.Index(fields=['due_day', 'street_code'], include=('open',), name='due_day_street')],
                        'constraints': [models.UniqueConstraint(fields=('street_code', 'due_day'), name='uniq_due_street_day')],
                    },
                ),
                migrations.CreateModel(
                    name='MonthlyCellRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('received', models.IntegerField(default=0)),
                        ('completed', models.IntegerField(default=0)),
                        ('completed_on_time', models.IntegerField(default=0)),
                        ('overdue_ever', models.IntegerField(default=0)),
                        ('handling_seconds', models.BigIntegerField(default=0)),
                        ('handled', models.IntegerField(default=0)),
                        ('dispatched', models.IntegerField(default=0)),
                        ('signed_on_time', models.IntegerField(default=0)),
                        ('callbacks', models.IntegerField(default=0)),
                        ('satisfied', models.IntegerField(default=0)),
                        ('basic', models.IntegerField(default=0)),
                        ('unsatisfied', models.IntegerField(default=0)),
                        ('solved', models.IntegerField(default=0)),
                        ('returned', models.IntegerField(default=0)),
                        ('extended', models.IntegerField(default=0)),
                        ('reworked', models.IntegerField(default=0)),
                        ('repeat', models.IntegerField(default=0)),
                        ('in_grid', models.IntegerField(default=0)),
                        ('month', models.DateField(help_text='the first day of the month')),
                        ('street_code', models.CharField(help_text="the first 9 digits of the case's region code", max_length=9)),
                        ('cell', models.CharField(max_length=15)),
                        ('root_category', models.CharField(help_text="code of the case's top-level category", max_length=40)),
                    ],
                    options={
                        'db_table': 'insight_monthlycellrollup',
                        'indexes': [models.Index(fields=['street_code', 'month'], name='insight_mon_street__49103a_idx')],
                        'constraints': [models.UniqueConstraint(fields=('month', 'street_code', 'cell', 'root_category'), name='uniq_month_cell')],
                    },
                ),
                migrations.CreateModel(
                    name='MonthlyGridRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('received', models.IntegerField(default=0)),
                        ('completed', models.IntegerField(default=0)),
                        ('completed_on_time', models.IntegerField(default=0)),
                        ('overdue_ever', models.IntegerField(default=0)),
                        ('handling_seconds', models.BigIntegerField(default=0)),
                        ('handled', models.IntegerField(default=0)),
                        ('dispatched', models.IntegerField(default=0)),
                        ('signed_on_time', models.IntegerField(default=0)),
                        ('callbacks', models.IntegerField(default=0)),
                        ('satisfied', models.IntegerField(default=0)),
                        ('basic', models.IntegerField(default=0)),
                        ('unsatisfied', models.IntegerField(default=0)),
                        ('solved', models.IntegerField(default=0)),
                        ('returned', models.IntegerField(default=0)),
                        ('extended', models.IntegerField(default=0)),
                        ('reworked', models.IntegerField(default=0)),
                        ('repeat', models.IntegerField(default=0)),
                        ('in_grid', models.IntegerField(default=0)),
                        ('month', models.DateField(help_text='the first day of the month')),
                        ('grid_code', models.CharField(max_length=15)),
                        ('category_id', models.IntegerField()),
                    ],
                    options={
                        'db_table': 'insight_monthlygridrollup',
                        'indexes': [models.Index(fields=['grid_code', 'month'], name='insight_mon_grid_co_2076f4_idx')],
                        'constraints': [models.UniqueConstraint(fields=('month', 'grid_code', 'category_id'), name='uniq_month_grid')],
                    },
                ),
                migrations.CreateModel(
                    name='MonthlyStreetRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('received', models.IntegerField(default=0)),
                        ('completed', models.IntegerField(default=0)),
                        ('completed_on_time', models.IntegerField(default=0)),
                        ('overdue_ever', models.IntegerField(default=0)),
                        ('handling_seconds', models.BigIntegerField(default=0)),
                        ('handled', models.IntegerField(default=0)),
                        ('dispatched', models.IntegerField(default=0)),
                        ('signed_on_time', models.IntegerField(default=0)),
                        ('callbacks', models.IntegerField(default=0)),
                        ('satisfied', models.IntegerField(default=0)),
                        ('basic', models.IntegerField(default=0)),
                        ('unsatisfied', models.IntegerField(default=0)),
                        ('solved', models.IntegerField(default=0)),
                        ('returned', models.IntegerField(default=0)),
                        ('extended', models.IntegerField(default=0)),
                        ('reworked', models.IntegerField(default=0)),
                        ('repeat', models.IntegerField(default=0)),
                        ('in_grid', models.IntegerField(default=0)),
                        ('month', models.DateField(help_text='the first day of the month')),
                        ('street_code', models.CharField(help_text="the first 9 digits of the case's region code", max_length=9)),
                        ('category_id', models.IntegerField()),
                        ('channel', models.CharField(max_length=12)),
                    ],
                    options={
                        'db_table': 'insight_monthlystreetrollup',
                        'indexes': [models.Index(fields=['street_code', 'month'], name='insight_mon_street__0bbb29_idx')],
                        'constraints': [models.UniqueConstraint(fields=('month', 'street_code', 'category_id', 'channel'), name='uniq_month_street')],
                    },
                ),
                migrations.CreateModel(
                    name='TextKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('title', '事项'), ('address', '地址')], max_length=7)),
                        ('digest', models.BigIntegerField()),
                        ('text', models.CharField(help_text='one spelling of it, as shown', max_length=200)),
                        ('n', models.IntegerField(default=0, help_text='received cases with this key')),
                        ('recurring', models.BooleanField(default=False)),
                        ('first_month', models.DateField(blank=True, null=True)),
                        ('first_street', models.CharField(blank=True, max_length=9)),
                    ],
                    options={
                        'db_table': 'insight_textkey',
                        'constraints': [models.UniqueConstraint(fields=('kind', 'digest'), name='uniq_text_key')],
                    },
                ),
                migrations.CreateModel(
                    name='RecurringRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(help_text='the first day of the month')),
                        ('street_code', models.CharField(max_length=9)),
                        ('kind', models.CharField(help_text="the key's kind, so that a page reads this table alone", max_length=7)),
                        ('received', models.IntegerField(default=0)),
                        ('key', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.textkey')),
                    ],
                    options={
                        'db_table': 'insight_recurringrollup',
                        'indexes': [models.Index(fields=['kind', 'street_code', 'month'], name='insight_rec_kind_afdacf_idx'), models.Index(fields=['key', 'month'], name='insight_rec_key_id_f351f8_idx')],
                        'constraints': [models.UniqueConstraint(fields=('month', 'street_code', 'key'), name='uniq_recurring')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, content_types_back),
    ]
