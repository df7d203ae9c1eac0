"""Public pages for residents — no account, phone first, Chinese first.

* ``/`` (anonymous): the residents' door to the pages below, and the hall's contact.
* ``/report/``: file a request (channel online); the grid is found from the point on the map.
* ``/track/``: look up progress with the case number *and* the phone number.
* ``/c/<token>/``: confirm a result through the one-time link sent by text.

Anti-abuse: the forms are CSRF-protected (except the confirmation form, see ``confirm``), the
report form has a honeypot field, and filings per phone and per IP as well as failed lookups
per IP are counted in Django's cache (a database table, shared by every server process). Domain errors become messages next to their fields;
nothing a resident types can make these pages answer 500.

By job: ``common`` (what the pages share), ``limits`` (the limits and their counters; the views
read ``REPORT_LIMIT``, ``TRACK_FAIL_LIMIT`` and ``PHOTO_MAX_BYTES`` there), ``reporting``
(/report/), ``tracking`` (/track/), ``confirmation`` (/c/<token>/). The views below are the ones
``cases/public_urls.py`` routes to.
"""

from .common import hall_contact
from .confirmation import confirm, confirmed
from .landing import landing
from .reporting import filed, report
from .tracking import track

__all__ = [
    "confirm",
    "confirmed",
    "filed",
    "hall_contact",
    "landing",
    "report",
    "track",
]
