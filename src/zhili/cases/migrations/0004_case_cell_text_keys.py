"""The keys the analysis rollups group a case by (``zhili.cases.keys``): its h3 cell and the
digests of its normalised title and address; existing cases get them here (in Python, 2,000 at a
time: minutes for millions of cases)."""

from django.db import migrations, models


def derive(apps, schema_editor):
    from zhili.cases.keys import cell_of, text_key

    Case = apps.get_model("cases", "Case")
    batch = []
    for case in Case.objects.only("id", "lon", "lat", "title", "address").iterator(chunk_size=2000):
        case.cell, case.title_key, case.address_key = cell_of(case.lon, case.lat), text_key(case.title), text_key(case.address)
        batch.append(case)
        if len(batch) >= 2000:
            Case.objects.bulk_update(batch, ["cell", "title_key", "address_key"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["cell", "title_key", "address_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0003_case_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='address_key',
            field=models.BigIntegerField(blank=True, help_text='digest of the normalised address', null=True),
        ),
        migrations.AddField(
            model_name='case',
            name='cell',
            field=models.CharField(blank=True, default='', help_text='h3 cell of the point (keys.HEX_RES)', max_length=15),
        ),
        migrations.AddField(
            model_name='case',
            name='title_key',
            field=models.BigIntegerField(blank=True, help_text='digest of the normalised title (keys.text_key)', null=True),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['cell', '-created_at'], name='case_cell_created'),
        ),
        migrations.RunPython(derive, migrations.RunPython.noop),
    ]
