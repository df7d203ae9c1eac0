"""Millions of synthetic cases straight into the database, for benchmarks: set-based SQL only.

``bulk_load(n)`` writes ``n`` cases, one party and a two-step timeline per case, the case
counters and the rollups, with set-based SQL per chunk — over ``generate_series`` on PostgreSQL
(one statement: the cases, and from their ``RETURNING`` rows the parties, events and rollup
contributions), over a recursive CTE on SQLite (one ``INSERT … SELECT`` per table). No Python
runs per case: Python only fills small lookup tables (grids, case templates, residents, time of
day, the working-day calendar) and the SQL picks from them with a hash of the row number.
Chunks are cut at whole days and month starts; on PostgreSQL two connections load them side by
side. Also ``zhili demo --bulk N``. Figures: docs/performance.md.

What a row gets, from its row number ``i`` (deterministic for a seed, an ``n`` and an ``end``):

- ``created_at``: the 365 (``days``) Shanghai days before ``end``'s day, in row order (numbers rise with time),
  the time of day following the demo's hourly weights (07:00–22:00);
- a grid of the district (its point one of 256 places inside the grid, each with its h3 cell), and one of 512 templates of the grid's
  street — category (street-specific mix), type, channel, tier, urgency, title, description,
  jieba tokens, lead unit (department, street office or community office), deadline policy —
  drawn with the demo generator's weights (:mod:`zhili.cases.demo`);
- a reporter from a pool of residents created here with real encrypted phones and blind
  indexes (``n // 10``, at least 1,000), 30 % of the cases from a few frequent filers;
- a life: 1 % rejected, 0.5 % merged, 45 % of the simple cases resolved on the spot, the rest
  accepted → dispatched → signed → result → checked → called back → closed, 70 % of those closed
  more than 60 days before ``end`` archived; about 1.5 % get stuck (never signed, never
  resolved, never checked, never called back), so among old cases about 97 % are closed or
  archived. Every step takes a hashed time; the state is the last step reached by ``end``, so
  recent cases are open in every state with deadlines around ``end`` and the to-do and overdue
  buckets are filled. Deadlines follow the matching :class:`DeadlinePolicy` exactly for hours,
  days and working days (the calendar of :mod:`zhili.core.calendar`); a calendar month is taken
  as 30 days. ``open_share`` keeps that share of the cases open at ``end`` (a backlog, for the
  warning sweep's benchmark). 6 % of the results come late; 4 % returned once, 5 % extended, 3 % reworked
  (counts only, no extra timeline steps); ``is_repeat`` is a 6 % flag, not the 30-day rule.

Rollups are added with one ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` per rollup
table and chunk, and equal what :func:`zhili.cases.rollups.contribution` gives case by case —
``handling_seconds`` included: working time is computed exactly in SQL from a calendar table
filled from :func:`zhili.core.calendar.is_workday` (cumulative working days per Shanghai day),
so ``rollups.check()`` reports nothing. :func:`rebuild_rollups` recomputes every rollup row the
same way (for tables too large for :func:`zhili.cases.rollups.rebuild`).

Case numbers continue the :class:`CaseCounter` of each year (7 digits past 999,999 — 14
characters with the prefix ``KW``, the field holds 20): the numbers of the whole load are
reserved up front, so registrations running at the same time take the ones after them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import re
import sys
import threading
import time
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from zhili.cases import deadlines, keys
from zhili.cases.models import Case, CaseCounter, CaseEvent, CaseParty, DeadlinePolicy
from zhili.cases.rollups import (
    COUNTERS,
    DailyStreetRollup,
    DailyUnitRollup,
    MonthlyCellRollup,
    MonthlyGridRollup,
    MonthlyStreetRollup,
    RegionRollup,
)
from zhili.core import crypto
from zhili.core.calendar import SHANGHAI, is_workday
from zhili.core.dialect import US, Dialect
from zhili.core.models import CodeItem, Organisation, Region, Resident, User

DAYS = 365
TEMPLATES_PER_STREET = 512
#: places per grid a case's point is drawn from (each with its h3 cell, computed in Python)
POINTS_PER_GRID = 256
#: buildings per grid: each place has one of them as its address (16 places a building)
BUILDINGS_PER_GRID = 16
DAY_S = 86400
OFFSET_S = 8 * 3600  # Asia/Shanghai: UTC+8 all year since 1991
DONE = ("closed", "archived")
TEMP_TABLES = ("bulk_tod", "bulk_grid", "bulk_pt", "bulk_tpl", "bulk_res", "bulk_cal", "bulk_wd", "bulk_contrib")

# hash: x1 = (i·a + b) mod p1; x2 = (x1² + c) mod p2; h = (x2·e + d) mod p3 — every product stays < 2^63
P1, P2, P3 = 2_147_483_647, 4_294_967_291, 2_147_483_629


def _say(stdout, msg: str) -> None:
    if stdout is not None:
        stdout.write(msg + "\n")
        stdout.flush()


class _Hash:
    """Per-name pseudo-random integers in [0, P3) from the row number, as SQL expressions."""

    def __init__(self, seed: int, var: str = "g.i"):
        self.seed, self.var = seed, var

    def __call__(self, name: str) -> str:
        r = random.Random(f"zhili-bulk/{self.seed}/{name}")
        a, b, c = r.randrange(10**8, P1 - 1), r.randrange(P1), r.randrange(P2)
        e, d = r.randrange(10**8, 2 * 10**9), r.randrange(P3)
        x1 = f"(({self.var} * {a} + {b}) % {P1})"
        return f"((((({x1} * {x1}) + {c}) % {P2}) * {e} + {d}) % {P3})"


def _epoch(t: dt.datetime) -> int:
    return int(t.timestamp())


def _day_number(d: dt.date) -> int:
    return d.toordinal() - dt.date(1970, 1, 1).toordinal()


# ---------------------------------------------------------------- lookup tables

def _create_temp_tables(cur, sql: Dialect) -> None:
    _drop_temp_tables(cur)
    txt = "text"
    cur.execute("CREATE TEMP TABLE bulk_tod (slot integer PRIMARY KEY, start integer NOT NULL, width integer NOT NULL)")
    cur.execute("CREATE TEMP TABLE bulk_grid (idx integer PRIMARY KEY, id bigint NOT NULL, code varchar(15) NOT NULL, "
                "sidx integer NOT NULL, street_office_id bigint, comm_office_id bigint)")
    cur.execute(f"CREATE TEMP TABLE bulk_pt (gidx integer NOT NULL, j integer NOT NULL, lon_u bigint NOT NULL, "
                f"lat_u bigint NOT NULL, cell {txt} NOT NULL, address {txt} NOT NULL, address_key bigint, "
                "PRIMARY KEY (gidx, j))")
    cur.execute("CREATE TEMP TABLE bulk_tpl (idx integer PRIMARY KEY, category_id bigint NOT NULL, "
                f"category_path {txt} NOT NULL, case_type {txt} NOT NULL, channel {txt} NOT NULL, tier {txt} NOT NULL, "
                f"urgency {txt} NOT NULL, lead_kind integer NOT NULL, dept_id bigint NOT NULL, title {txt} NOT NULL, "
                f"description {txt} NOT NULL, search_text {txt} NOT NULL, sign_v integer NOT NULL, sign_u {txt} NOT NULL, "
                f"handle_v integer NOT NULL, handle_u {txt} NOT NULL, ext_max integer NOT NULL, title_key bigint)")
    cur.execute(f"CREATE TEMP TABLE bulk_res (idx integer PRIMARY KEY, id bigint, phone_index {txt} NOT NULL)")
    cur.execute("CREATE TEMP TABLE bulk_cal (day integer PRIMARY KEY, w integer NOT NULL, cum integer NOT NULL)")
    cur.execute("CREATE TEMP TABLE bulk_wd (ord integer PRIMARY KEY, day integer NOT NULL)")


def _drop_temp_tables(cur) -> None:
    for t in TEMP_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {t}")


def _fill(cur, sql: Dialect, table: str, cols: tuple[str, ...], rows: list[tuple], analyze: bool = True) -> None:
    if not rows:
        return
    if sql.pg:
        with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if analyze:
            cur.execute(f"ANALYZE {table}")
    else:
        marks = ", ".join("?" for _ in cols)
        cur.cursor.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)


def _time_of_day_slots() -> list[tuple[int, int, int]]:
    """1,000 slots of the inverse distribution of registration times (the demo's hourly weights)."""
    weights = [2, 8, 12, 12, 10, 6, 8, 10, 10, 9, 6, 3, 2, 1, 1]  # hours 7..21, as demo._working_hour
    total = sum(weights)
    cum, acc = [], 0.0
    for w in weights:
        acc += w / total
        cum.append(acc)

    def at(q: float) -> int:  # local second of the day at quantile q
        h = min(bisect.bisect_right(cum, q), len(weights) - 1)
        below = cum[h - 1] if h else 0.0
        frac = (q - below) / (cum[h] - below)
        return int((7 + h) * 3600 + min(frac, 1.0) * 3600)

    return [(j, at(j / 1000), max(at((j + 1) / 1000) - at(j / 1000), 0)) for j in range(1000)]


def _grids(district_prefix: str) -> list[tuple]:
    grids = list(Region.objects.filter(level="grid", code__startswith=district_prefix, geometry__isnull=False)
                 .order_by("code").values_list("code", "id"))
    if not grids:
        raise RuntimeError(f"no grids under {district_prefix}: build the demo district first")
    streets = sorted({c[:9] for c, _ in grids})
    street_office = {}
    for o in Organisation.objects.filter(org_type="street_office").order_by("id"):
        street_office.setdefault((o.region_code or "")[:9], o.pk)
    comm_office = {}
    for o in Organisation.objects.filter(org_type="community_office").order_by("id"):
        comm_office.setdefault((o.region_code or "")[:12], o.pk)
    rows = []
    for idx, (code, pk) in enumerate(grids):  # the places inside each grid: _points, in the same order
        rows.append((idx, pk, code, streets.index(code[:9]), street_office.get(code[:9]), comm_office.get(code[:12])))
    return rows


def _points(rng: random.Random, district_prefix: str) -> list[tuple]:
    """POINTS_PER_GRID places inside each grid (in _grids' order), with their h3 cells and addresses —
    BUILDINGS_PER_GRID buildings a grid, so addresses recur as in a real district:
    (grid idx, j, lon µ°, lat µ°, cell, address, address key). A case takes one of its grid's places
    by its hash; h3 and the text keys have no SQL."""
    from shapely.geometry import Point, shape

    out = []
    geoms = Region.objects.filter(level="grid", code__startswith=district_prefix, geometry__isnull=False
                                  ).order_by("code").values_list("code", "geometry")
    for idx, (code, geom) in enumerate(geoms):
        addresses = [f"网格{code}·{k + 1}号楼" for k in range(BUILDINGS_PER_GRID)]
        address_keys = [keys.text_key(a) for a in addresses]
        poly = shape(geom)
        x0, y0, x1, y1 = poly.bounds
        j = tries = 0
        while j < POINTS_PER_GRID:
            tries += 1
            lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if tries > POINTS_PER_GRID * 50:  # a sliver: its centre will do
                lon, lat = poly.representative_point().x, poly.representative_point().y
            elif not poly.contains(Point(lon, lat)):
                continue
            lon_u, lat_u = round(lon * 1e6), round(lat * 1e6)
            b = j % BUILDINGS_PER_GRID
            out.append((idx, j, lon_u, lat_u, keys.cell_of(lon_u / 1e6, lat_u / 1e6), addresses[b], address_keys[b]))
            j += 1
    return out


def _templates(rng: random.Random, n_streets: int) -> list[tuple]:
    """Case templates per street: category, type, channel, tier, urgency, texts, lead unit, deadlines."""
    from zhili.cases.services import tokens

    from ..cases import CHANNELS, DETAILS, LEAD_BY_ROOT, ROOT_WEIGHTS, SUBJECTS, TYPES_BY_ROOT, pick

    cats = list(CodeItem.objects.filter(type="case_category", active=True).values_list("id", "code", "parent_id"))
    if not cats:
        raise RuntimeError("no case categories: migrate first (it seeds the code tables)")
    by_id = {pk: (code, parent) for pk, code, parent in cats}
    has_children = {parent for _, _, parent in cats if parent}
    leaves: dict[str, list[int]] = defaultdict(list)
    path = {}
    for pk in sorted(by_id):
        chain, node = [], pk
        while node and node in by_id:
            chain.append(by_id[node][0])
            node = by_id[node][1]
        path[pk] = "/".join(reversed(chain))
        if pk not in has_children:
            leaves[chain[-1]].append(pk)
    depts = {o.code: o.pk for o in Organisation.objects.filter(org_type="department").order_by("id")}
    any_org = Organisation.objects.filter(org_type="department").order_by("id").values_list("id", flat=True).first() \
        or Organisation.objects.order_by("id").values_list("id", flat=True).first()
    if any_org is None:
        raise RuntimeError("no organisations: build the demo district first")
    policies = list(DeadlinePolicy.objects.filter(active=True).select_related("category"))
    token_cache: dict[str, str] = {}
    roots = [r for r in ROOT_WEIGHTS if leaves.get(r)] or sorted(leaves)
    rows = []
    for s in range(n_streets):
        mix = [(r, ROOT_WEIGHTS.get(r, 5) * rng.uniform(0.6, 1.6)) for r in roots]
        for k in range(TEMPLATES_PER_STREET):
            root = pick(rng, mix)
            cat = rng.choice(leaves[root])
            case_type = pick(rng, TYPES_BY_ROOT.get(root, TYPES_BY_ROOT["other"]))
            channel = "petition" if case_type == "petition" else pick(rng, CHANNELS)
            if channel == "petition" and case_type != "petition":
                channel = "window"
            tier = pick(rng, [("simple", 68), ("complex", 27), ("major", 5)] if root in ("dispute", "labour")
                         else [("simple", 78), ("complex", 21), ("major", 1)])
            urgency = pick(rng, [("normal", 88), ("urgent", 9), ("emergency", 3)])
            lead = rng.choice(LEAD_BY_ROOT.get(root, ["street"]))
            lead_kind = {"street": 1, "community": 2}.get(lead, 0)
            dept = depts.get(lead) or rng.choice(list(depts.values()) or [any_org])
            subject = rng.choice(SUBJECTS.get(root, SUBJECTS["other"]))
            d1, d2 = rng.sample(DETAILS, 2)
            desc = f"{subject}，{d1}，{d2}。"
            text = f"{subject} {desc}"
            if text not in token_cache:
                token_cache[text] = " ".join(tokens(text))
            p = deadlines.match_policy(policies, case_type=case_type, tier=tier, urgency=urgency,
                                       ancestors=path[cat].split("/"))
            sign_v, sign_u, handle_v, handle_u, ext = (p.sign_value, p.sign_unit, p.handle_value, p.handle_unit,
                                                       p.extension_max_value) if p else (1, "wd", 15, "wd", 15)
            if sign_u == "wd":
                sign_v = max(sign_v, 1)
            if handle_u == "wd":
                handle_v = max(handle_v, 1)
            rows.append((s * TEMPLATES_PER_STREET + k, cat, path[cat], case_type, channel, tier, urgency, lead_kind, dept,
                         subject, desc, token_cache[text], sign_v, sign_u, handle_v, handle_u, ext, keys.text_key(subject)))
    return rows


PHONE_HEADS = ["138", "139", "135", "136", "150", "151", "158", "186", "187", "133", "132", "155", "177", "188"]


def _residents(cur, sql: Dialect, rng: random.Random, count: int, grid_codes: list[str], end: dt.datetime, stdout) -> int:
    """Create ``count`` residents (encrypted phone, blind index) and list them in bulk_res (idx, id, phone_index)."""
    from ..cases import GIVEN, SURNAMES

    taken = set(Resident.objects.exclude(phone_index="").values_list("phone_index", flat=True))
    res_t = Resident._meta.db_table
    cols = ("name", "phone", "phone_index", "id_number", "id_index", "region_code", "address", "created_at")
    created = end if sql.pg else end.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    batch, made = 50_000, 0
    t0 = time.perf_counter()
    while made < count:
        rows, index_rows = [], []
        while len(rows) < min(batch, count - made):
            phone = rng.choice(PHONE_HEADS) + f"{rng.randrange(10**8):08d}"
            idx = crypto.blind_index(phone, "phone")
            if idx in taken:
                continue
            taken.add(idx)
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            rows.append((name, crypto.encrypt(phone), idx, "", "", rng.choice(grid_codes), "", created))
            index_rows.append((made + len(index_rows), idx))
        _fill(cur, sql, res_t, cols, rows, analyze=False)
        _fill(cur, sql, "bulk_res", ("idx", "phone_index"), index_rows, analyze=False)
        made += len(rows)
        if count >= 100_000:
            _say(stdout, f"  residents {made:,}/{count:,} ({time.perf_counter() - t0:.0f} s)")
    if sql.pg:
        cur.execute(f"UPDATE bulk_res SET id = r.id FROM {res_t} r WHERE r.phone_index = bulk_res.phone_index")
        cur.execute("ANALYZE bulk_res")
    else:
        cur.execute(f"UPDATE bulk_res SET id = (SELECT MIN(r.id) FROM {res_t} r WHERE r.phone_index = bulk_res.phone_index)")
    cur.execute("SELECT COUNT(*) FROM bulk_res WHERE id IS NOT NULL")
    if cur.fetchone()[0] != count:
        raise RuntimeError("residents: not every new resident was found again by its phone index")
    return count


def _calendar(first: dt.date, last: dt.date) -> tuple[list[tuple], list[tuple]]:
    """(day, workday?, working days before it) for every day, and (ordinal, day) of the working days."""
    cal, wd, cum, d = [], [], 0, first
    while d <= last:
        w = 1 if is_workday(d) else 0
        cal.append((_day_number(d), w, cum))
        if w:
            wd.append((cum, _day_number(d)))
        cum += w
        d += dt.timedelta(days=1)
    return cal, wd


# ---------------------------------------------------------------- the case statement

#: where the kept-open cases (``open_share``) stop, by per cent: registered, accepted, dispatched, handling,
#: feedback (waiting for the check), callback — and the step time each waits for
OPEN_STOPS = ((2, "s.t1"), (6, "s.d"), (20, "s.sg"), (80, "s.rs"), (88, "s.ck"), (100, "s.cl"))


def _case_insert(sql: Dialect, h: _Hash, *, lo: int, hi: int, n: int, start: int, end: int, n_grids: int,
                 n_res: int, clerk_id: int | None, prefix: str, year: int, seq_base: int, days: int = DAYS,
                 open_ppm: int = 0) -> str:
    """INSERT … SELECT of rows lo..hi (1-based within the load, all registered in ``year``) from the series ``g``.

    ``open_ppm`` (per million) of the rows are kept open: they follow the full path (accept, dispatch …)
    but stop before one step (``OPEN_STOPS``), so at ``end`` they are in an open state with the deadlines
    their registration time gives; each such row has its own end ``e`` (just before the step it waits
    for), and every "by the end" test of the row uses it. With 0 the statement is the plain one."""
    K = TEMPLATES_PER_STREET
    E = end
    F = sql.fence
    R = "s.e" if open_ppm else str(E)  # the row's own end (layers after l8)
    X = "x.e" if open_ppm else str(E)
    pos = f"((((g.i - 1) * {days}) % {n}) * 1000000 / {n})"
    op_cols = (f"CASE WHEN {h('open')} % 1000000 < {open_ppm} THEN 1 ELSE 0 END AS kopen, {h('stop')} % 100 AS kstop,"
               if open_ppm else "")
    l1 = f"""SELECT g.i AS i, {op_cols}
        {start} + (((g.i - 1) * {days}) / {n}) * {DAY_S} + td.start + ({pos} % 1000) * td.width / 1000 AS c,
        {h('grid')} % {n_grids} AS gidx, {h('template')} % {K} AS k, {h('fate')} % 10000 AS fate,
        {h('who')} AS rw, {h('reporter')} AS rr, {h('reporter2')} AS rr2, {h('place')} AS rp,
        {h('step1')} AS r1, {h('step2')} AS r2, {h('step3')} AS r3, {h('took')} AS r4, {h('took2')} AS r5,
        {h('check')} AS r6, {h('close')} AS r7, {h('counts')} AS r8, {h('satisfaction')} AS r9
      FROM g JOIN bulk_tod td ON td.slot = {pos} / 1000 {F}"""
    reporter = f"(CASE WHEN s.rw % 10 < 3 THEN ((s.rr % {n_res}) * (s.rr2 % {n_res})) / {n_res} ELSE s.rr % {n_res} END)"
    l2 = f"""SELECT s.*, gr.id AS grid_id, gr.code AS gcode,
        pt.lon_u, pt.lat_u, pt.cell, pt.address AS paddr, pt.address_key, t.title_key,
        t.category_id, t.category_path, t.case_type, t.channel, t.tier, t.urgency, t.title, t.description, t.search_text,
        t.sign_v, t.sign_u, t.handle_v, t.handle_u, t.ext_max,
        COALESCE(CASE t.lead_kind WHEN 1 THEN gr.street_office_id WHEN 2 THEN gr.comm_office_id END, t.dept_id) AS lead,
        rs.id AS reporter_id, rs.phone_index AS phone_index,
        CASE {"WHEN s.kopen = 1 THEN 4" if open_ppm else ""} WHEN s.fate < 100 THEN 1 WHEN s.fate < 150 THEN 2
             WHEN t.tier = 'simple' AND (s.r1 / 10000) % 100 < 45 THEN 3 ELSE 4 END AS p
      FROM ({l1}) s
      JOIN bulk_grid gr ON gr.idx = s.gidx
      JOIN bulk_pt pt ON pt.gidx = s.gidx AND pt.j = s.rp % {POINTS_PER_GRID}
      JOIN bulk_tpl t ON t.idx = gr.sidx * {K} + s.k
      JOIN bulk_res rs ON rs.idx = {reporter} {F}"""
    # t1: the first step (reject, merge, on-the-spot result, or accept); d: dispatch. 3 % wait 1–5 days for each.
    accept = f"(CASE WHEN (s.r2 / 10000) % 100 < 3 THEN {DAY_S} + s.r1 % (4 * {DAY_S}) ELSE 720 + s.r1 % 20880 END)"
    dispatch = f"(CASE WHEN (s.r2 / 1000000) % 100 < 3 THEN {DAY_S} + s.r2 % (4 * {DAY_S}) ELSE 360 + s.r2 % 17640 END)"
    l3 = f"""SELECT s.*,
        s.c + CASE s.p WHEN 1 THEN 720 + s.r1 % 13680 WHEN 2 THEN 1800 + s.r1 % 27000
                       WHEN 3 THEN 600 + s.r1 % 4800 ELSE {accept} END AS t1,
        CASE WHEN s.p = 4 THEN s.c + {accept} + {dispatch} END AS d
      FROM ({l2}) s {F}"""

    def due(v: str, u: str, w: str) -> str:  # deadlines.add(d, v, u); w: the working day it falls on
        wd = (f"(CASE WHEN c1.w = 1 AND (s.d + {OFFSET_S}) % {DAY_S} > 0 "
              f"THEN {w}.day * {DAY_S} + (s.d + {OFFSET_S}) % {DAY_S} ELSE ({w}.day + 1) * {DAY_S} END - {OFFSET_S})")
        return (f"(CASE {u} WHEN 'mi' THEN s.d + {v} * 60 WHEN 'h' THEN s.d + {v} * 3600 WHEN 'd' THEN s.d + {v} * {DAY_S} "
                f"WHEN 'm' THEN s.d + {v} * 30 * {DAY_S} ELSE {wd} END)")

    def wd_join(alias: str, v: str) -> str:
        return (f"LEFT JOIN bulk_wd {alias} ON {alias}.ord = c1.cum + {v} - "
                f"(CASE WHEN c1.w = 1 AND (s.d + {OFFSET_S}) % {DAY_S} > 0 THEN 0 ELSE 1 END)")

    l4 = f"""SELECT s.*, {due('s.sign_v', 's.sign_u', 'ws')} AS sdue, {due('s.handle_v', 's.handle_u', 'wh')} AS due0
      FROM ({l3}) s
      LEFT JOIN bulk_cal c1 ON c1.day = (s.d + {OFFSET_S}) / {DAY_S}
      {wd_join('ws', 's.sign_v')}
      {wd_join('wh', 's.handle_v')} {F}"""
    # sg: signed (never for 0.2 %: stuck at dispatched); tk: how long the handling takes
    l5 = f"""SELECT s.*,
        CASE WHEN s.p = 4 AND NOT (s.fate >= 280 AND s.fate < 300) THEN s.d + 1080 + s.r3 % 70920 END AS sg,
        CASE WHEN s.r4 % 100 < 6 THEN (s.due0 - s.d) * (1050 + s.r5 % 750) / 1000
             ELSE (s.due0 - s.d) * (s.r5 % 1000 + (s.r5 / 1000) % 1000) / 2500 END AS tk
      FROM ({l4}) s {F}"""
    # rs: result submitted (never for 0.4 %: stuck handling)
    l6 = f"""SELECT s.*,
        CASE WHEN s.p = 3 THEN s.t1
             WHEN s.p = 4 AND NOT (s.fate >= 240 AND s.fate < 280) THEN {sql.greatest('s.d + s.tk', 's.sg + 14400')} END AS rs
      FROM ({l5}) s {F}"""
    # ck: checked, now to call back (never for 0.2 %: stuck at feedback)
    l7 = f"""SELECT s.*,
        CASE WHEN s.p = 3 THEN s.t1 WHEN s.p = 4 AND NOT (s.fate >= 300 AND s.fate < 320) THEN s.rs + 3600 + s.r6 % 104400 END AS ck
      FROM ({l6}) s {F}"""
    # cl: closed (rejected and merged: at t1; never for 0.9 %: no callback got through)
    l8 = f"""SELECT s.*,
        CASE WHEN s.p IN (1, 2) THEN s.t1 WHEN NOT (s.fate >= 150 AND s.fate < 240) THEN s.ck + 7200 + s.r7 % 165600 END AS cl
      FROM ({l7}) s {F}"""
    if open_ppm:  # e: the end of a kept-open row is just before the step it waits for (if that comes before end)
        nxt = "CASE " + " ".join(f"WHEN s.kstop < {p} THEN {t}" for p, t in OPEN_STOPS[:-1]) + f" ELSE {OPEN_STOPS[-1][1]} END"
        l8 = f"""SELECT s.*, CASE WHEN s.kopen = 1 AND ({nxt}) IS NOT NULL AND ({nxt}) - 1 < {E} THEN ({nxt}) - 1
                                  ELSE {E} END AS e
          FROM ({l8}) s {F}"""
    l9 = f"""SELECT s.*,
        CASE WHEN s.p IN (3, 4) AND {E} - s.cl > 60 * {DAY_S} AND (s.r7 / 1000000) % 10 < 7
             THEN s.cl + {DAY_S} + s.r9 % 777600 END AS ar,
        CASE WHEN s.p = 4 AND s.sg <= {R} AND (s.r8 / 100) % 100 < 5 AND s.ext_max > 0
             THEN (CASE WHEN s.ext_max < 5 THEN s.ext_max ELSE 5 END) ELSE 0 END AS ext
      FROM ({l8}) s {F}"""
    l10 = f"""SELECT s.*, s.due0 + s.ext * {DAY_S} AS due,
        CASE WHEN s.p = 1 AND s.t1 <= {R} THEN 'rejected'
             WHEN s.p = 2 AND s.t1 <= {R} THEN 'merged'
             WHEN s.p IN (1, 2) THEN 'registered'
             WHEN s.ar <= {R} THEN 'archived' WHEN s.cl <= {R} THEN 'closed' WHEN s.ck <= {R} THEN 'callback'
             WHEN s.rs <= {R} THEN 'feedback' WHEN s.sg <= {R} THEN 'handling' WHEN s.d <= {R} THEN 'dispatched'
             WHEN s.t1 <= {R} THEN 'accepted' ELSE 'registered' END AS st,
        CASE WHEN s.ar <= {R} THEN s.ar WHEN s.cl <= {R} THEN s.cl WHEN s.ck <= {R} THEN s.ck WHEN s.rs <= {R} THEN s.rs
             WHEN s.sg <= {R} THEN s.sg WHEN s.d <= {R} THEN s.d WHEN s.t1 <= {R} THEN s.t1 ELSE s.c END AS lt
      FROM ({l9}) s {F}"""

    def at(col: str) -> str:
        return f"CASE WHEN {col} <= {X} THEN {sql.ts(col)} END"

    seq = f"({seq_base} + x.i - {lo} + 1)"
    sat = "(CASE WHEN x.r9 % 100 < 85 THEN 'satisfied' WHEN x.r9 % 100 < 97 THEN 'basic' ELSE 'unsatisfied' END)"
    closed_ok = f"(x.p IN (3, 4) AND x.cl <= {X})"
    running_late = f"(x.d <= {X} AND x.due < {E} AND (x.rs IS NULL OR x.rs > {X}))"
    cols = {
        "number": f"'{prefix}{year}-' || {sql.seq_text(seq)}",
        "channel": "x.channel", "case_type": "x.case_type", "category_id": "x.category_id",
        "category_path": "x.category_path", "title": "x.title", "description": "x.description",
        "request": "'请尽快协调解决'", "address": "x.paddr",
        "lon": "x.lon_u / 1000000.0", "lat": "x.lat_u / 1000000.0", "grid_id": "x.grid_id", "region_code": "x.gcode",
        "urgency": "x.urgency", "tier": "x.tier", "state": "x.st",
        "confidential": "COALESCE(x.case_type = 'report' AND (x.rw / 10000) % 2 = 0, FALSE)",
        "reporter_id": "x.reporter_id", "reporter_phone_index": "x.phone_index",
        "lead_unit_id": f"CASE WHEN x.d <= {X} THEN x.lead END", "handler_id": "NULL",
        "registered_by_id": f"CASE WHEN x.channel = 'window' THEN {clerk_id if clerk_id else 'NULL'} END",
        "registered_org_id": "NULL", "dispatched_by_id": "NULL",
        "created_at": sql.ts("x.c"),
        "accepted_at": f"CASE WHEN x.p IN (3, 4) AND x.t1 <= {X} THEN {sql.ts('x.t1')} END",
        "dispatched_at": at("x.d"), "signed_at": at("x.sg"), "resolved_at": at("x.rs"),
        "closed_at": at("x.cl"), "archived_at": at("x.ar"), "updated_at": sql.ts("x.lt"),
        "sign_due_at": f"CASE WHEN x.d <= {X} THEN {sql.ts('x.sdue')} END",
        "due_at": f"CASE WHEN x.d <= {X} THEN {sql.ts('x.due')} END",
        "deadline_unit": f"CASE WHEN x.d <= {X} THEN x.handle_u ELSE '' END",
        "suspended_at": "NULL", "suspended_from": "''", "extension_pending": "NULL",
        "extended_days": "x.ext",
        "result": (f"CASE WHEN x.rs <= {X} THEN (CASE WHEN x.p = 3 THEN '现场协调处理，当事人认可' "
                   f"ELSE '已到现场核实并处理，向当事人反馈' END) ELSE '' END"),
        "solved": f"CASE WHEN {closed_ok} THEN x.r9 % 100 < 97 END",
        "satisfaction": f"CASE WHEN {closed_ok} THEN {sat} ELSE '' END",
        "card": "''",
        "return_count": f"CASE WHEN x.d <= {X} AND x.r8 % 100 < 4 THEN 1 ELSE 0 END",
        "extension_count": "CASE WHEN x.ext > 0 THEN 1 ELSE 0 END",
        "rework_count": f"CASE WHEN x.p = 4 AND x.rs <= {X} AND (x.r8 / 10000) % 100 < 3 THEN 1 ELSE 0 END",
        "resolved_in_grid": f"COALESCE(x.p = 3 AND x.channel = 'grid' AND x.rs <= {X}, FALSE)",
        "on_time": f"CASE WHEN x.p = 3 AND x.rs <= {X} THEN TRUE WHEN x.p = 4 AND x.rs <= {X} THEN x.rs <= x.due END",
        "was_overdue": f"COALESCE(x.p = 4 AND ((x.rs <= {X} AND x.rs > x.due) OR {running_late}), FALSE)",
        "is_repeat": "COALESCE((x.rw / 100) % 100 < 6, FALSE)",
        "master_id": "NULL", "outcome": "NULL", "search_text": "x.search_text",
        "cell": "x.cell", "title_key": "x.title_key", "address_key": "x.address_key",
    }
    _check_columns(Case, cols)
    names = ", ".join(cols)
    body = ",\n        ".join(f"{expr} AS {name}" for name, expr in cols.items())
    return f"""INSERT INTO {Case._meta.db_table} ({names})
SELECT {body}
FROM ({l10}) x"""


def _check_columns(model, cols: dict) -> None:
    """Every column of the model but the key is written: a new field must be added here."""
    want = {f.column for f in model._meta.concrete_fields if not f.primary_key}
    have = set(cols)
    if want != have:
        raise RuntimeError(f"bulk loader out of date for {model.__name__}: missing {sorted(want - have)}, "
                           f"unknown {sorted(have - want)}")


def _timeline_inserts(sql: Dialect, source: str, where: str) -> list[str]:
    """One party, the register event and the event of the last transition of the cases ``source c`` ``where``."""
    ev_t, party_t = CaseEvent._meta.db_table, CaseParty._meta.db_table
    channel_json = """'{"channel": "' || c.channel || '"}'"""
    step = {  # state: action, from, actor, comment
        "rejected": ("reject", "registered", "窗口工作人员", "属于诉讼事项"),
        "merged": ("merge", "registered", "窗口工作人员", "重复诉求，合并办理"),
        "accepted": ("accept", "registered", "窗口工作人员", ""),
        "dispatched": ("dispatch", "accepted", "窗口工作人员", ""),
        "handling": ("sign", "dispatched", "承办人", ""),
        "feedback": ("submit_result", "handling", "承办人", "已到现场核实并处理，向当事人反馈"),
        "closed": ("callback", "callback", "回访员", ""),
        "archived": ("archive", "closed", "窗口工作人员", ""),
    }

    def case_of(i: int) -> str:
        return " ".join(f"WHEN '{s}' THEN '{v[i]}'" for s, v in step.items())

    on_spot = "c.dispatched_at IS NULL"
    data = ("CASE c.state WHEN 'rejected' THEN '{\"proper_channel\": \"向人民法院起诉\"}' "
            "WHEN 'dispatched' THEN '{\"lead_unit\": {\"id\": ' || c.lead_unit_id || '}}' "
            "WHEN 'closed' THEN '{\"solved\": ' || CASE WHEN c.solved THEN 'true' ELSE 'false' END || "
            "', \"satisfaction\": \"' || c.satisfaction || '\"}' ELSE '{}' END")
    ev_cols = "case_id, at, actor_id, actor_name, actor_org, action, from_state, to_state, comment, data"
    return [
        f"""INSERT INTO {party_t} (case_id, resident_id, role, gender, ethnicity, age, occupation)
        SELECT c.id, c.reporter_id, CASE WHEN c.case_type = 'dispute' THEN 'applicant' ELSE 'reporter' END, '', '', NULL, ''
        FROM {source} c WHERE {where}""",
        f"""INSERT INTO {ev_t} ({ev_cols})
        SELECT c.id, c.created_at, c.registered_by_id, CASE WHEN c.channel = 'window' THEN '窗口工作人员' ELSE '系统' END,
               '', 'register', '', 'registered', '', {sql.json(channel_json)}
        FROM {source} c WHERE {where}""",
        f"""INSERT INTO {ev_t} ({ev_cols})
        SELECT c.id, c.updated_at, NULL,
               CASE WHEN c.state = 'callback' THEN (CASE WHEN {on_spot} THEN '网格员' ELSE '核查员' END) ELSE CASE c.state {case_of(2)} END END,
               '',
               CASE WHEN c.state = 'callback' THEN (CASE WHEN {on_spot} THEN 'resolve_on_spot' ELSE 'check_pass' END) ELSE CASE c.state {case_of(0)} END END,
               CASE WHEN c.state = 'callback' THEN (CASE WHEN {on_spot} THEN 'registered' ELSE 'feedback' END) ELSE CASE c.state {case_of(1)} END END,
               c.state,
               CASE WHEN c.state = 'callback' AND {on_spot} THEN c.result ELSE CASE c.state {case_of(3)} ELSE '' END END,
               {sql.json(data)}
        FROM {source} c WHERE {where} AND c.state <> 'registered'""",
    ]


# ---------------------------------------------------------------- rollups in SQL

def _rollup_sql(sql: Dialect, where: str, source: str | None = None) -> list[str]:
    """The contribution of each case of ``source c`` ``where`` into bulk_contrib, then one upsert per rollup table."""
    source = source or Case._meta.db_table
    done = "c.state IN ('closed', 'archived')"
    flags = {
        "received": "1",
        "completed": f"CASE WHEN {done} THEN 1 ELSE 0 END",
        "completed_on_time": f"CASE WHEN {done} AND c.on_time IS NOT FALSE THEN 1 ELSE 0 END",
        "overdue_ever": "CASE WHEN c.on_time IS FALSE OR c.was_overdue IS TRUE THEN 1 ELSE 0 END",
        "handled": f"CASE WHEN {done} AND c.resolved_at IS NOT NULL THEN 1 ELSE 0 END",
        "dispatched": "CASE WHEN c.dispatched_at IS NOT NULL THEN 1 ELSE 0 END",
        "signed_on_time": ("CASE WHEN c.dispatched_at IS NOT NULL AND c.signed_at IS NOT NULL AND c.sign_due_at IS NOT NULL "
                           "AND c.signed_at <= c.sign_due_at THEN 1 ELSE 0 END"),
        "callbacks": "CASE WHEN c.satisfaction <> '' THEN 1 ELSE 0 END",
        "satisfied": "CASE WHEN c.satisfaction = 'satisfied' THEN 1 ELSE 0 END",
        "basic": "CASE WHEN c.satisfaction = 'basic' THEN 1 ELSE 0 END",
        "unsatisfied": "CASE WHEN c.satisfaction = 'unsatisfied' THEN 1 ELSE 0 END",
        "solved": "CASE WHEN c.satisfaction <> '' AND c.solved IS TRUE THEN 1 ELSE 0 END",
        "returned": "CASE WHEN c.return_count > 0 THEN 1 ELSE 0 END",
        "extended": "CASE WHEN c.extension_count > 0 THEN 1 ELSE 0 END",
        "reworked": "CASE WHEN c.rework_count > 0 THEN 1 ELSE 0 END",
        "repeat": "CASE WHEN c.is_repeat IS TRUE THEN 1 ELSE 0 END",
        "in_grid": f"CASE WHEN c.resolved_in_grid IS TRUE AND {done} THEN 1 ELSE 0 END",
    }
    assert set(flags) | {"handling_seconds"} == set(COUNTERS)
    # handling_seconds: working time from dispatch (or registration) to the result, exact to the microsecond:
    # W(t) = working days before t's Shanghai day · 1 day + (t's day is a working day) · time since its midnight
    local_us = OFFSET_S * US
    day_us = DAY_S * US

    def W(alias: str, col: str) -> str:
        return f"({alias}.cum * {day_us} + {alias}.w * ({col} + {local_us} - {alias}.day * {day_us}))"

    inner = f"""SELECT c.*, {sql.epoch_us('COALESCE(c.dispatched_at, c.created_at)')} AS us_a,
            {sql.epoch_us('c.resolved_at')} AS us_b
        FROM {source} c WHERE {where} {sql.fence}"""
    handling = (f"CASE WHEN c.state IN ('closed', 'archived') AND c.resolved_at IS NOT NULL THEN "
                f"(CASE WHEN c.us_b > c.us_a THEN ({W('cb', 'c.us_b')} - {W('ca', 'c.us_a')}) / {US} ELSE 0 END) ELSE 0 END")
    fill = f"""INSERT INTO bulk_contrib (state, day, month, street_code, region_code, grid_code, category_id, channel,
            unit_id, cell, root_category, {', '.join(COUNTERS)})
        SELECT c.state, {sql.local_day('c.created_at')}, {sql.local_month('c.created_at')}, substr(c.region_code, 1, 9),
            c.region_code, CASE WHEN length(c.region_code) = 15 THEN c.region_code END, c.category_id,
            c.channel, c.lead_unit_id, c.cell, {sql.root_code('c.category_path')},
            {', '.join(handling if k == 'handling_seconds' else flags[k] for k in COUNTERS)}
        FROM ({inner}) c
        LEFT JOIN bulk_cal ca ON ca.day = (c.us_a + {local_us}) / {day_us}
        LEFT JOIN bulk_cal cb ON cb.day = (c.us_b + {local_us}) / {day_us}"""
    sums = ", ".join(f"SUM({k})" for k in COUNTERS)
    upd = ", ".join(f"{k} = {{t}}.{k} + excluded.{k}" for k in COUNTERS)
    out = [fill]
    # the daily tables first, then those whose rows parallel chunks share (SHARED_UPSERTS: months, regions, cells)
    for model, cols, cond in (
            (DailyStreetRollup, "day, street_code, category_id, channel", "state NOT IN ('rejected', 'merged')"),
            (DailyUnitRollup, "day, unit_id, street_code", "unit_id IS NOT NULL AND state NOT IN ('rejected', 'merged')"),
            (MonthlyStreetRollup, "month, street_code, category_id, channel", "state NOT IN ('rejected', 'merged')"),
            (MonthlyGridRollup, "month, grid_code, category_id",
             "grid_code IS NOT NULL AND state NOT IN ('rejected', 'merged')"),
            (RegionRollup, "region_code", "state NOT IN ('rejected', 'merged')"),
            (MonthlyCellRollup, "month, street_code, cell, root_category", "cell <> '' AND state NOT IN ('rejected', 'merged')")):
        t = model._meta.db_table
        out.append(f"""INSERT INTO {t} ({cols}, {', '.join(COUNTERS)})
            SELECT {cols}, {sums} FROM bulk_contrib WHERE {cond} GROUP BY {cols}
            ON CONFLICT ({cols}) DO UPDATE SET {upd.format(t=t)}""")
    return out


#: the last upserts of ``_rollup_sql`` write rows that parallel chunks share (the monthly tables', the regions')
SHARED_UPSERTS = 4
ROLLUP_TABLES = (DailyStreetRollup, MonthlyStreetRollup, DailyUnitRollup, MonthlyGridRollup, RegionRollup,
                 MonthlyCellRollup)


def _create_contrib(cur, sql: Dialect) -> None:
    day = "date" if sql.pg else "text"
    cur.execute("DROP TABLE IF EXISTS bulk_contrib")
    cur.execute(f"CREATE TEMP TABLE bulk_contrib (state text, day {day}, month {day}, street_code text, "
                f"region_code text, grid_code text, category_id bigint, channel text, unit_id bigint, cell text, root_category text, "
                + ", ".join(f"{k} bigint" for k in COUNTERS) + ")")


def _fill_calendar(cur, sql: Dialect, first: dt.date, last: dt.date) -> None:
    cur.execute("DELETE FROM bulk_cal")
    cur.execute("DELETE FROM bulk_wd")
    cal, wd = _calendar(first, last)
    _fill(cur, sql, "bulk_cal", ("day", "w", "cum"), cal)
    _fill(cur, sql, "bulk_wd", ("ord", "day"), wd)


def rebuild_rollups(stdout=None) -> dict[str, int]:
    """Recompute every rollup row from the cases in SQL (same result as :func:`rollups.rebuild`)."""
    from django.db.models import Max, Min

    sql = Dialect(connection.vendor)
    t0 = time.perf_counter()
    span = Case.objects.aggregate(a=Min("created_at"), b=Max("created_at"), r=Max("resolved_at"), d=Min("dispatched_at"))
    with transaction.atomic(), connection.cursor() as cur:
        for model in ROLLUP_TABLES:
            cur.execute(f"DELETE FROM {model._meta.db_table}")
        if span["a"] is not None:
            _create_temp_tables(cur, sql)
            _create_contrib(cur, sql)
            first = min(t for t in (span["a"], span["d"]) if t).astimezone(SHANGHAI).date() - dt.timedelta(days=1)
            last = max(t for t in (span["b"], span["r"]) if t).astimezone(SHANGHAI).date() + dt.timedelta(days=1)
            _fill_calendar(cur, sql, first, last)
            for stmt in _rollup_sql(sql, "1 = 1"):
                cur.execute(stmt)
            _drop_temp_tables(cur)
            if sql.pg:
                for model in ROLLUP_TABLES:
                    cur.execute(f"ANALYZE {model._meta.db_table}")
    from zhili.cases import rollups

    out = {m.__name__: m.objects.count() for m in ROLLUP_TABLES}
    out.update(rollups.recount_in_sql())
    _say(stdout, f"rollups rebuilt in {time.perf_counter() - t0:.1f} s: {out}")
    return out


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
        _say(stdout, f"  index {name} ({time.perf_counter() - t:.1f} s)")

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
        _create_temp_tables(cur, sql)
        _create_contrib(cur, sql)
        _fill(cur, sql, "bulk_tod", ("slot", "start", "width"), self.tod)
        _fill(cur, sql, "bulk_grid", ("idx", "id", "code", "sidx", "street_office_id", "comm_office_id"), self.grids)
        _fill(cur, sql, "bulk_pt", ("gidx", "j", "lon_u", "lat_u", "cell", "address", "address_key"), self.points)
        _fill(cur, sql, "bulk_tpl", ("idx", "category_id", "category_path", "case_type", "channel", "tier", "urgency",
                                     "lead_kind", "dept_id", "title", "description", "search_text", "sign_v", "sign_u",
                                     "handle_v", "handle_u", "ext_max", "title_key"), self.templates)
        if with_residents:
            _fill(cur, sql, "bulk_res", ("idx", "id", "phone_index"), self.res_rows)
        _fill(cur, sql, "bulk_cal", ("day", "w", "cum"), self.cal)
        _fill(cur, sql, "bulk_wd", ("ord", "day"), self.wd)

    def piece(self, cur, sql: Dialect, year: int, lo: int, hi: int, seq_base: int) -> dict:
        """Rows lo..hi in one transaction: cases, parties, timeline, rollups. Returns counts and seconds."""
        insert = _case_insert(sql, self.h, lo=lo, hi=hi, n=self.n, start=self.start, end=self.E, n_grids=len(self.grids),
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
                timeline = _timeline_inserts(sql, "ins", "1 = 1")
                fill, *upserts = _rollup_sql(sql, "1 = 1", source="ins")
                cur.execute(f"""WITH g(i) AS (SELECT generate_series({lo}::bigint, {hi}::bigint)),
                    ins AS ({insert} RETURNING *),
                    {", ".join(f"t{j} AS ({stmt})" for j, stmt in enumerate(timeline))}
                    {fill}""")
                took["cases"] = time.perf_counter() - t
                cur.execute("SELECT COUNT(*), SUM(CASE WHEN state = 'registered' THEN 1 ELSE 0 END) FROM bulk_contrib")
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
                for j, stmt in enumerate(_timeline_inserts(sql, Case._meta.db_table, window)):
                    cur.execute(stmt)
                    if j == 0:
                        parties = cur.rowcount
                    else:
                        events += cur.rowcount
                took["timeline"] = time.perf_counter() - t
                t = time.perf_counter()
                fill, *upserts = _rollup_sql(sql, window)
                cur.execute(fill)
            for j, stmt in enumerate(upserts):
                if sql.pg and j == len(upserts) - SHARED_UPSERTS:
                    # pieces never share a day, but share months and regions: those upserts one at a time
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

        _say(stdout, "empty database: building the demo district first")
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
    grids = _grids(district_prefix)
    templates = _templates(rng, max(g[3] for g in grids) + 1)
    points = _points(rng, district_prefix)
    cal, wd = _calendar(start_day - dt.timedelta(days=2), end_day + dt.timedelta(days=800))
    clerk = (User.objects.filter(username="clerk").values_list("id", flat=True).first()
             or User.objects.filter(role="window_clerk").order_by("id").values_list("id", flat=True).first())
    n_res = residents if residents is not None else max(1000, n // 10)
    load = _Load(n=n, h=_Hash(seed), start=_epoch(dt.datetime.combine(start_day, dt.time(), SHANGHAI)), E=_epoch(end),
                 grids=grids, points=points, templates=templates, tod=_time_of_day_slots(), cal=cal, wd=wd, clerk=clerk, n_res=n_res,
                 prefix=prefix, res_rows=[], no_triggers=False, days=days, open_ppm=round(open_share * 1_000_000))

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
    _say(stdout, f"bulk load of {n:,} cases ({connection.vendor}, {workers} worker{'s' * (workers > 1)}): "
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
            _say(stdout, f"  dropping {len(deferred)} secondary indexes for the load (created again at the end)")
            with transaction.atomic():
                _drop_indexes(cur, deferred)
        try:
            with transaction.atomic():
                load.prepare(cur, sql, with_residents=False)
                _residents(cur, sql, rng, n_res, [g[2] for g in grids], end, stdout)
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
                    _say(stdout, f"  cases {counts['cases']:,}/{n:,}  ({counts['cases'] / elapsed:,.0f}/s overall, "
                                 f"{elapsed:.0f} s)")

            if workers == 1:
                for year, lo, hi, seq_base in pieces:
                    done(load.piece(cur, sql, year, lo, hi, seq_base))
            else:
                _run_parallel(load, sql, pieces, workers, done)
        finally:
            _drop_temp_tables(cur)
            if deferred:
                t = time.perf_counter()
                _say(stdout, f"  creating {len(deferred)} indexes again")
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
    _say(stdout, f"bulk load done: {out['cases']:,} cases, {out['events']:,} events in {timings['total_s']:.1f} s "
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
                _drop_temp_tables(cur)
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
