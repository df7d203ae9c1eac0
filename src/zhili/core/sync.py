"""Exactly once for what a phone queued offline (the grid worker's app at ``/m/``).

The app gives every item it queues an id of its own (a UUID made on the phone) and sends it with the
item; the network may drop the answer, the app may send the item again, twice at once, or after a
reload. :func:`once` runs the write and keeps the id with its answer **in the same transaction**
(:class:`zhili.core.models.ClientOp`, unique per account and id): a second sending finds the id and
gets the first answer back, and nothing is written again.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import IntegrityError, transaction

from .errors import Conflict, Invalid
from .models import ClientOp

CLIENT_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{7,35}$")


def check_client_id(client_id: str, field: str = "client_id") -> str:
    client_id = (client_id or "").strip()
    if not CLIENT_ID.match(client_id):
        raise Invalid(field, "客户端编号无效（应为 8–36 位字母、数字或连字符，如 UUID）",
                      "client_id must be 8–36 letters, digits or hyphens (a UUID)")
    return client_id


def seen(actor, client_id: str, kind: str) -> dict | None:
    """The answer already given to this account's item, or None."""
    op = ClientOp.objects.filter(user=actor, client_id=client_id).first()
    if op is None:
        return None
    if op.kind != kind:
        raise Conflict("该客户端编号已用于另一类操作", f"this client_id was used for a {op.kind}")
    return op.result


def once(actor, client_id: str, kind: str, write: Callable[[], dict]) -> tuple[dict, bool]:
    """(answer, created): run ``write`` (which returns the answer, JSON-able) unless this account's
    ``client_id`` was done before — then the stored answer and ``False``. The id is claimed first, in
    the write's transaction: two sendings at once queue on its unique key and the second, once the
    first commits, finds the answer."""
    client_id = check_client_id(client_id)
    done = seen(actor, client_id, kind)
    if done is not None:
        return done, False
    try:
        with transaction.atomic():
            op = ClientOp.objects.create(user=actor, client_id=client_id, kind=kind, result={},
                                         region_code=actor.region.code)
            result = write()
            op.result = result
            op.save(update_fields=["result"])
    except IntegrityError:
        done = seen(actor, client_id, kind)
        if done is None:  # not our key: a real integrity error of the write
            raise
        return done, False
    return result, True
