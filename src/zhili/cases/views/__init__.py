"""Office pages of the case lifecycle (矛调助理): intake at the window, the to-do list, search and
Excel export, the case page with its workflow actions, attachments, the mediation agreement and
the staff inbox.

Thin adapters: parse the input (``forms``), call one service or selector, render. The buttons
and forms of the case page come from ``services.available_actions`` and the FieldSpecs of the
workflow table. Domain errors: ``NotFound`` → 404 (``web.views.domain_errors``), ``Forbidden``
→ the 403 page, ``Invalid`` → the form again with each message beside its field.

By job: ``common`` (what the pages share), ``intake_desk``, ``todo_list``, ``case_search``,
``export``, ``case_page`` (with ``dispatch_panel``: 受理并分派 in one step), ``notifications``. The views below are the ones ``cases/urls.py`` routes to.
"""

from .case_page import accept_dispatch, act, agreement_docx, agreement_print, attach, attachment, detail
from .case_search import search
from .export import export_download, export_job, export_progress, export_xlsx
from .intake_desk import intake, intake_duplicates, intake_history, receipt
from .notifications import inbox, inbox_read, inbox_read_all
from .todo_list import todo

__all__ = [
    "accept_dispatch",
    "act",
    "agreement_docx",
    "agreement_print",
    "attach",
    "attachment",
    "detail",
    "export_download",
    "export_job",
    "export_progress",
    "export_xlsx",
    "inbox",
    "inbox_read",
    "inbox_read_all",
    "intake",
    "intake_duplicates",
    "intake_history",
    "receipt",
    "search",
    "todo",
]
