"""The login lockout (django-axes): failures count per account *and address* (5 in 30 minutes lock
that pair), plus a per-address limit across accounts (``ZHILI_LOGIN_IP_FAILURE_LIMIT``) that stops
password spraying. Nobody can lock an account — an administrator's included — from another
address: the lock holds where the failures came from."""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class PairAndAddressHandler(AxesDatabaseHandler):
    """``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]`` counts the pair; this adds the
    address's failures over every username: at ``ZHILI_LOGIN_IP_FAILURE_LIMIT`` the address is locked."""

    def get_failures(self, request, credentials=None) -> int:
        pair = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return pair
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        spread = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        if spread >= settings.ZHILI_LOGIN_IP_FAILURE_LIMIT:
            return max(pair, get_failure_limit(request, credentials))
        return pair
