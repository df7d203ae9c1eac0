"""The case API: /api/v1/cases (register, list, read, act, timeline, duplicates, to-do counts) and
/api/v1/notifications (the staff inbox).

A thin adapter: parse and validate, call one service or selector, render. The workflow actions
are generated from :data:`zhili.cases.workflow.ACTIONS`: one operation per action
(``POST /cases/{number}/actions/dispatch`` with a ``DispatchIn`` body, …), so the OpenAPI
schema documents every action's fields, roles and source states without restating them.

Personal data (who sees what):

* lists (``GET /cases``, duplicates, action answers) carry only the reporter's **masked** name
  and phone (``张*英``, ``138****1234``);
* the single case (``GET /cases/{number}``) carries the parties' names; the **full** phone only
  for the roles that register and check cases (window clerk, centre admin, street and community
  staff), masked for everybody else;
* a **confidential** case (举报人保密) withholds the reporter and every reporter-role party (no
  name, no phone) from every other role — department handlers and heads above all — in lists,
  in the single case and in duplicate hints, and a phone search by such a role skips
  confidential cases, so a department cannot find out who reported it.

By job: ``routers`` (the two routers), ``schemas`` (input and output shapes, the action bodies),
``render`` (the documents, and who sees what), ``reads`` (list, duplicates, to-do counts, one case,
timeline), ``registration``, ``attachments``, ``actions`` (the workflow actions), ``dispatching`` (智能派单: suggestions, accept and dispatch in one step), ``field`` (a grid worker's
report from the phone, exactly once) and
``notifications`` (the inbox). Importing a module adds its operations to the router, so the
endpoint modules are imported below in the order their routes are tried: the list before
registration, ``/field-reports``, ``/duplicates`` and ``/todo`` before ``/{number}``.
"""

# isort: off
from .routers import notifications_router, router
from .render import INTAKE_ROLES
from . import field, reads, registration, attachments, actions, dispatching, notifications  # noqa: F401  (add their operations, in this order)

# isort: on

__all__ = ["INTAKE_ROLES", "notifications_router", "router"]
