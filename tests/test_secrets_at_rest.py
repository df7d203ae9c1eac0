"""Issue #13 item 8: secrets at rest. The outbox keeps confirmation links redacted (the working link
only encrypted, and only until the text is sent), the text log masks phones and redacts links, and
the audit log keeps a searched phone number only as its mask and blind index."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from zhili.cases import notify, services
from zhili.cases.models import TextMessage
from zhili.cases.services.confirmation import issue_confirmation
from zhili.core import crypto
from zhili.core.models import AuditEvent

PHONE = "13805361234"
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


def register(actor, categories):
    return services.register_case(
        actor, channel="window", case_type="dispute", category=categories["neighbour"].code, title="楼上漏水",
        description="楼上住户卫生间漏水，多次协商未果。", lon=119.105, lat=36.705,
        parties=[{"name": "张秀英", "phone": PHONE, "role": "applicant"}])


def stored_columns(pk: int) -> tuple[str, str]:
    """The text and sealed columns as the database holds them (no field decoding)."""
    table = TextMessage._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT text, sealed FROM {table} WHERE id = %s", [pk])
        return cur.fetchone()


class Capture:
    sent: list = []

    def send(self, phone, text):
        Capture.sent.append((phone, text))


def test_the_outbox_keeps_the_confirmation_link_redacted_and_sends_it_whole(staff, categories, settings):
    case = register(staff["clerk"], categories)
    raw = issue_confirmation(case, NOW)
    msg = TextMessage.objects.filter(case=case, text__contains="请确认").get()
    text, sealed = stored_columns(msg.pk)
    assert raw not in text and "/c/***" in text  # what anyone reading the table sees
    assert raw not in sealed and sealed.startswith("k1:")  # the working link only encrypted

    settings.ZHILI_SMS_BACKEND = f"{__name__}.Capture"
    Capture.sent = []
    assert notify.deliver(msg.pk) == "sent"
    link = notify.confirm_url(raw)
    assert link.startswith("http") and link.endswith(f"/c/{raw}")  # absolute: a phone opens it (#13 item 17)
    assert Capture.sent == [(PHONE, f"【诉求办理】您的诉求 {case.number} 已办结，请确认是否解决：{link}")]
    assert stored_columns(msg.pk)[1] == ""  # sent: the link is gone from the table


def test_the_text_log_masks_phones_and_redacts_links(staff, categories, settings, tmp_path):
    settings.HOME = tmp_path
    case = register(staff["clerk"], categories)
    raw = issue_confirmation(case, NOW)
    assert notify.send_queued() == 2  # the receipt and the confirmation link
    log = (tmp_path / "sms.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in log.splitlines()]
    assert PHONE not in log and raw not in log
    assert {line["phone"] for line in lines} == {"138****1234"}
    assert any("/c/***" in line["text"] for line in lines) and any(case.number in line["text"] for line in lines)


def test_the_migration_redacts_the_links_already_stored(staff, categories):
    case = register(staff["clerk"], categories)
    link = "【诉求办理】请确认是否解决：https://zhili.example.gov.cn/c/AbCdEfGh12345678_-xyzAbCdEfGh1234"
    waiting = TextMessage.objects.create(phone=PHONE, text=link, case=case)
    sent = TextMessage.objects.create(phone=PHONE, text=link, case=case, status="sent", attempts=1)
    migration = importlib.import_module("zhili.cases.migrations.0007_text_links_redacted")
    migration.redact_rows(apps, None)
    for msg in (waiting, sent):
        text, _sealed = stored_columns(msg.pk)
        assert "AbCdEfGh1234" not in text and text.endswith("/c/***")
    waiting.refresh_from_db()
    sent.refresh_from_db()
    assert waiting.sealed == link and sent.sealed == ""  # the waiting one can still be sent


@pytest.mark.parametrize("where", ["export"])
def test_a_phone_search_is_audited_by_mask_and_index_only(staff, categories, where):
    register(staff["clerk"], categories)
    c = Client()
    c.force_login(staff["clerk"])
    assert c.get("/cases/export.xlsx", {"phone": PHONE}).status_code == 200
    ev = AuditEvent.objects.filter(action="case.export").get()
    assert PHONE not in ev.details
    details = json.loads(ev.details)["filters"]
    assert details["phone_masked"] == "138****1234"
    assert details["phone_index"] == crypto.blind_index(PHONE, "phone")
