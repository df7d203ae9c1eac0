from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from zhili.api import api


def healthz(request):
    """Liveness for load balancers, and the bare-Django ceiling in bench/cases.py: no database query."""
    return JsonResponse({"ok": True})


urlpatterns = [
    path("healthz", healthz),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cases/", include("zhili.cases.urls")),
    path("", include("zhili.insight.urls")),
    path("", include("zhili.cases.public_urls")),
    path("", include("zhili.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
