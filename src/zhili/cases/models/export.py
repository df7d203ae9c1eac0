"""An Excel export of the case list run as a background job (导出任务): whose it is, which filters,
its progress and its file, which expires."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaseExport(models.Model):
    QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"
    STATES = (
        (QUEUED, _("Queued")),
        (RUNNING, _("Writing")),
        (DONE, _("Ready")),
        (FAILED, _("Failed")),
        (EXPIRED, _("Expired")),
    )

    #: the id in the page's address: not guessable (and the owner is checked anyway)
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    #: the search page's query string (filters, or ?bucket= of the to-do list), run again by the job
    query = models.TextField(blank=True)
    state = models.CharField(max_length=8, choices=STATES, default=QUEUED)
    total = models.PositiveIntegerField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    #: the file's name inside the exports directory (ZHILI_HOME/exports), empty until written and once deleted
    file_name = models.CharField(max_length=80, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"])]
