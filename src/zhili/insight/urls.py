"""Statistics, warnings, analysis and the big screen (zhili.insight.views)."""

from django.urls import path, re_path

from . import views

app_name = "insight"

urlpatterns = [
    path("insight/", views.analysis, name="analysis"),
    re_path(r"^insight/hex/(?P<cell>[0-9a-f]{15})/$", views.hex_cases, name="hex"),
    path("insight/export.xlsx", views.export_xlsx, name="export"),
    path("insight/report.docx", views.report_docx, name="report"),
    path("insight/warnings/", views.warnings_list, name="warnings"),
    path("insight/warnings/<int:pk>/<str:action>/", views.warning_act, name="warning_act"),
    path("screen/", views.screen, name="screen"),
    path("screen/data.json", views.screen_json, name="screen_data"),
]
