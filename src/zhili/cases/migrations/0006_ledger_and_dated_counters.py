"""The ledger (``Case.ledger``: assignments to units, every verdict), 无法联系 (``unreachable``,
``callback_attempts``), counters dated by the day their fact happened (期内办结 ``closed``,
``unreachable``, 应办结 ``due``/``due_on_time``; ``completed_on_time`` is gone) and day × grid rows
(:class:`DailyGridRollup`) — decision 0006.

Every counter table is then recounted from the cases (:func:`recount`): the definitions changed,
so the rows do too. Cases written before have no ledger; the counting reads theirs from their
columns (:mod:`zhili.cases.ledger`), as it does for the bulk loader's."""

from collections import defaultdict

from django.db import migrations, models


def recount(apps, schema_editor):
    """Every counter row again from the cases, with this migration's models (the live definition,
    :func:`zhili.cases.rollups.rows`, reads only fields they have)."""
    from zhili.cases.rollups.counters import TABLES, rows

    Case = apps.get_model("cases", "Case")
    models_ = {live: apps.get_model("cases", live.__name__) for live, _key in TABLES}
    for model in models_.values():
        model.objects.all().delete()
    if not Case.objects.exists():
        return
    sums: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for case in Case.objects.iterator(chunk_size=5000):
        for (live, key), counts in rows(case).items():
            acc = sums[(live, key)]
            for k, v in counts.items():
                acc[k] += v
    by_model = defaultdict(list)
    for (live, key), counts in sums.items():
        if any(counts.values()):
            model = models_[live]
            by_model[model].append(model(**dict(key), **{k: v for k, v in counts.items() if v}))
    for model, objs in by_model.items():
        model.objects.bulk_create(objs, batch_size=5000)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_rollups_from_insight'),
        ('insight', '0007_rollups_moved_to_cases'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='dailystreetrollup',
            name='completed_on_time',
        ),
        migrations.RemoveField(
            model_name='dailyunitrollup',
            name='completed_on_time',
        ),
        migrations.RemoveField(
            model_name='monthlycellrollup',
            name='completed_on_time',
        ),
        migrations.RemoveField(
            model_name='monthlygridrollup',
            name='completed_on_time',
        ),
        migrations.RemoveField(
            model_name='monthlystreetrollup',
            name='completed_on_time',
        ),
        migrations.RemoveField(
            model_name='regionrollup',
            name='completed_on_time',
        ),
        migrations.AddField(
            model_name='case',
            name='callback_attempts',
            field=models.PositiveSmallIntegerField(default=0, help_text='failed callback attempts since the result'),
        ),
        migrations.AddField(
            model_name='case',
            name='ledger',
            field=models.JSONField(blank=True, default=dict, help_text='assignments to units and every verdict, for the figures (zhili.cases.ledger)'),
        ),
        migrations.AddField(
            model_name='case',
            name='unreachable',
            field=models.BooleanField(default=False, help_text='closed after the configured callback attempts all failed', verbose_name='closed: resident not reachable (无法联系)'),
        ),
        migrations.AddField(
            model_name='dailystreetrollup',
            name='closed',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailystreetrollup',
            name='due',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailystreetrollup',
            name='due_on_time',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailystreetrollup',
            name='unreachable',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyunitrollup',
            name='closed',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyunitrollup',
            name='due',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyunitrollup',
            name='due_on_time',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyunitrollup',
            name='unreachable',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlycellrollup',
            name='closed',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlycellrollup',
            name='due',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlycellrollup',
            name='due_on_time',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlycellrollup',
            name='unreachable',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlygridrollup',
            name='closed',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlygridrollup',
            name='due',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlygridrollup',
            name='due_on_time',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlygridrollup',
            name='unreachable',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlystreetrollup',
            name='closed',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlystreetrollup',
            name='due',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlystreetrollup',
            name='due_on_time',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlystreetrollup',
            name='unreachable',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='regionrollup',
            name='closed',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='regionrollup',
            name='due',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='regionrollup',
            name='due_on_time',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='regionrollup',
            name='unreachable',
            field=models.IntegerField(default=0),
        ),
        migrations.CreateModel(
            name='DailyGridRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('received', models.IntegerField(default=0)),
                ('completed', models.IntegerField(default=0)),
                ('closed', models.IntegerField(default=0)),
                ('unreachable', models.IntegerField(default=0)),
                ('due', models.IntegerField(default=0)),
                ('due_on_time', models.IntegerField(default=0)),
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
                ('grid_code', models.CharField(max_length=15)),
                ('category_id', models.IntegerField()),
            ],
            options={
                'db_table': 'insight_dailygridrollup',
                'indexes': [models.Index(fields=['grid_code', 'day'], name='insight_dai_grid_co_2fe023_idx')],
                'constraints': [models.UniqueConstraint(fields=('day', 'grid_code', 'category_id'), name='uniq_day_grid')],
            },
        ),
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
