"""The SQL of the load: the case statement (every column of a case from its row number and the
lookup tables), the timeline inserts, and the rollups in SQL (per chunk, or all of them again:
:func:`rebuild_rollups`)."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import connection, transaction

from zhili.cases.models import Case, CaseEvent, CaseParty
from zhili.cases.rollups import (
    COUNTERS,
    DailyGridRollup,
    DailyStreetRollup,
    DailyUnitRollup,
    MonthlyCellRollup,
    MonthlyGridRollup,
    MonthlyStreetRollup,
    RegionRollup,
)
from zhili.core.calendar import SHANGHAI
from zhili.core.dialect import US, Dialect

from .lookups import (
    DAY_S,
    DAYS,
    OFFSET_S,
    POINTS_PER_GRID,
    TEMPLATES_PER_STREET,
    create_temp_tables,
    drop_temp_tables,
    fill_calendar,
    say,
)

# hash: x1 = (i·a + b) mod p1; x2 = (x1² + c) mod p2; h = (x2·e + d) mod p3 — every product stays < 2^63
P1, P2, P3 = 2_147_483_647, 4_294_967_291, 2_147_483_629


class Hash:
    """Per-name pseudo-random integers in [0, P3) from the row number, as SQL expressions."""

    def __init__(self, seed: int, var: str = "g.i"):
        self.seed, self.var = seed, var

    def __call__(self, name: str) -> str:
        r = random.Random(f"zhili-bulk/{self.seed}/{name}")
        a, b, c = r.randrange(10**8, P1 - 1), r.randrange(P1), r.randrange(P2)
        e, d = r.randrange(10**8, 2 * 10**9), r.randrange(P3)
        x1 = f"(({self.var} * {a} + {b}) % {P1})"
        return f"((((({x1} * {x1}) + {c}) % {P2}) * {e} + {d}) % {P3})"


# ---------------------------------------------------------------- the case statement

#: where the kept-open cases (``open_share``) stop, by per cent: registered, accepted, dispatched, handling,
#: feedback (waiting for the check), callback — and the step time each waits for
OPEN_STOPS = ((2, "s.t1"), (6, "s.d"), (20, "s.sg"), (80, "s.rs"), (88, "s.ck"), (100, "s.cl"))


def case_insert(sql: Dialect, h: Hash, *, lo: int, hi: int, n: int, start: int, end: int, n_grids: int,
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
        "unreachable": "FALSE", "callback_attempts": "0", "ledger": sql.json("'{}'"),
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


def timeline_inserts(sql: Dialect, source: str, where: str) -> list[str]:
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

def rollup_sql(sql: Dialect, where: str, source: str | None = None) -> tuple[list[str], list[str]]:
    """The entries of each case of ``source c`` ``where`` that has no ledger into bulk_contrib (one statement per kind of
    entry: registration ``r`` — every case, the rejected and merged too, which the upserts leave
    out —, close ``c``, falling due ``d``, assignment ``a``), then one upsert per rollup table: :func:`zhili.cases.rollups.contribution` in SQL, for cases without a ledger (the bulk
    loader writes none: one assignment to the lead unit at the last dispatch, the last verdict —
    :mod:`zhili.cases.ledger`)."""
    source = source or Case._meta.db_table
    done = "c.state IN ('closed', 'archived')"
    zero = dict.fromkeys(COUNTERS, "0")

    def when(cond: str) -> str:
        return f"CASE WHEN {cond} THEN 1 ELSE 0 END"

    registration = zero | {
        "received": "1",
        "completed": when(done),
        "reworked": when(f"{done} AND c.rework_count > 0"),
        "in_grid": when(f"{done} AND c.resolved_in_grid IS TRUE"),
        "handled": when(f"{done} AND c.resolved_at IS NOT NULL"),
        # natural seconds from the last dispatch (or registration) to the result, truncated
        "handling_seconds": (f"CASE WHEN {done} AND c.resolved_at IS NOT NULL AND c.us_b > c.us_a "
                             f"THEN (c.us_b - c.us_a) / {US} ELSE 0 END"),
        "overdue_ever": when("c.on_time IS FALSE OR c.was_overdue IS TRUE"),
        "repeat": when("c.is_repeat IS TRUE"),
        "callbacks": when("c.satisfaction <> ''"),
        "satisfied": when("c.satisfaction = 'satisfied'"),
        "basic": when("c.satisfaction = 'basic'"),
        "unsatisfied": when("c.satisfaction = 'unsatisfied'"),
        "solved": when("c.satisfaction <> '' AND c.solved IS TRUE"),
    }
    closing = zero | {"closed": "1", "unreachable": when("c.unreachable IS TRUE")}
    due_day = (f"CASE WHEN c.resolved_at IS NOT NULL AND {sql.local_day('c.resolved_at')} < {sql.local_day('c.due_at')} "
               f"THEN c.resolved_at ELSE c.due_at END")
    falling_due = zero | {"due": "1", "due_on_time": when("c.resolved_at IS NOT NULL AND c.on_time IS TRUE")}
    assignment = zero | {
        "dispatched": "1",
        "signed_on_time": when(f"c.signed_at IS NOT NULL AND c.sign_due_at IS NOT NULL AND "
                               f"{sql.epoch_us('c.signed_at')} / {US} <= {sql.epoch_us('c.sign_due_at')} / {US}"),
        "returned": when("c.return_count > 0"),
        "extended": when("c.extension_count > 0"),
    }
    inner = f"""SELECT c.*, {sql.epoch_us('COALESCE(c.dispatched_at, c.created_at)')} AS us_a,
            {sql.epoch_us('c.resolved_at')} AS us_b
        FROM {source} c WHERE {where} AND c.ledger = {sql.json("'{}'")} {sql.fence}"""
    fills = []
    for kind, at, counts, cond in (
            ("r", "c.created_at", registration, "1 = 1"),
            ("c", "c.closed_at", closing, f"{done} AND c.closed_at IS NOT NULL"),
            ("d", due_day, falling_due, "c.due_at IS NOT NULL AND (c.resolved_at IS NOT NULL OR c.was_overdue IS TRUE)"),
            ("a", "c.dispatched_at", assignment, "c.dispatched_at IS NOT NULL AND c.lead_unit_id IS NOT NULL")):
        fills.append(f"""INSERT INTO bulk_contrib (kind, state, day, month, street_code, region_code, grid_code, category_id, channel,
            unit_id, cell, root_category, {', '.join(COUNTERS)})
        SELECT '{kind}', c.state, {sql.local_day(at)}, {sql.local_month(at)}, substr(c.region_code, 1, 9),
            c.region_code, CASE WHEN length(c.region_code) = 15 THEN c.region_code END, c.category_id,
            c.channel, c.lead_unit_id, c.cell, {sql.root_code('c.category_path')}, {', '.join(counts[k] for k in COUNTERS)}
        FROM ({inner}) c WHERE {cond}""")
    sums = ", ".join(f"SUM({k})" for k in COUNTERS)
    upd = ", ".join(f"{k} = {{t}}.{k} + excluded.{k}" for k in COUNTERS)
    received = "state NOT IN ('rejected', 'merged')"
    upserts = []
    # the daily tables first, then those whose rows parallel chunks share (SHARED_UPSERTS: months, regions, cells)
    for model, cols, cond in (
            (DailyStreetRollup, "day, street_code, category_id, channel", received),
            (DailyUnitRollup, "day, unit_id, street_code", f"unit_id IS NOT NULL AND {received}"),
            (DailyGridRollup, "day, grid_code, category_id", f"grid_code IS NOT NULL AND {received}"),
            (MonthlyStreetRollup, "month, street_code, category_id, channel", received),
            (MonthlyGridRollup, "month, grid_code, category_id", f"grid_code IS NOT NULL AND {received}"),
            (RegionRollup, "region_code", received),
            (MonthlyCellRollup, "month, street_code, cell, root_category", f"cell <> '' AND {received}")):
        t = model._meta.db_table
        upserts.append(f"""INSERT INTO {t} ({cols}, {', '.join(COUNTERS)})
            SELECT {cols}, {sums} FROM bulk_contrib WHERE {cond} GROUP BY {cols}
            ON CONFLICT ({cols}) DO UPDATE SET {upd.format(t=t)}""")
    return fills, upserts


#: the last upserts of ``rollup_sql`` that write rows parallel chunks share: all of them — a chunk's cases
#: close, fall due and are dispatched on days that other chunks register cases on
SHARED_UPSERTS = 7
ROLLUP_TABLES = (DailyStreetRollup, MonthlyStreetRollup, DailyUnitRollup, MonthlyGridRollup, DailyGridRollup,
                 RegionRollup, MonthlyCellRollup)


def create_contrib(cur, sql: Dialect) -> None:
    day = "date" if sql.pg else "text"
    cur.execute("DROP TABLE IF EXISTS bulk_contrib")
    cur.execute(f"CREATE TEMP TABLE bulk_contrib (kind text, state text, day {day}, month {day}, street_code text, "
                f"region_code text, grid_code text, category_id bigint, channel text, unit_id bigint, cell text, root_category text, "
                + ", ".join(f"{k} bigint" for k in COUNTERS) + ")")


def rebuild_rollups(stdout=None) -> dict[str, int]:
    """Recompute every rollup row from the cases (same result as :func:`rollups.rebuild`): in SQL the
    cases without a ledger, by :func:`rollups.recount` those with one."""
    from django.db.models import Max, Min

    from zhili.cases import rollups

    sql = Dialect(connection.vendor)
    t0 = time.perf_counter()
    span = Case.objects.aggregate(a=Min("created_at"), b=Max("created_at"), r=Max("resolved_at"), d=Min("dispatched_at"))
    with transaction.atomic(), connection.cursor() as cur:
        for model in ROLLUP_TABLES:
            cur.execute(f"DELETE FROM {model._meta.db_table}")
        if span["a"] is not None:
            create_temp_tables(cur, sql)
            create_contrib(cur, sql)
            first = min(t for t in (span["a"], span["d"]) if t).astimezone(SHANGHAI).date() - dt.timedelta(days=1)
            last = max(t for t in (span["b"], span["r"]) if t).astimezone(SHANGHAI).date() + dt.timedelta(days=1)
            fill_calendar(cur, sql, first, last)
            fills, upserts = rollup_sql(sql, "1 = 1")
            for stmt in (*fills, *upserts):
                cur.execute(stmt)
            # the cases with a ledger (changed by the services since they were written) by the one definition
            rollups.add_sums(rollups.recount(Case.objects.exclude(ledger={}).iterator(chunk_size=5000)))
            drop_temp_tables(cur)
            if sql.pg:
                for model in ROLLUP_TABLES:
                    cur.execute(f"ANALYZE {model._meta.db_table}")
    out = {m.__name__: m.objects.count() for m in ROLLUP_TABLES}
    out.update(rollups.recount_in_sql())
    say(stdout, f"rollups rebuilt in {time.perf_counter() - t0:.1f} s: {out}")
    return out
