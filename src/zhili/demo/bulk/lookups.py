"""The small tables the loader's SQL picks from, filled in Python: the time of day, the grids and
places inside them, the case templates of each street, the residents and the working-day calendar
(temporary tables ``bulk_*`` of the connection), and the constants they share with the statements."""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from collections import defaultdict

from zhili.cases import deadlines, keys
from zhili.cases.models import DeadlinePolicy
from zhili.core import crypto
from zhili.core.calendar import is_workday
from zhili.core.dialect import Dialect
from zhili.core.models import CodeItem, Compound, Organisation, Region, Resident

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


def say(stdout, msg: str) -> None:
    if stdout is not None:
        stdout.write(msg + "\n")
        stdout.flush()


def _day_number(d: dt.date) -> int:
    return d.toordinal() - dt.date(1970, 1, 1).toordinal()


def create_temp_tables(cur, sql: Dialect) -> None:
    drop_temp_tables(cur)
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


def drop_temp_tables(cur) -> None:
    for t in TEMP_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {t}")


def fill(cur, sql: Dialect, table: str, cols: tuple[str, ...], rows: list[tuple], analyze: bool = True) -> None:
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


def time_of_day_slots() -> list[tuple[int, int, int]]:
    """1,000 slots of the inverse distribution of registration times (the demo's hourly weights)."""
    weights = [2, 8, 12, 12, 10, 6, 8, 10, 10, 9, 6, 3, 2, 1, 1]  # hours 7..21, as _working_hour of zhili.demo.cases
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


def grids(district_prefix: str) -> list[tuple]:
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
    for idx, (code, pk) in enumerate(grids):  # the places inside each grid: points, in the same order
        rows.append((idx, pk, code, streets.index(code[:9]), street_office.get(code[:9]), comm_office.get(code[:12])))
    return rows


def points(rng: random.Random, district_prefix: str) -> list[tuple]:
    """POINTS_PER_GRID places inside each grid (in grids' order), with their h3 cells and addresses —
    BUILDINGS_PER_GRID buildings a grid, so addresses recur as in a real district:
    (grid idx, j, lon µ°, lat µ°, cell, address, address key). A building belongs to one of the
    grid's compounds (two named after its community where none is recorded), its address is the
    compound's gate on the nearest road ("胜利东街 1234号 福寿花园 5号楼"), its places lie around it,
    inside the grid. A case takes one of its grid's places by its hash; h3 and the text keys have no SQL."""
    import shapely
    from shapely.geometry import shape

    from ..district import addresses, partition

    compounds: dict[str, list] = defaultdict(list)
    for name, grid, lon, lat in (Compound.objects.filter(region_code__startswith=district_prefix, lon__isnull=False,
                                                         grid__isnull=False)
                                 .order_by("region_code", "name").values_list("name", "grid__code", "lon", "lat")):
        compounds[grid].append((name, lon, lat))
    out = []
    geoms = Region.objects.filter(level="grid", code__startswith=district_prefix, geometry__isnull=False
                                  ).order_by("code").values_list("code", "geometry", "parent__name")
    for idx, (code, geom, community) in enumerate(geoms):
        poly = shape(geom)
        shapely.prepare(poly)
        here = compounds.get(code)
        if not here:
            stem = (community or "").removesuffix("社区").removesuffix("村") or "幸福"
            names = [addresses.compound_name(rng, stem)]
            names.append(next((n for n in (addresses.compound_name(rng, stem) for _ in range(20)) if n != names[0]),
                              f"{names[0]}东区"))
            here = [(n, *p) for n, p in zip(names, partition.points_in(poly, 2, rng, digits=6), strict=True)]
        spots = []
        for b in range(BUILDINGS_PER_GRID):
            name, glon, glat = here[b % len(here)]
            address = addresses.building_address(glon, glat, name, b // len(here) + 1)
            lon, lat = _near(poly, rng, glon, glat, 5e-4)
            spots.append((lon, lat, address, keys.text_key(address)))
        for j in range(POINTS_PER_GRID):
            blon, blat, address, key = spots[j % BUILDINGS_PER_GRID]
            lon, lat = _near(poly, rng, blon, blat, 1.5e-4)
            lon_u, lat_u = round(lon * 1e6), round(lat * 1e6)
            out.append((idx, j, lon_u, lat_u, keys.cell_of(lon_u / 1e6, lat_u / 1e6), address, key))
    return out


def _near(poly, rng: random.Random, lon: float, lat: float, spread: float) -> tuple[float, float]:
    """A point within ``spread`` degrees of (lon, lat) inside ``poly`` (rounded to 6 decimals), else (lon, lat)."""
    import shapely

    for _ in range(4):
        x, y = round(lon + rng.uniform(-spread, spread), 6), round(lat + rng.uniform(-spread, spread) * 0.8, 6)
        if shapely.contains_xy(poly, x, y):
            return x, y
    return lon, lat


def templates(rng: random.Random, n_streets: int) -> list[tuple]:
    """Case templates per street: category, type, channel, tier, urgency, texts, lead unit, deadlines."""
    from zhili.cases.services import tokens

    from ..matters import COMMUNITY, ROOT_WEIGHTS, STREET, draw, leaves_of, pick

    cats = list(CodeItem.objects.filter(type="case_category", active=True).values_list("id", "code", "parent_id"))
    if not cats:
        raise RuntimeError("no case categories: migrate first (it seeds the code tables)")
    by_id = {pk: (code, parent) for pk, code, parent in cats}
    path, cat_of = {}, {}
    for pk in sorted(by_id):
        chain, node = [], pk
        while node and node in by_id:
            chain.append(by_id[node][0])
            node = by_id[node][1]
        path[pk] = "/".join(reversed(chain))
        cat_of[chain[0]] = pk
    leaves = {r: leaves_of(r, cat_of) for r in ROOT_WEIGHTS}
    roots = [r for r in ROOT_WEIGHTS if leaves[r]]
    if not roots:
        raise RuntimeError("no case categories of the demo's matters (zhili.demo.matters) in the code table")
    depts = {o.code: o.pk for o in Organisation.objects.filter(org_type="department").order_by("id")}
    any_org = Organisation.objects.filter(org_type="department").order_by("id").values_list("id", flat=True).first() \
        or Organisation.objects.order_by("id").values_list("id", flat=True).first()
    if any_org is None:
        raise RuntimeError("no organisations: build the demo district first")
    policies = list(DeadlinePolicy.objects.filter(active=True).select_related("category"))
    token_cache: dict[str, str] = {}
    rows = []
    for s in range(n_streets):
        mix = [(r, ROOT_WEIGHTS[r] * rng.uniform(0.6, 1.6)) for r in roots]
        for k in range(TEMPLATES_PER_STREET):
            d = draw(rng, pick(rng, leaves[pick(rng, mix)]))
            cat = cat_of[d.leaf.code]
            case_type, channel, tier, urgency = d.case_type, d.channel, d.tier, d.urgency
            # the lead: a department of the matter, or the case's street or community office (kind 1, 2);
            # without the department in the database, the street office (and any department without that)
            units = [d.lead, *d.leaf.lead_units(d.matter)]
            lead = next((u for u in units if u in (STREET, COMMUNITY) or u in depts), STREET)
            lead_kind = {STREET: 1, COMMUNITY: 2}.get(lead, 0)
            dept = depts.get(lead) or next((depts[u] for u in units if u in depts), any_org)
            subject, desc = d.matter.title, d.description
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


def residents(cur, sql: Dialect, rng: random.Random, count: int, grid_codes: list[str], end: dt.datetime, stdout) -> int:
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
        fill(cur, sql, res_t, cols, rows, analyze=False)
        fill(cur, sql, "bulk_res", ("idx", "phone_index"), index_rows, analyze=False)
        made += len(rows)
        if count >= 100_000:
            say(stdout, f"  residents {made:,}/{count:,} ({time.perf_counter() - t0:.0f} s)")
    if sql.pg:
        cur.execute(f"UPDATE bulk_res SET id = r.id FROM {res_t} r WHERE r.phone_index = bulk_res.phone_index")
        cur.execute("ANALYZE bulk_res")
    else:
        cur.execute(f"UPDATE bulk_res SET id = (SELECT MIN(r.id) FROM {res_t} r WHERE r.phone_index = bulk_res.phone_index)")
    cur.execute("SELECT COUNT(*) FROM bulk_res WHERE id IS NOT NULL")
    if cur.fetchone()[0] != count:
        raise RuntimeError("residents: not every new resident was found again by its phone index")
    return count


def calendar(first: dt.date, last: dt.date) -> tuple[list[tuple], list[tuple]]:
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


def fill_calendar(cur, sql: Dialect, first: dt.date, last: dt.date) -> None:
    cur.execute("DELETE FROM bulk_cal")
    cur.execute("DELETE FROM bulk_wd")
    cal, wd = calendar(first, last)
    fill(cur, sql, "bulk_cal", ("day", "w", "cum"), cal)
    fill(cur, sql, "bulk_wd", ("ord", "day"), wd)
