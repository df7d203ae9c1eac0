"""MonthlyCellRollup (month × street × h3 cell × category: the hotspot map) and the recurring titles
and addresses (TextKey, RecurringRollup). Existing cases are counted into the recurring keys here with ``recurring.rebuild`` (SQL); the cells by
``cases`` migration 0006."""


import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """The recurring keys (SQL). The cells are counted by ``cases`` migration 0006, which recounts
    every counter table from the cases under the definitions of its day (decision 0006)."""
    from zhili.cases.rollups import recurring

    Case = apps.get_model("cases", "Case")
    if not Case.objects.exists():
        return
    recurring.rebuild(Case, apps.get_model("insight", "TextKey"), apps.get_model("insight", "RecurringRollup"))


def empty(apps, schema_editor):
    for name in ("RecurringRollup", "TextKey", "MonthlyCellRollup"):
        apps.get_model("insight", name).objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('insight', '0004_monthly_street_rollup_unit_per_street'),
        ('cases', '0004_case_cell_text_keys'),
    ]

    operations = [
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
                'indexes': [models.Index(fields=['street_code', 'month'], name='insight_mon_street__49103a_idx')],
                'constraints': [models.UniqueConstraint(fields=('month', 'street_code', 'cell', 'root_category'), name='uniq_month_cell')],
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
                ('key', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='insight.textkey')),
            ],
            options={
                'indexes': [models.Index(fields=['kind', 'street_code', 'month'], name='insight_rec_kind_afdacf_idx'), models.Index(fields=['key', 'month'], name='insight_rec_key_id_f351f8_idx')],
                'constraints': [models.UniqueConstraint(fields=('month', 'street_code', 'key'), name='uniq_recurring')],
            },
        ),
        migrations.RunPython(fill, empty),
    ]
