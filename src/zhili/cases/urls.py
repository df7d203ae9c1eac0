"""Office pages of the case lifecycle (zhili.cases.views), under /cases/."""

from django.urls import path, re_path

from . import views

app_name = "cases"

NUMBER = r"(?P<number>[A-Za-z0-9]{1,10}-[0-9]{1,12})"

urlpatterns = [
    path("", views.todo, name="todo"),
    path("new/", views.intake, name="new"),
    path("new/history/", views.intake_history, name="history"),
    path("new/duplicates/", views.intake_duplicates, name="duplicates"),
    path("search/", views.search, name="search"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("exports/<uuid:key>/", views.export_job, name="export_job"),
    path("exports/<uuid:key>/progress/", views.export_progress, name="export_progress"),
    path("exports/<uuid:key>/download/", views.export_download, name="export_download"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    re_path(rf"^{NUMBER}/$", views.detail, name="detail"),
    re_path(rf"^{NUMBER}/receipt/$", views.receipt, name="receipt"),
    re_path(rf"^{NUMBER}/accept-dispatch/$", views.accept_dispatch, name="accept_dispatch"),
    re_path(rf"^{NUMBER}/act/(?P<action>[a-z_]{{1,30}})/$", views.act, name="act"),
    re_path(rf"^{NUMBER}/attach/$", views.attach, name="attach"),
    re_path(rf"^{NUMBER}/attachments/(?P<pk>[0-9]{{1,18}})/$", views.attachment, name="attachment"),
    re_path(rf"^{NUMBER}/agreement\.docx$", views.agreement_docx, name="agreement_docx"),
    re_path(rf"^{NUMBER}/agreement/$", views.agreement_print, name="agreement"),
]
