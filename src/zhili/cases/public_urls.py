"""Public pages for residents: file a request, look up progress, confirm a result (zhili.cases.public_views)."""

from django.urls import path, re_path

from . import public_views as views

app_name = "public"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/done/", views.filed, name="filed"),
    path("track/", views.track, name="track"),
    path("confirmed/", views.confirmed, name="confirmed"),
    # the link in the text message is /c/<token> (notify.confirm_url); /c/<token>/ works as well
    re_path(r"^c/(?P<token>[^/]{1,200})/?$", views.confirm, name="confirm"),
]
