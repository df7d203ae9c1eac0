"""Texts keep a confirmation link's token redacted (``/c/***``); a text still waiting to be sent keeps
its working link encrypted in ``sealed`` until it goes out (issue #13, secrets at rest)."""

import re

from django.db import migrations

import zhili.core.crypto

LINK_TOKEN = re.compile(r"(/c/)[A-Za-z0-9_\-]{8,}")
MAX_ATTEMPTS = 5


def redact_rows(apps, schema_editor):
    TextMessage = apps.get_model("cases", "TextMessage")
    for msg in TextMessage.objects.filter(text__contains="/c/").iterator(chunk_size=1000):
        shown = LINK_TOKEN.sub(lambda m: m.group(1) + "***", msg.text)
        if shown == msg.text:
            continue
        waiting = msg.status in ("queued", "failed") and msg.attempts < MAX_ATTEMPTS
        msg.sealed = msg.text if waiting else ""
        msg.text = shown
        msg.save(update_fields=["text", "sealed"])


def unseal_rows(apps, schema_editor):
    TextMessage = apps.get_model("cases", "TextMessage")
    for msg in TextMessage.objects.exclude(sealed="").iterator(chunk_size=1000):
        msg.text = msg.sealed
        msg.save(update_fields=["text"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_ledger_and_dated_counters")]

    operations = [
        migrations.AddField(
            model_name="textmessage",
            name="sealed",
            field=zhili.core.crypto.EncryptedTextField(blank=True, default=""),
        ),
        migrations.RunPython(redact_rows, unseal_rows),
    ]
