"""Notifications: the staff inbox, and text messages to residents through a pluggable channel.

Texts are queued as ``TextMessage`` rows inside the action's transaction (an outbox): ``zhili
worker`` sends the queued ones every second, after the commit that made them, so a slow or broken
SMS gateway never blocks or undoes an action, and a rolled-back action sends nothing. Failed texts
are retried by the worker's minute sweep (up to ``MAX_ATTEMPTS``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import urllib.request
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from zhili.core import crypto, links
from zhili.core.models import User

from .models import Case, CaseEvent, Notification, TextMessage

log = logging.getLogger("zhili.sms")
MAX_ATTEMPTS = 5
HANDLER_ROLES = ("dept_handler", "dept_head", "street_staff", "community_staff")


def confirm_path(raw: str) -> str:
    """The confirmation page of a one-time token, on this site (``public:confirm``)."""
    return f"/c/{raw}"


def confirm_url(raw: str) -> str:
    """The link in a text message: always absolute — ZHILI_PUBLIC_URL, else the address the server
    is served at (``core.links``); a relative ``/c/…`` cannot be opened from a phone's messages."""
    return links.public_url() + confirm_path(raw)


#: the token of a confirmation link (``/c/<token>``), which opens a case to whoever holds it
LINK_TOKEN = re.compile(r"(/c/)[A-Za-z0-9_\-]{8,}")
REDACTED = "***"


def redact(text: str) -> str:
    """``text`` with every confirmation link's token replaced by ``***``: what is kept and logged."""
    return LINK_TOKEN.sub(lambda m: m.group(1) + REDACTED, text)


# ---------------------------------------------------------------- staff inbox

def _notify(users, kind: str, case: Case, text: str) -> None:
    Notification.objects.bulk_create([Notification(user=u, kind=kind, case=case, text=text[:300]) for u in users])


def _unit_staff(org_id, roles=HANDLER_ROLES):
    if not org_id:
        return User.objects.none()
    return User.objects.filter(organisation_id=org_id, role__in=roles, is_active=True)


def after_action(case: Case, action: str, ev: CaseEvent, result: dict) -> None:
    """Who hears about an action (inside the transaction: the inbox is part of the data)."""
    label = f"{case.number} {case.title[:40]}"
    if action in ("dispatch", "transfer"):
        _notify(_unit_staff(case.lead_unit_id), "todo", case, f"新的待签收案件：{label}")
        coop = case.units.values_list("unit_id", flat=True)
        _notify(User.objects.filter(organisation_id__in=list(coop), role__in=HANDLER_ROLES, is_active=True), "cooperate",
                case, f"请配合办理：{label}")
    elif action == "return" and case.dispatched_by_id:
        _notify(User.objects.filter(pk=case.dispatched_by_id), "returned", case, f"案件被退回：{label}（{ev.comment[:60]}）")
    elif action in ("supervise", "urge"):
        kind = "supervise" if action == "supervise" else "urge"
        word = {"yellow": "黄牌督办", "red": "红牌督办"}.get(case.card, "催办") if action == "supervise" else "催办"
        _notify(_unit_staff(case.lead_unit_id), kind, case, f"{word}：{label}（{ev.comment[:60]}）")
    elif action == "request_extension":
        heads = list(_unit_staff(case.lead_unit_id, ("dept_head",)))
        if not heads:
            heads = list(User.objects.filter(role="centre_admin", is_active=True, region__code__startswith=case.region_code[:6]))
        _notify(heads, "extension", case, f"延期申请待审批：{label}")
    elif action == "submit_result" and case.dispatched_by_id:
        _notify(User.objects.filter(pk=case.dispatched_by_id), "check", case, f"待核查：{label}")
    elif action in ("callback",) and case.state == "handling":
        _notify(_unit_staff(case.lead_unit_id), "rework", case, f"群众不满意，案件重办：{label}")
    elif action == "check_fail":
        _notify(_unit_staff(case.lead_unit_id), "rework", case, f"核查不通过，请返工：{label}")


#: the states whose deadline the lead unit works against (a returned case waits for the dispatcher,
#: a suspended one has its clock stopped)
REMINDED_STATES = ("dispatched", "handling")


def deadline_reminders(now=None) -> int:
    """Sweep (every 10 minutes): the lead unit's staff hear of each of its cases due within a day
    (``due_soon``, 即将超期) or overdue (``overdue``, 已超期) once per case, kind and day — the
    day in China's time, which the inbox shows. Every such case, however many there are: one query
    finds those not yet reminded today, one finds their units' staff. Returns the cases reminded."""
    now = now or timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    made = 0
    for kind, word, when in (
        ("due_soon", "即将超期", Q(due_at__gte=now, due_at__lt=now + dt.timedelta(days=1))),
        ("overdue", "已超期", Q(due_at__lt=now)),
    ):
        told = Notification.objects.filter(case_id=OuterRef("pk"), kind=kind, created_at__gte=day_start)
        rows = list(Case.objects.filter(when, state__in=REMINDED_STATES, lead_unit__isnull=False)
                    .filter(~Exists(told)).order_by("due_at", "id")
                    .values_list("id", "number", "title", "lead_unit_id"))
        if not rows:
            continue
        staff = defaultdict(list)
        for uid, org in (User.objects.filter(organisation_id__in={r[3] for r in rows}, role__in=HANDLER_ROLES,
                                             is_active=True).order_by("id").values_list("id", "organisation_id")):
            staff[org].append(uid)
        notes = [Notification(user_id=uid, kind=kind, case_id=pk, text=f"{word}：{number} {title[:40]}", created_at=now)
                 for pk, number, title, org in rows for uid in staff[org]]
        with transaction.atomic():
            Notification.objects.bulk_create(notes, batch_size=1000)
        made += sum(1 for r in rows if staff[r[3]])
    return made


# ---------------------------------------------------------------- texts to residents

def text_for(case: Case, resident, text: str) -> TextMessage | None:
    """The outbox row of a text to ``resident`` about ``case``, not yet saved (None without a phone)."""
    if resident is None or not resident.phone:
        return None
    text = text[:500]
    shown = redact(text)
    # a working link is kept only encrypted (``sealed``), and only until the text is sent
    return TextMessage(phone=resident.phone, text=shown, sealed=text if shown != text else "", case=case)


def text_resident(case: Case, resident, text: str) -> TextMessage | None:
    """Queue a text to a resident: a row in the outbox, written in the caller's transaction (so it
    exists exactly when the change does). ``zhili worker`` sends queued texts every second
    (:func:`send_queued`) and retries failed ones every minute (:func:`retry_failed`)."""
    msg = text_for(case, resident, text)
    if msg is not None:
        msg.save()
    return msg


class LogBackend:
    """Writes texts to ZHILI_HOME/sms.log (the default: no gateway needed), readable by its owner
    only, with the phone masked (138****1234) and links' tokens redacted: the log proves a text went
    out, it does not hand out residents' numbers or working links."""

    def send(self, phone: str, text: str) -> None:
        path = settings.HOME / "sms.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        line = {"at": timezone.now().isoformat(), "phone": crypto.mask_phone(phone), "text": redact(text)}
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


class HttpBackend:
    """POSTs ``{"phone", "text"}`` as JSON to ZHILI_SMS_URL with an optional bearer token."""

    def send(self, phone: str, text: str) -> None:
        req = urllib.request.Request(settings.ZHILI_SMS_URL, data=json.dumps({"phone": phone, "text": text}).encode(),
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {settings.ZHILI_SMS_TOKEN}"} if settings.ZHILI_SMS_TOKEN else {})})
        with urllib.request.urlopen(req, timeout=10) as resp:
            if resp.status >= 300:
                raise RuntimeError(f"gateway answered {resp.status}")


def backend():
    return import_string(settings.ZHILI_SMS_BACKEND)()


def deliver(pk: int) -> str:
    """Send one queued text; on failure count the attempt and keep it for the retry sweep."""
    with transaction.atomic():
        msg = TextMessage.objects.select_for_update().filter(pk=pk, status__in=("queued", "failed")).first()
        if msg is None:
            return "gone"
        if msg.attempts >= MAX_ATTEMPTS:
            return "gave-up"
        msg.attempts += 1
        try:
            backend().send(msg.phone, msg.sealed or msg.text)
        except Exception as exc:
            msg.status, msg.last_error = "failed", redact(str(exc))[:300]
            if msg.attempts >= MAX_ATTEMPTS:
                msg.sealed = ""  # given up: the working link goes
            msg.save(update_fields=["status", "attempts", "last_error", "sealed"])
            return "failed"
        msg.status, msg.sent_at, msg.last_error, msg.sealed = "sent", timezone.now(), "", ""
        msg.save(update_fields=["status", "attempts", "sent_at", "last_error", "sealed"])
        return "sent"


def send_queued(limit: int = 500) -> int:
    """Send the texts that were never tried, oldest first (the worker's sweep, every second)."""
    return _deliver_each(TextMessage.objects.filter(status="queued", attempts=0).order_by("id"), limit)


def retry_failed() -> int:
    return _deliver_each(TextMessage.objects.filter(status__in=("queued", "failed"), attempts__lt=MAX_ATTEMPTS), 1000)


def _deliver_each(texts, limit: int) -> int:
    """:func:`deliver` each of the first ``limit`` of ``texts``; how many were tried."""
    pks = list(texts.values_list("pk", flat=True)[:limit])
    for pk in pks:
        deliver(pk)
    return len(pks)
