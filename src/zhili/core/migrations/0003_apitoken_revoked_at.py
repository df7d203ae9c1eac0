"""API tokens (issue #13): when a token was revoked, and the maximum lifetime for the tokens made
before it — a token that never expires, or expires more than a year from the upgrade, now expires
90 days after the upgrade (time for an integration to get a new one)."""

import datetime as dt

from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def cap_lifetimes(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    now = timezone.now()
    ApiToken.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now + dt.timedelta(days=365))).update(
        expires_at=now + dt.timedelta(days=90))


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_cache_table'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='revoked_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(cap_lifetimes, migrations.RunPython.noop),
    ]
