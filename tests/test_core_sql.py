"""The SQL mechanics every app's counters share (core.dialect, core.counters), on the database the
suite runs on (SQLite, and PostgreSQL when ZHILI_TEST_DATABASE_URL is set)."""

import datetime as dt

import pytest
from django.db import connection

from zhili.cases.models import COUNTERS, DailyStreetRollup, DueRollup, RecurringRollup, TextKey
from zhili.core import counters, rowsql
from zhili.core.dialect import Dialect

pytestmark = pytest.mark.django_db


def _one(sql: str, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


@pytest.mark.parametrize("utc, day, month", [
    ("2026-11-30 15:59:59", "2026-11-30", "2026-11-01"),  # 23:59:59 in China: still the 30th
    ("2026-11-30 16:00:00", "2026-12-01", "2026-12-01"),  # midnight in China: the 1st of December
    ("2026-12-31 16:30:00", "2027-01-01", "2027-01-01"),  # the new year comes 8 hours early
])
def test_the_china_day_and_month_of_a_timestamp(utc, day, month):
    d = Dialect(connection.vendor)
    at = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    # a timestamp as Django stores it in a column
    value = connection.ops.adapt_datetimefield_value(at)
    got_day = _one(f"SELECT {d.local_day('x.t')} FROM (SELECT %s AS t) x" if not d.pg
                   else f"SELECT {d.local_day('x.t')} FROM (SELECT CAST(%s AS timestamptz) AS t) x", [value])
    got_month = _one(f"SELECT {d.local_month('x.t')} FROM (SELECT %s AS t) x" if not d.pg
                     else f"SELECT {d.local_month('x.t')} FROM (SELECT CAST(%s AS timestamptz) AS t) x", [value])
    assert str(got_day) == day and str(got_month) == month


def test_a_dialect_is_only_for_the_two_databases():
    with pytest.raises(RuntimeError):
        Dialect("mysql")
    assert Dialect("postgresql").pg and not Dialect("sqlite").pg


def test_adding_to_counter_rows_creates_then_adds_and_leaves_other_counters_alone():
    """Every counter column is named (the untouched ones as a literal 0); only the changed ones are added to."""
    key = {"day": dt.date(2026, 11, 2), "street_code": "370705001", "category_id": 7, "channel": "window"}
    rowsql.run(*counters.add_sql(DailyStreetRollup, list(key), [(key, {"received": 1})], counters=COUNTERS))
    rowsql.run(*counters.add_sql(DailyStreetRollup, list(key), [(key, {"received": 2, "completed": 1})],
                                 counters=COUNTERS))
    rowsql.run(*counters.add_sql(DailyStreetRollup, list(key), [(key, {"completed": -1})], counters=COUNTERS))
    row = DailyStreetRollup.objects.get(**key)
    assert (row.received, row.completed, row.satisfied) == (3, 0, 0)
    assert DailyStreetRollup.objects.count() == 1


def test_several_rows_in_one_statement_with_a_column_outside_the_key():
    k = TextKey.objects.create(kind="address", digest=42, text="幸福小区3号楼", n=2, recurring=True)
    rows = [({"month": dt.date(2026, 11, 1), "street_code": "370705001", "kind": "address", "key_id": k.pk}, {"received": 2}),
            ({"month": "2026-12-01", "street_code": "370705001", "kind": "address", "key_id": k.pk}, {"received": 1})]
    rowsql.run(*counters.add_sql(RecurringRollup, ["month", "street_code", "key_id"], rows))
    rowsql.run(*counters.add_sql(RecurringRollup, ["month", "street_code", "key_id"], rows[:1]))
    got = dict(RecurringRollup.objects.values_list("month", "received"))
    assert got == {dt.date(2026, 11, 1): 4, dt.date(2026, 12, 1): 1}


def test_the_statement_text_depends_only_on_the_shape():
    a = counters.add_sql(DueRollup, ["street_code", "due_day"], [({"street_code": "370705001", "due_day": dt.date(2026, 11, 2)}, {"open": 1})])
    b = counters.add_sql(DueRollup, ["street_code", "due_day"], [({"street_code": "370705002", "due_day": dt.date(2026, 11, 9)}, {"open": -1})])
    assert a[0] == b[0] and a[1] != b[1]
    with pytest.raises(ValueError):
        counters.add_sql(DueRollup, ["street_code", "due_day"], [])


@pytest.mark.django_db(transaction=True)
def test_two_transactions_creating_the_same_row_both_count():
    """The upsert never reads a row to write it back: two connections adding to a row that does not
    exist yet both count (PostgreSQL; SQLite has one writer at a time and is serial anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's")
    import threading

    from django.db import connections, transaction

    key = {"street_code": "370705001", "due_day": dt.date(2026, 11, 2)}
    barrier = threading.Barrier(2)

    def add():
        try:
            with transaction.atomic():
                barrier.wait(5)
                rowsql.run(*counters.add_sql(DueRollup, list(key), [(key, {"open": 1})]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert DueRollup.objects.get(**key).open == 2
