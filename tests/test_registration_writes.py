"""The registration's own write path (cases/writes.py) outside any test transaction, as a request
runs it: the number drawn in a transaction of its own, the rows written in few statements, and
concurrent registrations (PostgreSQL) each whole, numbered once, counted once and audited once."""

import threading

import pytest
from django.db import connection, connections

from zhili.cases import rollups, services, writes
from zhili.cases.models import Case, CaseCounter, CaseEvent, CaseParty, TextMessage
from zhili.core import audit
from zhili.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def payload(categories, k: int) -> dict:
    return dict(channel="window", case_type="dispute", category=categories["neighbour"].code,
                title="楼上漏水引发邻里纠纷" if k % 2 else f"第{k}号楼噪音扰民",
                description="楼上住户卫生间漏水，多次协商未果，双方发生争吵。", address=f"奎文区东关街道{k % 3}号",
                lon=119.105, lat=36.705,
                parties=[{"name": "张秀英", "phone": "13805361234", "role": "applicant"},
                         {"name": f"对方{k}", "phone": f"1390536{k:04d}", "role": "respondent"}])


def whole(case: Case) -> None:
    """Everything a registration writes is there, once."""
    assert Case.objects.filter(number=case.number).count() == 1
    assert CaseParty.objects.filter(case=case).count() == 2
    assert CaseEvent.objects.filter(case=case, action="register").count() == 1
    assert TextMessage.objects.filter(case=case, text__contains=case.number).count() == 1
    assert AuditEvent.objects.filter(action="case.register", object_id=str(case.pk)).count() == 1


def test_numbers_are_drawn_outside_the_case_transaction_and_a_failure_after_the_draw_leaves_a_gap(
        staff, categories, monkeypatch):
    assert not connection.in_atomic_block  # as in a request
    a = services.register_case(staff["clerk"], **payload(categories, 1))
    b = services.register_case(staff["clerk"], **payload(categories, 2))
    prefix, seq_a = a.number.rsplit("-", 1)
    assert b.number == f"{prefix}-{int(seq_a) + 1:06d}"
    for c in (a, b):
        whole(c)

    # bad input is refused before a number is drawn: no gap
    with pytest.raises(services.Invalid):
        services.register_case(staff["clerk"], **{**payload(categories, 3), "parties": [{"name": "王", "phone": "12"}]})
    last = CaseCounter.objects.get(prefix=prefix[:-4], year=int(prefix[-4:])).last
    assert last == int(seq_a) + 1

    # a database failure after the draw: nothing of the case is left, its number is not given again
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    before = (Case.objects.count(), CaseParty.objects.count(), TextMessage.objects.count(), AuditEvent.objects.count())
    monkeypatch.setattr(writes, "_postgresql", broken)
    monkeypatch.setattr(writes, "_sequential", broken)
    with pytest.raises(RuntimeError):
        services.register_case(staff["clerk"], **payload(categories, 4))
    assert (Case.objects.count(), CaseParty.objects.count(), TextMessage.objects.count(), AuditEvent.objects.count()) == before
    monkeypatch.undo()
    c = services.register_case(staff["clerk"], **payload(categories, 5))
    assert c.number == f"{prefix}-{int(seq_a) + 3:06d}"  # one number unused, none twice
    whole(c)
    assert rollups.check() == []
    assert audit.verify().ok


def test_concurrent_registrations_are_each_whole_numbered_once_and_counted_once(staff, categories):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: concurrency is PostgreSQL's (set ZHILI_TEST_DATABASE_URL)")
    threads, per_thread = 6, 5
    made, errors = [], []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run(t: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                case = services.register_case(staff["clerk"], **payload(categories, t * per_thread + i))
                with lock:
                    made.append(case.number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert len(made) == len(set(made)) == threads * per_thread
    for case in Case.objects.filter(number__in=made):
        whole(case)
    assert rollups.check() == []  # every rollup row, text key and recurring row counted exactly once
    assert audit.verify().ok


def test_the_registration_statement_is_prepared_once_per_connection(staff, categories):
    """PostgreSQL parses and plans the registration's big statement once per connection and shape
    (core.rowsql.run), not at every registration."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")

    def prepared() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'WITH c AS (INSERT INTO \"cases_case\"%'")
            return cur.fetchone()[0]

    for k in range(3):
        services.register_case(staff["clerk"], **payload(categories, k))
    shapes = prepared()
    assert 1 <= shapes <= 2  # the first case of the reporter, and the repeats (their rollup rows count `repeat`)
    for k in range(3, 9):
        services.register_case(staff["clerk"], **payload(categories, k))
    assert prepared() == shapes


def test_a_database_error_in_a_hand_written_statement_is_djangos(staff, categories):
    """rowsql.run raises Django's exceptions on every database (callers catch IntegrityError)."""
    from django.db import IntegrityError, transaction

    from zhili.core import rowsql

    a = services.register_case(staff["clerk"], **payload(categories, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        rowsql.run(*rowsql.insert(Case, [Case(**{f.attname: getattr(a, f.attname) for f in Case._meta.concrete_fields
                                                 if not f.primary_key})]))
