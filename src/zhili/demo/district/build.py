"""Building the demo into an empty database: the regions of the layout, the organisations and the
compounds, then the people (:mod:`.people`) and the code tables."""

from __future__ import annotations

import random
from collections import Counter

from django.db import transaction

from . import addresses, partition
from .layout import RegionSpec, allocate, city_layouts, kuiwen_layout, walk
from .names import (
    CITY_CODE,
    CITY_NAME,
    COMMUNITY_STEMS,
    COMPOUND_HEADS,
    DANWEI,
    DEPARTMENTS,
    KUIWEN,
    N_COMPOUNDS,
    N_PROPERTY_COMPANIES,
    N_STATIONS,
    WINDOWS,
)
from .people import DEMO_ACCOUNTS, create_people


class DemoError(RuntimeError):
    pass


def _say(stdout, msg: str) -> None:
    if stdout is not None:
        stdout.write(msg + "\n")


def build_demo(scale: str = "district", seed: int = 2026, stdout=None) -> dict:
    """Build the demo into an empty database; return counts and the demo accounts.

    ``scale="district"``: the city 潍坊市 with Kuiwen in full. ``scale="city"``: also the other
    eleven districts of Weifang (regions and one grid worker per grid; about 5,000 grids).
    The accounts' passwords are random (:mod:`secrets`) and returned only here.
    """
    from zhili.core import codes_seed, geo
    from zhili.core.models import CodeItem, Region, User

    if scale not in ("district", "city"):
        raise DemoError(f"unknown scale {scale!r}: use 'district' or 'city'")
    if Region.objects.exists():
        raise DemoError("the database already holds regions: the demo is built only into an empty database "
                        "(create a new one, or flush this one first)")
    taken = sorted(User.objects.filter(username__in=DEMO_ACCOUNTS).values_list("username", flat=True))
    if taken:
        raise DemoError(f"the demo accounts' usernames are taken already: {', '.join(taken)}")
    with transaction.atomic():
        _say(stdout, "区划与网格 regions and grids…")
        layouts = city_layouts(seed) if scale == "city" else [kuiwen_layout(seed)]
        regions = _create_regions(layouts, scale)
        _say(stdout, "组织机构 organisations…")
        orgs = _create_organisations(regions, seed)
        _say(stdout, "小区 compounds…")
        n_compounds = _create_compounds(regions, orgs, seed)
        _say(stdout, "人员与网格团队 staff and grid teams…")
        people = create_people(regions, orgs, seed)
        _say(stdout, "字典 code tables…")
        n_codes = codes_seed.seed_codes()  # usually 0: migrate seeds them already
    geo.invalidate()
    levels = Counter(r.level for r in regions.values())
    by_type = Counter(o.org_type for o in orgs.values())
    kuiwen_grids = [r for r in regions.values() if r.level == "grid" and r.code.startswith(KUIWEN)]
    return {
        "scale": scale,
        "seed": seed,
        "districts": levels["district"],
        "streets": sum(1 for r in regions.values() if r.level == "street" and r.code.startswith(KUIWEN)),
        "communities": sum(1 for r in regions.values() if r.level == "community" and r.code.startswith(KUIWEN)),
        "grids": len(kuiwen_grids),
        "dedicated_grids": sum(1 for r in kuiwen_grids if r.grid_type == "dedicated"),
        "regions_total": len(regions),
        "streets_total": levels["street"],
        "communities_total": levels["community"],
        "grids_total": levels["grid"],
        "organisations": dict(sorted(by_type.items())),
        "stationed_departments": sum(1 for o in orgs.values() if o.org_type == "department" and o.stationed),
        "compounds": n_compounds,
        "users": people["users"],
        "grid_workers": people["grid_workers"],
        "team_members": people["team_members"],
        "code_items_created": n_codes,
        "code_items": CodeItem.objects.count(),
        "accounts": people["accounts"],
    }


def _create_regions(layouts: list[RegionSpec], scale: str) -> dict:
    from shapely.geometry import shape
    from shapely.ops import unary_union

    from zhili.core.models import PREFIX_LENGTH, Region
    from zhili.core.services import centroid

    city_geom = None
    if scale == "city":
        merged = unary_union([shape(d.geometry) for d in layouts])
        city_geom = _round_geojson(merged.__geo_interface__)
    city = Region(code=CITY_CODE, name=CITY_NAME, level="city", geometry=city_geom, is_demo=True,
                  population=sum(d.population or 0 for d in layouts))
    levels: dict[str, list[RegionSpec]] = {"district": [], "street": [], "community": [], "grid": []}
    for d in layouts:
        for spec in walk(d):
            levels[spec.level].append(spec)
    regions: dict[str, Region] = {}
    city.prefix = city.code[: PREFIX_LENGTH["city"]]
    _fill_centroid(city, shape, centroid)
    Region.objects.bulk_create([city])
    regions[city.code] = city
    for level in ("district", "street", "community", "grid"):
        objs = []
        for spec in sorted(levels[level], key=lambda s: s.code):
            obj = Region(code=spec.code, name=spec.name, level=level, parent=regions[spec.parent],
                         prefix=spec.code[: PREFIX_LENGTH[level]], grid_type=spec.grid_type,
                         geometry=spec.geometry, population=spec.population, is_demo=True)
            _fill_centroid(obj, shape, centroid)
            objs.append(obj)
        Region.objects.bulk_create(objs, batch_size=500)
        if objs and objs[0].pk is None:  # a backend that does not return primary keys
            pks = dict(Region.objects.filter(level=level).values_list("code", "pk"))
            for o in objs:
                o.pk = pks[o.code]
        regions.update((o.code, o) for o in objs)
    return regions


def _fill_centroid(obj, shape, centroid) -> None:
    if obj.geometry:
        for k, v in centroid(shape(obj.geometry)).items():
            setattr(obj, k, round(v, 7) if k != "area_km2" else round(v, 4))


def _round_geojson(gj: dict) -> dict:
    def r(x):
        if isinstance(x, (list, tuple)):
            if x and isinstance(x[0], float | int):
                return [round(float(v), 7) for v in x]
            return [r(v) for v in x]
        return x

    return {"type": gj["type"], "coordinates": r(gj["coordinates"])}


def _org(code, name, org_type, region, *, name_en="", parent=None, stationed=False, address="", phone="", order=0):
    from zhili.core.models import Organisation

    return Organisation(code=code, name=name, name_en=name_en, org_type=org_type, region=region,
                        region_code=region.code, parent=parent, stationed=stationed, address=address,
                        phone=phone, order=order)


def _create_organisations(regions: dict, seed: int) -> dict:
    from shapely.geometry import shape

    from zhili.core.models import Organisation

    rng = random.Random(f"{seed}/organisations")
    district = regions[f"{KUIWEN}000000"]
    streets = sorted((r for r in regions.values() if r.level == "street" and r.code.startswith(KUIWEN)), key=lambda r: r.code)
    comms = sorted((r for r in regions.values() if r.level == "community" and r.code.startswith(KUIWEN)), key=lambda r: r.code)

    shapes: dict[str, object] = {}

    def addr(region) -> str:
        """An office somewhere in its region, on the nearest road."""
        if region.code not in shapes:
            shapes[region.code] = shape(region.geometry)
        lon, lat = partition.points_in(shapes[region.code], 1, rng, digits=6)[0]
        road, number = addresses.road_at(lon, lat)
        return f"潍坊市奎文区{road}{number}号"

    def phone() -> str:
        return f"0536-8{rng.randint(0, 999999):06d}"

    hall = "潍坊市奎文区福寿东街 奎文区社会治理服务中心"
    orgs: list[Organisation] = []
    centre = _org("centre", "奎文区群众诉求服务中心", "centre", district,
                  name_en="Kuiwen Public Request Service Centre (social governance service centre)",
                  address=hall, phone="0536-12345")
    orgs.append(centre)
    for i, (code, name, en, stationed) in enumerate(DEPARTMENTS, start=1):
        orgs.append(_org(code, name, "department", district, name_en=en, stationed=stationed, order=i,
                         address=hall if stationed else addr(district), phone=phone()))
    windows = [_org(f"win-{i:02d}", f"{i}号窗口 {zh}", "window", district, name_en=f"Window {i}: {en}",
                    parent=centre, order=i, address=f"{hall} 一楼大厅{i}号窗口")
               for i, (zh, en) in enumerate(WINDOWS, start=1)]
    orgs += windows
    for s in streets:
        orgs.append(_org(f"street-{s.code}", f"{s.name}办事处", "street_office", s, name_en=f"{s.name} street office",
                         address=addr(s), phone=phone(), order=int(s.code[6:9])))
    for c in comms:
        orgs.append(_org(f"comm-{c.code}", f"{c.name}居民委员会", "community_office", c,
                         name_en=f"{c.name} residents' committee", address=addr(c), phone=phone(), order=int(c.code[9:])))
    # red property management: one community company per community, two with a second one
    company_of: dict[str, list[Organisation]] = {}
    doubles = set(rng.sample(range(len(comms)), N_PROPERTY_COMPANIES - len(comms)))
    k = 0
    for i, c in enumerate(comms):
        stem = c.name.removesuffix("社区")
        names = [f"潍坊{stem}社区物业服务有限公司"] + ([f"潍坊{stem}红管家物业服务有限公司"] if i in doubles else [])
        for name in names:
            k += 1
            o = _org(f"prop-{k:02d}", name, "property_company", c, name_en=f"{stem} community property services Co.",
                     address=addr(c), phone=phone(), order=k)
            company_of.setdefault(c.code, []).append(o)
            orgs.append(o)
    # 19 property service stations, two or three per street
    per_street = allocate(N_STATIONS, len(streets), rng, 2, 0.1)
    k = 0
    for s, n in zip(streets, per_street, strict=True):
        in_street = [c for c in comms if c.code.startswith(s.code[:9])]
        for c in sorted(rng.sample(in_street, n), key=lambda r: r.code):
            k += 1
            orgs.append(_org(f"pss-{k:02d}", f"{c.name}物业服务站", "service_station", c, parent=company_of[c.code][0],
                             name_en=f"{c.name} property service station", address=addr(c), order=k))
    # legal aid on four levels: district centre, street stations, community points (grids: the grid worker)
    la_centre = _org("la-district", "奎文区法律援助中心", "legal_aid_site", district, name_en="Kuiwen Legal Aid Centre",
                     address=addr(district), phone="0536-12348")
    orgs.append(la_centre)
    la_street = {}
    for s in streets:
        o = _org(f"la-{s.code}", f"{s.name}法律援助工作站", "legal_aid_site", s, parent=la_centre,
                 name_en=f"{s.name} legal-aid station", address=addr(s), order=int(s.code[6:9]))
        la_street[s.code] = o
        orgs.append(o)
    for c in comms:
        orgs.append(_org(f"la-{c.code}", f"{c.name}法律援助联系点", "legal_aid_site", c, parent=la_street[c.code[:9] + "000"],
                         name_en=f"{c.name} legal-aid contact point", address=addr(c), order=int(c.code[9:])))
    # mediation: district committee and professional committees, street committees, community committees
    med = _org("med-district", "奎文区人民调解委员会", "mediation_committee", district,
               name_en="Kuiwen People's Mediation Committee", address=hall)
    orgs.append(med)
    for code, name, en in [("med-medical", "奎文区医疗纠纷人民调解委员会", "Medical disputes mediation committee"),
                           ("med-property", "奎文区物业纠纷人民调解委员会", "Property disputes mediation committee"),
                           ("med-traffic", "奎文区道路交通事故纠纷人民调解委员会", "Traffic accident mediation committee"),
                           ("med-labour", "奎文区劳动争议调解中心", "Labour dispute mediation centre"),
                           ("med-legal", "奎文区涉法案件调解队伍", "Legal-case mediation team")]:
        orgs.append(_org(code, name, "mediation_committee", district, name_en=en, parent=med, address=hall))
    med_street = {}
    for s in streets:
        o = _org(f"med-{s.code}", f"{s.name}人民调解委员会", "mediation_committee", s, parent=med,
                 name_en=f"{s.name} mediation committee", address=f"{s.name}“和为贵”调解室")
        med_street[s.code] = o
        orgs.append(o)
    for c in comms:
        orgs.append(_org(f"med-{c.code}", f"{c.name}人民调解委员会", "mediation_committee", c,
                         parent=med_street[c.code[:9] + "000"], name_en=f"{c.name} mediation committee",
                         address=f"{c.name}“和为贵”调解室"))
    orgs.append(_org("team-probono", "奎文区涉法涉诉案件评查化解公益法律服务团", "other", district,
                     name_en="Pro-bono legal service group for law-related petitions", parent=None, address=hall))
    # parents first: top-level rows, then children
    top = [o for o in orgs if o.parent is None]
    Organisation.objects.bulk_create(top)
    for _level in range(3):  # the deepest chain: legal-aid centre → street station → community point
        kids = [o for o in orgs if o.parent is not None and o.pk is None and o.parent.pk is not None]
        if not kids:
            break
        for o in kids:
            o.parent_id = o.parent.pk
        Organisation.objects.bulk_create(kids)
    if any(o.pk is None for o in orgs):  # a backend that does not return primary keys
        raise DemoError("the database backend did not return primary keys from bulk_create")
    return {o.code: o for o in orgs}


def _create_compounds(regions: dict, orgs: dict, seed: int) -> int:
    from shapely.geometry import shape

    from zhili.core.geo import GridIndex
    from zhili.core.models import Compound

    rng = random.Random(f"{seed}/compounds")
    comms = sorted((r for r in regions.values() if r.level == "community" and r.code.startswith(KUIWEN)), key=lambda r: r.code)
    grids_of: dict[str, list] = {}
    for r in regions.values():
        if r.level == "grid" and r.code.startswith(KUIWEN):
            grids_of.setdefault(r.parent.code, []).append(r)
    weights = [len([g for g in grids_of[c.code] if g.grid_type == "basic"]) for c in comms]
    counts = _allocate_weighted(N_COMPOUNDS, weights)
    companies: dict[str, list] = {}
    for o in orgs.values():
        if o.org_type == "property_company":
            companies.setdefault(o.region.code, []).append(o)
    names_used: set[str] = set()
    shapes: dict[str, object] = {}
    rows = []
    for c, n in zip(comms, counts, strict=True):
        basic = sorted((g for g in grids_of[c.code] if g.grid_type == "basic"), key=lambda g: g.code)
        for _ in range(n):
            grid = rng.choice(basic)
            if grid.code not in shapes:
                shapes[grid.code] = shape(grid.geometry)
            lon, lat = partition.points_in(shapes[grid.code], 1, rng, digits=6)[0]
            old = rng.random() < 0.7  # 红色物业 covers the old compounds first
            rows.append(Compound(
                name=_compound_name(rng, c.name.removesuffix("社区"), names_used, old),
                community=c, property_company=rng.choice(companies[c.code]),
                households=rng.randint(48, 420) if old else rng.randint(200, 1400),
                built_year=rng.randint(1982, 2004) if old else rng.randint(2005, 2022),
                lon=lon, lat=lat))
    index = GridIndex.build([(g.code, g.geometry) for g in regions.values() if g.level == "grid" and g.code.startswith(KUIWEN)])
    found = index.locate_many([r.lon for r in rows], [r.lat for r in rows])
    for row, code in zip(rows, found, strict=True):
        row.grid = regions[code] if code else None
        row.region_code = (row.grid or row.community).code
    Compound.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _allocate_weighted(total: int, weights: list[int]) -> list[int]:
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _compound_name(rng: random.Random, stem: str, used: set[str], old: bool) -> str:
    for _ in range(50):
        r = rng.random()
        if old and r < 0.4:
            name = f"{rng.choice(DANWEI)}宿舍" + (f"{rng.randint(1, 6)}号院" if rng.random() < 0.5 else "")
        elif r < 0.7:
            name = f"{stem}{rng.choice(COMPOUND_HEADS)}"
        else:
            name = f"{rng.choice(COMMUNITY_STEMS)}{rng.choice(COMPOUND_HEADS)}"
        if rng.random() < 0.25:
            name += rng.choice(["东区", "西区", "南区", "北区", "一期", "二期"])
        if name not in used:
            used.add(name)
            return name
    name = f"{stem}小区{len(used) + 1}"
    used.add(name)
    return name
