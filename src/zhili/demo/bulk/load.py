"""The loader: :func:`bulk_load` fills the lookups, reserves the case numbers, cuts the rows into
pieces at whole days and months and runs the statements piece by piece (on PostgreSQL on two
connections side by side), with the secondary indexes dropped and made again around a large load."""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
import threading
import time

from django.db import connection, transaction
from django.utils import timezone

from zhili.cases.models import Case, CaseCounter, CaseEvent, CaseParty
from zhili.core.calendar import SHANGHAI
from zhili.core.dialect import Dialect
from zhili.core.models import Region, Resident, User

from . import lookups
from .lookups import DAYS, say
from .statements import (
    ROLLUP_TABLES,
    SHARED_UPSERTS,
    Hash,
    case_insert,
    create_contrib,
    rollup_sql,
    timeline_inserts,
)


def _epoch(t: dt.datetime) -> int:
    return int(t.timestamp())


# ---------------------------------------------------------------- secondary indexes

def secondary_indexes(cur, sql: Dialect, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that back no key or unique constraint."""
    if sql.pg:
        cur.execute("""SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                       WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique
                       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                       ORDER BY i.relname""", [table])
    else:
        cur.execute("""SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL
                       AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name""", [table])
    return list(cur.fetchall())


def _drop_indexes(cur, indexes: list[tuple[str, str]]) -> None:
    for name, _ in indexes:
        cur.execute(f'DROP INDEX IF EXISTS "{name}"')


def _create_indexes(cur, sql: Dialect, indexes: list[tuple[str, str]], stdout) -> None:
    """Create the indexes again: on PostgreSQL outside a transaction, two at a time on two connections."""

    def build(c, name: str, ddl: str) -> None:
        t = time.perf_counter()
        c.execute(ddl.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        say(stdout, f"  index {name} ({time.perf_counter() - t:.1f} s)")

    if not (sql.pg and not connection.in_atomic_block and len(indexes) > 1):
        for name, ddl in indexes:
            build(cur, name, ddl)
        return
    import queue
    import threading

    from django.db import connections

    todo: queue.Queue = queue.Queue()
    for item in indexes:
        todo.put(item)
    errors: list[BaseException] = []

    def worker() -> None:
        conn = connections[connection.alias]
        try:
            with conn.cursor() as c:
                c.execute("SET maintenance_work_mem = '1GB'")
                while not errors:
                    try:
                        name, ddl = todo.get_nowait()
                    except queue.Empty:
                        return
                    build(c, name, ddl)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, name=f"bulk-index-{i}") for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]


def _may_skip_triggers(cur, sql: Dialect) -> bool:
    """PostgreSQL: a superuser may load with triggers off (the foreign keys are right by construction)."""
    if not sql.pg:
        return False
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cur.fetchone()
    return bool(row and row[0])


# ---------------------------------------------------------------- the loader

ROLLUP_LOCK = 7_370_705  # an advisory lock: rollup upserts of parallel chunks one at a time (no deadlocks)


class _Load:
    """What every chunk needs: the lookups (to fill a connection's temp tables) and the constants."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def prepare(self, cur, sql: Dialect, with_residents: bool = True) -> None:
        """Create and fill this connection's temp tables."""
        lookups.create_temp_tables(cur, sql)
        create_contrib(cur, sql)
        lookups.fill(cur, sql, "bulk_tod", ("slot", "start", "width"), self.tod)
        lookups.fill(cur, sql, "bulk_grid", ("idx", "id", "code", "sidx", "street_office_id", "comm_office_id"), self.grids)
        lookups.fill(cur, sql, "bulk_pt", ("gidx", "j", "lon_u", "lat_u", "cell", "address", "address_key"), self.points)
        lookups.fill(cur, sql, "bulk_tpl", ("idx", "category_id", "category_path", "case_type", "channel", "tier", "urgency",
                                     "lead_kind", "dept_id", "title", "description", "search_text", "sign_v", "sign_u",
                                     "handle_v", "handle_u", "ext_max", "title_key"), self.templates)
        if with_residents:
            lookups.fill(cur, sql, "bulk_res", ("idx", "id", "phone_index"), self.res_rows)
        lookups.fill(cur, sql, "bulk_cal", ("day", "w", "cum"), self.cal)
        lookups.fill(cur, sql, "bulk_wd", ("ord", "day"), self.wd)

    def piece(self, cur, sql: Dialect, year: int, lo: int, hi: int, seq_base: int) -> dict:
        """Rows lo..hi in one transaction: cases, parties, timeline, rollups. Returns counts and seconds."""
        insert = case_insert(sql, self.h, lo=lo, hi=hi, n=self.n, start=self.start, end=self.E, n_grids=len(self.grids),
                             n_res=self.n_res, clerk_id=self.clerk, prefix=self.prefix, year=year, seq_base=seq_base,
                             days=self.days, open_ppm=self.open_ppm)
        made = hi - lo + 1
        took = {}
        with transaction.atomic(using=cur.db.alias):
            t = time.perf_counter()
            if sql.pg:
                cur.execute("SET LOCAL synchronous_commit = off")
                cur.execute("SET LOCAL work_mem = '256MB'")
                if self.no_triggers:
                    cur.execute("SET LOCAL session_replication_role = replica")
                # one statement: the cases, and from their RETURNING rows the parties, events and contributions
                timeline = timeline_inserts(sql, "ins", "1 = 1")
                fills, upserts = rollup_sql(sql, "1 = 1", source="ins")
                cur.execute(f"""WITH g(i) AS (SELECT generate_series({lo}::bigint, {hi}::bigint)),
                    ins AS ({insert} RETURNING *),
                    {", ".join(f"t{j} AS ({stmt})" for j, stmt in enumerate(timeline))},
                    {", ".join(f"f{j} AS ({stmt})" for j, stmt in enumerate(fills[1:]))}
                    {fills[0]}""")
                took["cases"] = time.perf_counter() - t
                cur.execute("SELECT COUNT(*), SUM(CASE WHEN state = 'registered' THEN 1 ELSE 0 END) FROM bulk_contrib "
                            "WHERE kind = 'r'")
                got, registered = cur.fetchone()
                if got != made:
                    raise RuntimeError(f"expected {made} new cases, found {got}")
                parties, events = made, 2 * made - (registered or 0)
                t = time.perf_counter()
            else:
                cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Case._meta.db_table}")
                before = cur.fetchone()[0]
                cur.execute(f"{sql.series(lo, hi)} {insert}")
                cur.execute(f"SELECT COUNT(*), COALESCE(MAX(id), 0) FROM {Case._meta.db_table} WHERE id > {before}")
                got, after = cur.fetchone()
                if got != made:
                    raise RuntimeError(f"expected {made} new cases, found {got}")
                took["cases"] = time.perf_counter() - t
                t = time.perf_counter()
                window = f"c.id > {before} AND c.id <= {after}"
                parties = events = 0
                for j, stmt in enumerate(timeline_inserts(sql, Case._meta.db_table, window)):
                    cur.execute(stmt)
                    if j == 0:
                        parties = cur.rowcount
                    else:
                        events += cur.rowcount
                took["timeline"] = time.perf_counter() - t
                t = time.perf_counter()
                fills, upserts = rollup_sql(sql, window)
                for fill in fills:
                    cur.execute(fill)
            for j, stmt in enumerate(upserts):
                if sql.pg and j == len(upserts) - SHARED_UPSERTS:
                    # pieces share rows (a case closes or falls due on another piece's days): upserts one piece at a time
                    cur.execute(f"SELECT pg_advisory_xact_lock({ROLLUP_LOCK})")
                cur.execute(stmt)
            cur.execute("DELETE FROM bulk_contrib")
            if sql.pg:  # inside an outer transaction (tests) SET LOCAL would outlive the chunk
                cur.execute("SET LOCAL synchronous_commit = DEFAULT")
                cur.execute("SET LOCAL work_mem = DEFAULT")
                if self.no_triggers:
                    cur.execute("SET LOCAL session_replication_role = DEFAULT")
            took["rollups"] = time.perf_counter() - t
        return {"cases": made, "parties": parties, "events": events, "took": took}


def _pieces(lo: int, hi: int, n: int, chunk: int, start_day: dt.date, first_row_of_day,
            days: int = DAYS) -> list[tuple[int, int]]:
    """Rows lo..hi cut into pieces of at most ``chunk`` rows at whole days, and at the start of every month:
    no two pieces share a day (their daily rollup rows never collide) and few share a month."""
    R = first_row_of_day
    out, start = [], lo
    k = (lo - 1) * days // n
    while True:
        day_end = min(R(k + 1) - 1, hi)  # the last row registered on day k
        month_starts = (start_day + dt.timedelta(days=k)).day == 1
        if R(k) > start and (day_end - start + 1 > chunk or month_starts):
            out.append((start, R(k) - 1))  # close the piece before day k
            start = R(k)
        while day_end - start + 1 > chunk:  # one day more than a chunk (n above 73M): cut inside it
            out.append((start, start + chunk - 1))
            start += chunk
        if day_end >= hi:
            break
        k += 1
    out.append((start, hi))
    return out


def _reserve_numbers(prefix: str, spans: list[tuple[int, int, int]]) -> dict[int, int]:
    """Move each year's counter on by the rows of that year; return the last number before them."""
    base = {}
    with transaction.atomic():
        for year, lo, hi in spans:
            counter, _ = CaseCounter.objects.get_or_create(prefix=prefix, year=year)
            counter = CaseCounter.objects.select_for_update().get(pk=counter.pk)
            base[year] = counter.last
            counter.last += hi - lo + 1
            counter.save(update_fields=["last"])
    return base


def bulk_load(n: int, seed: int = 1, end: dt.datetime | None = None, chunk: int = 200_000, *,
              residents: int | None = None, district_prefix: str | None = None, defer_indexes: bool | None = None,
              workers: int | None = None, days: int = DAYS, open_share: float = 0.0, stdout=sys.stdout) -> dict:
    """Load ``n`` synthetic cases created over the ``days`` (365) days before ``end`` (default: now), in
    their state at ``end``.

    ``open_share`` (0–1) of the cases are kept open at ``end``: they take the full path (accepted,
    dispatched to a unit …) but stop before one step — 2 % registered, 4 % accepted, 14 % dispatched,
    60 % handling, 8 % waiting for the check, 12 % for the callback (fewer when a case is too young to
    have got that far) — with the deadlines their registration and dispatch times give. With a
    short ``days`` (e.g. 30 days, ``open_share=1``) that is a backlog whose deadlines lie around ``end``:
    some long past, most in the coming weeks.

    Builds the demo district first if the database holds no regions. Prints progress to ``stdout``
    (None: quiet). Returns counts and timings.

    ``defer_indexes`` (default: when ``n`` is at least 100,000 and more than the cases already
    there) drops the secondary indexes of the case, event and party tables for the load and
    creates them again at the end (also after an error) — much faster than keeping them current
    row by row. On PostgreSQL a superuser loads with ``session_replication_role = replica``:
    no per-row foreign-key triggers (every id is joined from its table, so they hold).
    ``workers`` (PostgreSQL, outside a transaction; default 2) load chunks side by side on as many
    connections; the case numbers are reserved up front, so the result is the same.
    """
    from django.conf import settings

    from zhili.cases.services import case_prefix

    if n < 1:
        raise ValueError("n must be at least 1")
    if not 1 <= days <= DAYS * 10 or not 0.0 <= open_share <= 1.0:
        raise ValueError("days must be 1..3650 and open_share 0..1")
    sql = Dialect(connection.vendor)
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    if not Region.objects.exists():
        from ..district import build_demo

        say(stdout, "empty database: building the demo district first")
        t = time.perf_counter()
        build_demo(seed=2026, stdout=stdout)
        timings["demo_s"] = round(time.perf_counter() - t, 2)
    prefix = case_prefix()
    if not re.fullmatch(r"[A-Za-z0-9]{1,8}", prefix):
        raise RuntimeError(f"case prefix {prefix!r}: letters and digits only")
    end = (end or timezone.now()).replace(microsecond=0)
    end_day = end.astimezone(SHANGHAI).date()
    start_day = end_day - dt.timedelta(days=days)
    rng = random.Random(f"zhili-bulk/{seed}/lookups")
    district_prefix = district_prefix or getattr(settings, "ZHILI_DISTRICT_CODE", "370705")

    t = time.perf_counter()
    grids = lookups.grids(district_prefix)
    templates = lookups.templates(rng, max(g[3] for g in grids) + 1)
    points = lookups.points(rng, district_prefix)
    cal, wd = lookups.calendar(start_day - dt.timedelta(days=2), end_day + dt.timedelta(days=800))
    clerk = (User.objects.filter(username="clerk").values_list("id", flat=True).first()
             or User.objects.filter(role="window_clerk").order_by("id").values_list("id", flat=True).first())
    n_res = residents if residents is not None else max(1000, n // 10)
    load = _Load(n=n, h=Hash(seed), start=_epoch(dt.datetime.combine(start_day, dt.time(), SHANGHAI)), E=_epoch(end),
                 grids=grids, points=points, templates=templates, tod=lookups.time_of_day_slots(), cal=cal, wd=wd,
                 clerk=clerk, n_res=n_res, prefix=prefix, res_rows=[], no_triggers=False, days=days, open_ppm=round(open_share * 1_000_000))

    # which rows fall in which year (numbers restart each year)
    def first_row_of_day(k: int) -> int:  # rows i with (i - 1) * days // n >= k
        return -(-k * n // days) + 1

    spans = []  # (year, first i, last i)
    for year in range(start_day.year, end_day.year + 1):
        k0 = max((dt.date(year, 1, 1) - start_day).days, 0)
        k1 = min((dt.date(year + 1, 1, 1) - start_day).days, days)
        lo, hi = first_row_of_day(k0), min(first_row_of_day(k1) - 1, n)
        if lo <= hi:
            spans.append((year, lo, hi))
    parallel = sql.pg and not connection.in_atomic_block
    workers = max(1, workers if workers is not None else 2) if parallel else 1
    say(stdout, f"bulk load of {n:,} cases ({connection.vendor}, {workers} worker{'s' * (workers > 1)}): "
                 f"{len(grids)} grids, {len(templates)} templates, {n_res:,} residents")

    counts = {"cases": 0, "parties": 0, "events": 0}
    phase = {"cases": 0.0, "timeline": 0.0, "rollups": 0.0}
    deferred: list[tuple[str, str]] = []
    t_load = time.perf_counter()
    with connection.cursor() as cur:
        if defer_indexes is None:
            defer_indexes = n >= 100_000 and n > Case.objects.count()
        load.no_triggers = _may_skip_triggers(cur, sql)
        if defer_indexes:
            for model in (Case, CaseEvent, CaseParty):
                deferred += secondary_indexes(cur, sql, model._meta.db_table)
            say(stdout, f"  dropping {len(deferred)} secondary indexes for the load (created again at the end)")
            with transaction.atomic():
                _drop_indexes(cur, deferred)
        try:
            with transaction.atomic():
                load.prepare(cur, sql, with_residents=False)
                lookups.residents(cur, sql, rng, n_res, [g[2] for g in grids], end, stdout)
            if workers > 1:
                cur.execute("SELECT idx, id, phone_index FROM bulk_res ORDER BY idx")
                load.res_rows = list(cur.fetchall())
            base = _reserve_numbers(prefix, spans)
            timings["lookups_s"] = round(time.perf_counter() - t, 2)
            pieces = [(year, a, b, base[year] + a - lo) for year, lo, hi in spans
                      for a, b in _pieces(lo, hi, n, chunk, start_day, first_row_of_day, days)]
            lock = threading.Lock()

            def done(res: dict) -> None:
                with lock:
                    for k in counts:
                        counts[k] += res[k]
                    for k, v in res["took"].items():
                        phase[k] += v
                    elapsed = time.perf_counter() - t_load
                    say(stdout, f"  cases {counts['cases']:,}/{n:,}  ({counts['cases'] / elapsed:,.0f}/s overall, "
                                 f"{elapsed:.0f} s)")

            if workers == 1:
                for year, lo, hi, seq_base in pieces:
                    done(load.piece(cur, sql, year, lo, hi, seq_base))
            else:
                _run_parallel(load, sql, pieces, workers, done)
        finally:
            lookups.drop_temp_tables(cur)
            if deferred:
                t = time.perf_counter()
                say(stdout, f"  creating {len(deferred)} indexes again")
                _create_indexes(cur, sql, deferred, stdout)
                timings["indexes_s"] = round(time.perf_counter() - t, 2)
    timings["load_s"] = round(time.perf_counter() - t_load, 2)
    timings.update({f"{k}_s": round(v, 2) for k, v in phase.items()})
    # the recurring titles and addresses depend on all the cases of a key, not on each case alone:
    # recounted once, over every case (with the open cases by deadline day)
    from zhili.cases import rollups

    t = time.perf_counter()
    rollups.recount_in_sql()
    timings["recounts_s"] = round(time.perf_counter() - t, 2)
    if sql.pg:
        # statistics for the planner; outside a transaction also the visibility map (index-only scans),
        # as autovacuum would set it some time later
        t = time.perf_counter()
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cur:
            for model in (Case, CaseEvent, CaseParty, Resident, *ROLLUP_TABLES):
                cur.execute(f"{verb} {model._meta.db_table}")
        timings["vacuum_analyze_s" if verb != "ANALYZE" else "analyze_s"] = round(time.perf_counter() - t, 2)
    timings["total_s"] = round(time.perf_counter() - t_start, 2)
    out = {"vendor": connection.vendor, "cases": counts["cases"], "residents": n_res, "parties": counts["parties"],
           "events": counts["events"], "seed": seed, "end": end.isoformat(), "workers": workers, "days": days,
           "open_share": open_share,
           "years": {y: hi - lo + 1 for y, lo, hi in spans}, **timings,
           "cases_per_s": round(counts["cases"] / max(timings["total_s"], 1e-9))}
    say(stdout, f"bulk load done: {out['cases']:,} cases, {out['events']:,} events in {timings['total_s']:.1f} s "
                 f"({out['cases_per_s']:,} cases/s all in)")
    return out


def _run_parallel(load: _Load, sql: Dialect, pieces: list, workers: int, done) -> None:
    """Chunks on ``workers`` connections of their own (PostgreSQL), each with its own temp tables."""
    import queue

    from django.db import connections

    todo: queue.Queue = queue.Queue()
    for p in pieces:
        todo.put(p)
    errors: list[BaseException] = []

    def worker() -> None:
        conn = connections[connection.alias]
        try:
            with conn.cursor() as cur:
                load.prepare(cur, sql)
                while not errors:
                    try:
                        year, lo, hi, seq_base = todo.get_nowait()
                    except queue.Empty:
                        break
                    done(load.piece(cur, sql, year, lo, hi, seq_base))
                lookups.drop_temp_tables(cur)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, name=f"bulk-load-{i}") for i in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
