"""``/`` for a visitor who is not logged in: the residents' door. 我要反映 (file a request),
查询进度 (track one), the service hall to call or visit, and a quiet way in for staff.

Logged-in staff reach their home at ``/`` as before (``web.views.home`` hands anonymous visitors
to this page)."""

from __future__ import annotations

from django.shortcuts import render

from .common import hall_contact


def landing(request):
    return render(request, "public/landing.html", {"hall": hall_contact(address=True)})
