"""Factories for tests: a small two-street district with real polygons, and one account per role."""

from __future__ import annotations

import itertools

import pytest

from zhili.core.models import Organisation, Region, User

_seq = itertools.count(1)


def square(lon0: float, lat0: float, size: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon0 + size, lat0], [lon0 + size, lat0 + size],
                                                [lon0, lat0 + size], [lon0, lat0]]]}


def make_region(code: str, name: str, level: str, parent: Region | None = None, geometry: dict | None = None,
                grid_type: str = "") -> Region:
    return Region.objects.create(code=code, name=name, level=level, parent=parent, geometry=geometry,
                                 grid_type=grid_type or ("basic" if level == "grid" else ""))


def make_user(role: str, region: Region, organisation: Organisation | None = None, username: str | None = None,
              password: str = "pass-Word-123") -> User:
    u = User(username=username or f"{role}{next(_seq)}", role=role, region=region, organisation=organisation,
             display_name=f"测试{role}")
    u.set_password(password)
    u.save()
    return u


@pytest.fixture
def district(db):
    """370705 with streets 001 (two communities, two grids each) and 002 (one community, one grid).

    Grids are 0.01° squares: street 001 spans lon 119.10–119.14, street 002 lon 119.14–119.15.
    """
    d = make_region("370705000000", "奎文区", "district")
    s1 = make_region("370705001000", "东关街道", "street", d, square(119.10, 36.70, 0.04) | {
        "coordinates": [[[119.10, 36.70], [119.14, 36.70], [119.14, 36.71], [119.10, 36.71], [119.10, 36.70]]]})
    s2 = make_region("370705002000", "大虞街道", "street", d)
    c11 = make_region("370705001001", "第一社区", "community", s1,
                      {"type": "Polygon", "coordinates": [[[119.10, 36.70], [119.12, 36.70], [119.12, 36.71], [119.10, 36.71], [119.10, 36.70]]]})
    c12 = make_region("370705001002", "第二社区", "community", s1,
                      {"type": "Polygon", "coordinates": [[[119.12, 36.70], [119.14, 36.70], [119.14, 36.71], [119.12, 36.71], [119.12, 36.70]]]})
    c21 = make_region("370705002001", "第三社区", "community", s2)
    grids = {
        "g111": make_region("370705001001001", "网格111", "grid", c11, square(119.10, 36.70)),
        "g112": make_region("370705001001002", "网格112", "grid", c11, square(119.11, 36.70)),
        "g121": make_region("370705001002001", "网格121", "grid", c12, square(119.12, 36.70)),
        "g122": make_region("370705001002002", "网格122", "grid", c12, square(119.13, 36.70)),
        "g211": make_region("370705002001001", "网格211", "grid", c21, square(119.14, 36.70)),
    }
    return {"district": d, "s1": s1, "s2": s2, "c11": c11, "c12": c12, "c21": c21, **grids}


@pytest.fixture
def users(district):
    """One account per role; region-bound roles sit in street 001 or below."""
    from zhili.core.policy import ROLES

    home = {
        "street_staff": district["s1"], "community_staff": district["c11"],
        "grid_instructor": district["g111"], "grid_leader": district["g111"], "grid_worker": district["g111"],
        "grid_dept_staff": district["g111"], "grid_helper": district["g111"],
    }
    return {role: make_user(role, home.get(role, district["district"]), username=role) for role in ROLES}


@pytest.fixture
def hall(district):
    """The service hall's units: the centre, window 3, 住建局 and 公安分局 (stationed), a mediation committee."""
    d = district["district"]
    centre = Organisation.objects.create(code="centre", name="群众诉求服务中心", org_type="centre", region=d)
    return {
        "centre": centre,
        "window": Organisation.objects.create(code="win-03", name="3号窗口", org_type="window", region=d, parent=centre),
        "zjj": Organisation.objects.create(code="dept-zjj", name="住建局", org_type="department", region=d, stationed=True),
        "gaj": Organisation.objects.create(code="dept-gaj", name="公安分局", org_type="department", region=d, stationed=True),
        "rsj": Organisation.objects.create(code="dept-rsj", name="人社局", org_type="department", region=d, stationed=True),
        "committee": Organisation.objects.create(code="med-s1", name="东关街道人民调解委员会", org_type="mediation_committee",
                                                 region=district["s1"]),
        "s1_office": Organisation.objects.create(code="so-1", name="东关街道办事处", org_type="street_office", region=district["s1"]),
    }


@pytest.fixture
def staff(district, hall):
    """Case-handling staff bound to their units."""
    d = district["district"]
    return {
        "clerk": make_user("window_clerk", d, hall["window"], username="clerk"),
        "admin": make_user("centre_admin", d, hall["centre"], username="zfw"),
        "zjj": make_user("dept_handler", d, hall["zjj"], username="zjj_handler"),
        "zjj_head": make_user("dept_head", d, hall["zjj"], username="zjj_head"),
        "gaj": make_user("dept_handler", d, hall["gaj"], username="gaj_handler"),
        "rsj": make_user("dept_handler", d, hall["rsj"], username="rsj_handler"),
        "street": make_user("street_staff", district["s1"], hall["s1_office"], username="s1"),
        "street2": make_user("street_staff", district["s2"], username="s2"),
        "grid": make_user("grid_worker", district["g111"], username="gw111"),
        "mediator": make_user("mediator", district["s1"], hall["committee"], username="med"),
        "leader": make_user("leader", d, username="boss"),
    }


@pytest.fixture
def categories(db):
    from zhili.core.models import CodeItem

    root = CodeItem.objects.create(type="case_category", code="T", label="矛盾纠纷", label_en="Disputes")
    return {
        "root": root,
        "neighbour": CodeItem.objects.create(type="case_category", code="T.neighbour", label="邻里纠纷", label_en="Neighbours", parent=root),
        "wages": CodeItem.objects.create(type="case_category", code="T.wages", label="拖欠工资", label_en="Unpaid wages", parent=root),
        "leak": CodeItem.objects.create(type="case_category", code="L.leak", label="房屋漏水", label_en="Leaking roof"),
    }


def pytest_collection_modifyitems(config, items):
    """`slow` tests (city-scale builds, a real server) run unless ZHILI_FAST=1 is set."""
    import os

    if os.environ.get("ZHILI_FAST"):
        skip = pytest.mark.skip(reason="ZHILI_FAST=1 skips slow tests")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def browser():
    """Debian's chromium through playwright; skips cleanly where either is missing."""
    from pathlib import Path

    from browserkit import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


_anchors = itertools.count(1)


@pytest.fixture(autouse=True)
def _audit_anchor(settings):
    """Each test its own audit anchor file: a test that commits (transaction=True) anchors rows that the
    next test's fresh database does not have."""
    settings.ZHILI_AUDIT_ANCHOR = str(settings.HOME / f"audit-anchor-{next(_anchors)}.log")
