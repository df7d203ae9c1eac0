"""The demo district: counts from the Kuiwen article, valid tiling boundaries, teams, accounts,
determinism, and the code tables."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter

import pytest
import shapely
from django.contrib.auth import authenticate
from django.test import RequestFactory
from shapely.geometry import Point, shape

from zhili.core import codes_seed, geo, validation
from zhili.core.models import PREFIX_LENGTH, CodeItem, Compound, GridTeamMember, Organisation, Region, User
from zhili.core.policy import PERMISSIONS, ROLES
from zhili.demo import district as demo


def wipe() -> None:
    """Delete everything the demo creates (the tests build into an otherwise empty database).
    Code tables too: migrate seeds them, the demo build must seed them into an empty table."""
    GridTeamMember.objects.all().delete()
    User.objects.all().delete()
    Compound.objects.all().delete()
    Organisation.objects.update(parent=None)
    Organisation.objects.all().delete()
    CodeItem.objects.update(parent=None)
    CodeItem.objects.all().delete()
    Region.objects.update(parent=None)
    Region.objects.all().delete()
    geo.invalidate()


def digest() -> str:
    """A hash of everything the demo builds, by natural keys (no primary keys, passwords or timestamps)."""
    h = hashlib.sha256()

    def feed(rows):
        for row in rows:
            h.update(json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode())
            h.update(b"\n")

    feed(Region.objects.order_by("code").values_list(
        "code", "name", "level", "parent__code", "prefix", "grid_type", "geometry", "centroid_lon",
        "centroid_lat", "area_km2", "population", "is_demo"))
    feed(Organisation.objects.order_by("code").values_list(
        "code", "name", "name_en", "org_type", "parent__code", "region__code", "region_code", "stationed",
        "address", "phone", "order", "active"))
    feed(Compound.objects.order_by("region_code", "name", "lon", "lat").values_list(
        "name", "community__code", "grid__code", "region_code", "property_company__code", "households",
        "built_year", "lon", "lat"))
    feed(User.objects.order_by("username").values_list(
        "username", "role", "display_name", "organisation__code", "region__code", "is_staff", "is_active",
        "must_change_password", "date_joined"))
    feed(GridTeamMember.objects.order_by("grid__code", "user__username", "post").values_list(
        "grid__code", "region_code", "user__username", "post"))
    feed(CodeItem.objects.order_by("type", "code").values_list(
        "type", "code", "label", "label_en", "parent__code", "source", "order", "active"))
    return h.hexdigest()


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The Kuiwen demo, built once for this module and removed afterwards."""
    with django_db_blocker.unblock():
        wipe()
        result = demo.build_demo(seed=2026)
        yield {"result": result, "digest": digest()}
        wipe()
        codes_seed.seed_codes()  # as migrate left them, for the modules that follow


def _shapes(level: str) -> dict:
    return {code: shape(g) for code, g in Region.objects.filter(level=level).values_list("code", "geometry")}


def test_counts_follow_the_article(built, db):
    r = built["result"]
    streets = list(Region.objects.filter(level="street").order_by("code").values_list("code", "name"))
    assert [n for _, n in streets] == demo.KUIWEN_STREETS
    assert [c for c, _ in streets] == [f"370705{i:03d}000" for i in range(1, 9)]
    assert Region.objects.get(code="370700000000").level == "city"
    assert Region.objects.get(code="370705000000").parent.code == "370700000000"
    assert Region.objects.filter(level="community").count() == r["communities"] == 65
    assert Region.objects.filter(level="grid").count() == r["grids"] == 408
    assert not Region.objects.filter(is_demo=False).exists()
    dedicated = Region.objects.filter(level="grid", grid_type="dedicated")
    assert 0 < dedicated.count() < 408 and all(g.code[12] == "9" for g in dedicated)
    assert Region.objects.filter(level="grid", grid_type="basic").count() == 408 - dedicated.count()

    assert Organisation.objects.filter(org_type="department", stationed=True).count() == 15
    assert Organisation.objects.filter(org_type="department", stationed=False).exists()
    windows = Organisation.objects.filter(org_type="window")
    assert windows.count() == 18 and {w.parent.code for w in windows} == {"centre"}
    assert Organisation.objects.filter(org_type="property_company").count() == 67
    assert Organisation.objects.filter(org_type="service_station").count() == 19
    assert Organisation.objects.filter(org_type="street_office").count() == 8
    assert Organisation.objects.filter(org_type="community_office").count() == 65
    levels = Counter(o.region.level for o in Organisation.objects.filter(org_type="legal_aid_site").select_related("region"))
    assert levels == {"district": 1, "street": 8, "community": 65}
    assert Organisation.objects.filter(org_type="mediation_committee", region__level="street").count() == 8
    assert Compound.objects.count() == r["compounds"] == 726
    assert User.objects.filter(role="grid_worker").count() == r["grid_workers"] == 408
    assert User.objects.count() == r["users"]
    assert GridTeamMember.objects.count() == r["team_members"]
    assert r["organisations"]["window"] == 18 and r["stationed_departments"] == 15


def test_every_role_has_a_working_demo_account(built, db):
    accounts = built["result"]["accounts"]
    assert sorted(a["role"] for a in accounts) == sorted(ROLES)
    assert {a["username"] for a in accounts} == set(demo.DEMO_ACCOUNTS)
    request = RequestFactory().post("/login/")
    for a in accounts:
        user = authenticate(request, username=a["username"], password=a["password"])
        assert user is not None, a["username"]
        assert user.role == a["role"] and user.region.code == a["scope"]
        assert not user.must_change_password
        assert user.is_staff == (user.role in PERMISSIONS["admin.enter"])  # what User.save computes
    assert User.objects.get(username="clerk").organisation.code == "win-03"
    assert User.objects.get(username="handler").organisation.code == "dept-zjj"
    assert User.objects.get(username="street").region.code == "370705001000"
    assert User.objects.get(username="gridworker").region.code == "370705001001001"
    # the bulk accounts cannot log in until someone sets a password
    others = User.objects.exclude(username__in=demo.DEMO_ACCOUNTS)
    assert others.exists() and not any(u.has_usable_password() for u in others[:50])


def test_reset_demo_passwords(built, db):
    old = {a["username"]: a["password"] for a in built["result"]["accounts"]}
    new = demo.reset_demo_passwords()
    assert {a["username"] for a in new} == set(demo.DEMO_ACCOUNTS)
    request = RequestFactory().post("/login/")
    for a in new[:3]:
        assert a["password"] != old[a["username"]]
        assert authenticate(request, username=a["username"], password=a["password"]) is not None
        assert not User.objects.get(username=a["username"]).check_password(old[a["username"]])


def test_boundaries_tile_the_district(built, db):
    levels = {lvl: _shapes(lvl) for lvl in ("district", "street", "community", "grid")}
    for lvl in ("district", "street", "community", "grid"):
        for code, g in Region.objects.filter(level=lvl).values_list("code", "geometry"):
            geom, errors = validation.check_geometry(g, code)
            assert not errors, errors
        assert validation.check_overlaps(sorted(levels[lvl].items())) == []
        # neighbours share edges vertex for vertex (no gaps, no T-junctions)
        assert bool(shapely.coverage_is_valid(list(levels[lvl].values())))
    parents = dict(Region.objects.filter(level__in=["street", "community", "grid"]).values_list("code", "parent__code"))
    for child, above in [("street", "district"), ("community", "street"), ("grid", "community")]:
        for code, geom in levels[child].items():
            p = parents[code]
            assert validation.check_inside(code, geom, p, levels[above][p]) == []
        # the children cover their parent
        union = shapely.union_all(list(levels[child].values()))
        assert union.symmetric_difference(levels["district"]["370705000000"]).area < 1e-10
    x0, y0, x1, y1 = levels["district"]["370705000000"].bounds
    assert (round(x0, 6), round(y0, 6), round(x1, 6), round(y1, 6)) == demo.KUIWEN_BOX


def test_derived_fields_set_without_save(built, db):
    for r in Region.objects.all():
        assert r.prefix == r.code[: PREFIX_LENGTH[r.level]]
        if r.geometry:
            assert r.area_km2 > 0 and shape(r.geometry).covers(Point(r.centroid_lon, r.centroid_lat))
    for o in Organisation.objects.select_related("region"):
        assert o.region_code == o.region.code
    for m in GridTeamMember.objects.select_related("grid"):
        assert m.region_code == m.grid.code
    grids = _shapes("grid")
    for c in Compound.objects.select_related("grid", "community", "property_company__region"):
        assert c.grid is not None and c.region_code == c.grid.code
        assert c.grid.parent_id == c.community_id
        assert grids[c.grid.code].covers(Point(c.lon, c.lat))
        assert c.property_company.region.code == c.community.code
        assert c.households > 0 and 1980 <= c.built_year <= 2025
    area = sum(Region.objects.filter(level="grid").values_list("area_km2", flat=True))
    assert 140 < area < 200  # km², the whole district is 187.78 km²


#: an address the demo writes: a road, a house number, and perhaps a compound's building
ADDRESS = re.compile(r"^(?P<road>\S+?(街|路)) (?P<no>\d+)号( (?P<compound>\S+) (?P<building>\d+)号楼)?$")


def _grid_index():
    return geo.GridIndex.build(list(Region.objects.filter(level="grid").values_list("code", "geometry")))


def test_organisations_have_road_addresses(built, db):
    for name, address in Organisation.objects.values_list("name", "address"):
        assert "网格" not in address, (name, address)
    for o in Organisation.objects.filter(org_type__in=["street_office", "community_office", "property_company",
                                                       "service_station"]):
        assert re.fullmatch(r"潍坊市奎文区\S+?(街|路)\d+号", o.address), (o.name, o.address)


def test_demo_cases_have_real_looking_addresses_inside_their_grids(built, db):
    from zhili.cases.models import Case
    from zhili.core.calendar import SHANGHAI
    from zhili.demo.cases import generate_cases
    from zhili.demo.district import addresses

    generate_cases(400, seed=5, end=dt.datetime(2026, 11, 26, tzinfo=SHANGHAI))
    rows = list(Case.objects.values_list("address", "lon", "lat", "region_code", "grid__code"))
    assert len(rows) == 400
    compounds = set(Compound.objects.values_list("grid__code", "name"))
    in_compound = 0
    for address, lon, lat, code, grid in rows:
        assert "网格" not in address
        m = ADDRESS.match(address)
        assert m, address
        assert grid == code
        if m["compound"]:
            in_compound += 1
            assert (code, m["compound"]) in compounds, address  # a compound of the case's grid
        else:
            assert address == addresses.street_address(lon, lat)  # the road and number of its point
    assert in_compound > 200
    gates: dict[str, set] = {}
    for address, *_ in rows:
        m = ADDRESS.match(address)
        if m["compound"]:
            gates.setdefault(m["compound"], set()).add((m["road"], m["no"]))
    assert all(len(g) == 1 for g in gates.values())  # a compound's buildings share its gate's number
    assert Counter(a for a, *_ in rows).most_common(1)[0][1] > 1  # some places come up again
    # the point-in-grid index finds each case's own grid: every point is inside the real outline
    found = _grid_index().locate_many([r[1] for r in rows], [r[2] for r in rows])
    assert found == [r[3] for r in rows]


def test_bulk_places_lie_inside_their_grids(built, db):
    import random

    from zhili.demo.bulk import lookups

    grids = list(Region.objects.filter(level="grid").order_by("code").values_list("code", flat=True))
    places = lookups.points(random.Random(1), "370705")
    assert len(places) == len(grids) * lookups.POINTS_PER_GRID
    found = _grid_index().locate_many([p[2] / 1e6 for p in places], [p[3] / 1e6 for p in places])
    assert found == [grids[p[0]] for p in places]
    per_grid: dict[int, set] = {}
    for p in places:
        assert "网格" not in p[5] and ADDRESS.match(p[5]) and ADDRESS.match(p[5])["building"], p[5]
        per_grid.setdefault(p[0], set()).add(p[5])
    assert {len(a) for a in per_grid.values()} == {lookups.BUILDINGS_PER_GRID}


def test_grid_teams_are_1_2_n_x(built, db):
    posts: dict[str, Counter] = {}
    for grid_code, post, role in GridTeamMember.objects.values_list("grid__code", "post", "user__role"):
        posts.setdefault(grid_code, Counter())[post] += 1
        assert role == {"instructor": "grid_instructor", "leader": "grid_leader", "worker": "grid_worker",
                        "dept_staff": "grid_dept_staff", "helper": "grid_helper"}[post]
    assert len(posts) == 408
    for code, c in posts.items():
        assert c["instructor"] == c["leader"] == c["worker"] == 1, code
        assert 1 <= c["dept_staff"] <= 3 and 2 <= c["helper"] <= 5, code
    for u in User.objects.filter(role="grid_worker").select_related("region"):
        assert u.region.level == "grid"
    assert GridTeamMember.objects.filter(user__username="gridworker", post="worker").count() == 1
    assert GridTeamMember.objects.filter(user__username="instructor").count() >= 1
    # one instructor may instruct several grids
    assert GridTeamMember.objects.filter(post="instructor").values("user").distinct().count() < 408


def test_build_refuses_a_database_with_regions(built, db):
    with pytest.raises(demo.DemoError):
        demo.build_demo()


def test_deterministic_for_a_seed(built, db):
    wipe()
    demo.build_demo(seed=2026)
    assert digest() == built["digest"]
    wipe()
    demo.build_demo(seed=2027)
    assert digest() != built["digest"]


def test_layout_is_pure_and_deterministic():
    a, b, c = demo.kuiwen_layout(5), demo.kuiwen_layout(5), demo.kuiwen_layout(6)
    assert [(s.code, s.name, s.geometry) for s in demo.walk(a)] == [(s.code, s.name, s.geometry) for s in demo.walk(b)]
    assert [s.geometry for s in demo.walk(a)] != [s.geometry for s in demo.walk(c)]


def test_code_tables_seeded(built, db):
    entries = list(codes_seed.entries())
    assert CodeItem.objects.count() == len(entries) == built["result"]["code_items"]
    assert built["result"]["code_items_created"] == len(entries)  # built into an empty table
    count = Counter(CodeItem.objects.values_list("type", flat=True))
    assert count["dispute_category"] == 18
    assert CodeItem.objects.filter(type="grid_task_category", parent=None).count() == 7
    assert CodeItem.objects.filter(type="grid_task_category", parent__isnull=False).count() == 42
    assert set(CodeItem.objects.filter(type="mental_risk_level").values_list("code", flat=True)) == set("012345")
    assert set(CodeItem.objects.filter(type="city_component_class", parent__code="01").values_list("code", flat=True)) >= {"0101", "0102"}
    assert CodeItem.objects.get(type="case_category", code="dispute.neighbour").parent.code == "dispute"
    assert CodeItem.objects.filter(type="case_category", parent__parent__isnull=False).exists()  # three levels
    for t in ("request_type", "case_channel", "case_tier", "urgency", "satisfaction", "supervision_measure",
              "whistle_type", "grid_duty", "special_population", "correction_category", "correction_termination",
              "mental_diagnosis", "key_youth_type", "resolution_method", "event_scale", "city_event_class"):
        assert count[t] > 0, t
    for item in CodeItem.objects.select_related("parent"):
        assert item.label and item.label_en and item.source, item
        assert any(tag in item.source for tag in ("[V", "[P", "[U")), item.source
        if item.parent:
            assert item.parent.type == item.type
            assert item.parent.pk < item.pk  # parents inserted before their children


def test_seed_codes_is_idempotent_and_keeps_edits(built, db):
    assert codes_seed.seed_codes() == 0
    item = CodeItem.objects.get(type="dispute_category", code="neighbour")
    item.label = "邻里纠纷（管理员改）"
    item.save()
    CodeItem.objects.filter(type="urgency", code="emergency").delete()
    assert codes_seed.seed_codes() == 1
    assert CodeItem.objects.get(pk=item.pk).label == "邻里纠纷（管理员改）"
    assert codes_seed.seed_codes(update=True) == 0
    assert CodeItem.objects.get(pk=item.pk).label == "邻里"


def test_seed_codes_into_empty_table(db):
    CodeItem.objects.update(parent=None)
    CodeItem.objects.all().delete()
    assert codes_seed.seed_codes() == len(list(codes_seed.entries()))
    assert codes_seed.seed_codes() == 0


@pytest.mark.slow
def test_city_scale(db, request):
    """About 5,000 grids in twelve districts, none overlapping (skipped with ZHILI_FAST=1)."""
    wipe()
    r = demo.build_demo("city", seed=2026)
    assert r["districts"] == 12 and r["grids"] == 408
    assert 4500 <= r["grids_total"] <= 5500
    assert Region.objects.get(code="370700000000").geometry is not None
    grids = sorted(_shapes("grid").items())
    assert len(grids) == r["grids_total"]
    assert validation.check_overlaps(grids) == []
    for code, g in Region.objects.filter(geometry__isnull=False).values_list("code", "geometry"):
        assert not validation.check_geometry(g, code)[1], code
    districts = _shapes("district")
    assert validation.check_overlaps(sorted(districts.items())) == []
    idx = geo.GridIndex.build(list(Region.objects.filter(level="grid").values_list("code", "geometry")))
    for code, g in grids[::250]:
        p = g.representative_point()
        assert idx.locate(p.x, p.y) == code
