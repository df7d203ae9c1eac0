"""The back office keeps to the account's data scope (#13 items 2 and 7).

Every registered ModelAdmin is walked as every role that enters the back office, from street 001:
(a) its changelist does not list street 002's rows, (b) a row of street 002 by id is a 404/403,
(c) no form offers or accepts a foreign key into street 002 (the raw-id box is checked on the
server: a form error, nothing stored), (d) a filter it does not declare — ``?name__startswith=`` on a
masked name — is refused (400), never answered with rows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from adminkit import form_values
from conftest import make_user
from django.contrib import admin
from django.db import models
from django.test import Client

from zhili.core.models import CodeItem, Compound, GridTeamMember, Organisation, Region, Resident
from zhili.core.policy import PERMISSIONS

pytestmark = pytest.mark.django_db

BACK_OFFICE_ROLES = sorted(PERMISSIONS["admin.enter"])
MASKED = {"name", "phone", "id_number", "address", "phone_index", "id_index"}


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def url(model, action="changelist", *args):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/" + {
        "changelist": "", "add": "add/", "change": "{}/change/"}[action].format(*args)


@pytest.fixture
def world(district, hall):
    """Rows of both streets; ``other`` maps each model to its rows in street 002 (outside the actors' scope)."""
    from zhili.core import audit
    from zhili.core.models import User
    from zhili.insight.models import Report, Warning, WarningRule

    s2_office = Organisation.objects.create(code="so-2", name="大虞街道办事处", org_type="street_office", region=district["s2"])
    s2_company = Organisation.objects.create(code="pc-2", name="大虞物业", org_type="property_company", region=district["s2"])
    s2_user = make_user("grid_worker", district["g211"], username="gw211")
    rule = WarningRule.objects.create(code="r1", name="规则", kind="overdue")
    other = {
        Region: [district["s2"], district["c21"], district["g211"]],
        Organisation: [s2_office, s2_company],
        Compound: [Compound.objects.create(name="大虞小区", community=district["c21"], grid=district["g211"])],
        User: [s2_user],
        GridTeamMember: [GridTeamMember.objects.create(grid=district["g211"], user=s2_user, post="worker")],
        Resident: [Resident.objects.create(name="王小明", phone="13900000002", region_code=district["c21"].code)],
        Warning: [Warning.objects.create(rule=rule, level="yellow", key="k2", title="大虞预警", reason="r",
                                         region_code=district["s2"].code)],
        Report: [Report.objects.create(region=district["s2"], period_start=dt.date(2026, 1, 1),
                                       period_end=dt.date(2026, 1, 31), file="reports/s2.docx")],
    }
    own = {
        Compound: Compound.objects.create(name="东关小区", community=district["c11"], grid=district["g111"]),
        Resident: Resident.objects.create(name="李四", phone="13900000001", region_code=district["c11"].code),
        Warning: Warning.objects.create(rule=rule, level="yellow", key="k1", title="东关预警", reason="r",
                                        region_code=district["g111"].code),
    }
    audit.record(None, "test.seed", district["s2"])
    CodeItem.objects.create(type="case_category", code="T", label="矛盾纠纷")
    return {"other": other, "own": own, "rule": rule, **district, **hall}


@pytest.fixture
def actors(district):
    """One account per back-office role, scoped to street 001 (the community staff to community 001001)."""
    home = {"community_staff": district["c11"]}
    return {role: make_user(role, home.get(role, district["s1"]), username=f"s1_{role}") for role in BACK_OFFICE_ROLES}


def form_of(model_admin, user, obj=None):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return model_admin.get_form(request, obj, change=obj is not None)()


@pytest.mark.parametrize("role", BACK_OFFICE_ROLES)
def test_every_back_office_model_keeps_to_the_scope(role, actors, world):
    actor = actors[role]
    c = login(actor)
    other = world["other"]
    reached = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        outside = other.get(model, [])
        # (a) the changelist: none of street 002's rows
        r = c.get(url(model))
        assert r.status_code in (200, 403), (label, r.status_code)
        if r.status_code == 200:
            reached.append(model)
            listed = set(r.context["cl"].queryset.values_list("pk", flat=True))
            assert not {o.pk for o in outside} & listed, (role, label)
        # (b) street 002's rows by id
        for o in outside:
            assert c.get(url(model, "change", o.pk)).status_code in (403, 404), (role, label, o)
        # (c) no foreign key into street 002 is offered or accepted
        if model_admin.has_add_permission(_request(actor)) or model_admin.has_change_permission(_request(actor)):
            form = form_of(model_admin, actor)
            for name, field in form.fields.items():
                target = getattr(getattr(field, "queryset", None), "model", None)
                for o in other.get(target, []):
                    assert not field.queryset.filter(pk=o.pk).exists(), (role, label, name, o)
                    if model_admin.has_add_permission(_request(actor)):
                        before = model.objects.count()
                        page = c.post(url(model, "add"), {name: str(o.pk)})
                        assert page.status_code == 200 and name in page.context["adminform"].form.errors, (role, label, name)
                        assert model.objects.count() == before
        # (d) an undeclared lookup on a masked field: refused, not answered
        if r.status_code == 200:
            for f in model._meta.concrete_fields:
                if f.name in MASKED and not isinstance(f, models.ForeignKey):
                    assert c.get(url(model) + f"?{f.name}__startswith=1").status_code == 400, (role, label, f.name)
                    assert c.get(url(model) + f"?{f.name}__startswith=李").status_code == 400, (role, label, f.name)
    # not a walk through closed doors only
    assert reached, role


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_walk_reaches_every_scoped_model(actors, world):
    """Each model with rows in street 002 is listed to at least one of the back-office roles, and the
    actor sees his own street's rows there (the walk is not vacuous)."""
    seen = set()
    for role in BACK_OFFICE_ROLES:
        c = login(actors[role])
        for model in world["other"]:
            r = c.get(url(model))
            if r.status_code == 200:
                seen.add(model)
                own = world["own"].get(model)
                if own is not None:
                    assert own.pk in set(r.context["cl"].queryset.values_list("pk", flat=True)), (role, model)
    assert seen == set(world["other"])


def test_a_street_cannot_create_or_move_a_compound_into_another_street(actors, world):
    c = login(actors["street_staff"])
    data = {"name": "新小区", "community": world["c21"].pk, "grid": world["g211"].pk, "households": "100"}
    r = c.post("/admin/core/compound/add/", data)
    assert r.status_code == 200 and {"community", "grid"} <= set(r.context["adminform"].form.errors)
    assert "第三社区" not in r.content.decode() and "网格211" not in r.content.decode()  # the typed id is not named
    assert not Compound.objects.filter(name="新小区").exists()
    own = world["own"][Compound]
    page = c.get(f"/admin/core/compound/{own.pk}/change/")
    moved = form_values(page.content.decode()) | {"community": str(world["c21"].pk), "grid": ""}
    r = c.post(f"/admin/core/compound/{own.pk}/change/", moved)
    assert r.status_code == 200 and "community" in r.context["adminform"].form.errors
    assert c.post(f"/admin/core/compound/{own.pk}/change/",
                  moved | {"community": str(world["c11"].pk), "property_company": str(world["other"][Organisation][1].pk)}
                  ).context["adminform"].form.errors.keys() == {"property_company"}
    own.refresh_from_db()
    assert (own.community_id, own.region_code) == (world["c11"].pk, world["g111"].code)
    # inside the street: allowed; a grid must belong to the community
    r = c.post("/admin/core/compound/add/", data | {"community": world["c12"].pk, "grid": world["g111"].pk})
    assert r.status_code == 200 and "grid" in r.context["adminform"].form.errors
    r = c.post("/admin/core/compound/add/", data | {"community": world["c12"].pk, "grid": world["g121"].pk})
    assert r.status_code == 302 and Compound.objects.get(name="新小区").region_code == world["g121"].code


def test_grid_team_members_and_organisations_stay_in_the_scope(actors, world):
    sec = login(actors["security_admin"])
    s2_user = world["other"][GridTeamMember][0].user
    own_user = make_user("grid_worker", world["g111"], username="gw111b")
    for grid, user in ((world["g211"], own_user), (world["g111"], s2_user)):
        r = sec.post("/admin/core/gridteammember/add/", {"grid": grid.pk, "user": user.pk, "post": "worker"})
        assert r.status_code == 200 and r.context["adminform"].form.errors
    assert not GridTeamMember.objects.filter(user=own_user).exists()
    r = sec.post("/admin/core/gridteammember/add/", {"grid": world["g111"].pk, "user": own_user.pk, "post": "worker"})
    assert r.status_code == 302 and GridTeamMember.objects.filter(user=own_user).exists()

    sysadm = login(actors["sys_admin"])
    r = sysadm.post("/admin/core/organisation/add/", {"code": "x-1", "name": "单位", "org_type": "department",
                                                      "region": world["s2"].pk, "order": "0", "active": "on"})
    assert r.status_code == 200 and "region" in r.context["adminform"].form.errors
    r = sysadm.post("/admin/core/region/add/", {"code": "370705002009", "name": "新社区", "level": "community",
                                                "parent": world["s1"].pk})
    assert r.status_code == 200 and "code" in r.context["adminform"].form.errors
    assert not Organisation.objects.filter(code="x-1").exists() and not Region.objects.filter(code="370705002009").exists()


def test_masked_names_cannot_be_recovered_by_lookups(actors, world, district):
    """?name__startswith= once answered with the rows whose masked name begins so: a name, letter by letter."""
    c = login(actors["street_staff"])
    assert c.get("/admin/core/resident/").status_code == 200
    for q in ("name__startswith=李", "name=李四", "name__contains=四", "phone__startswith=139", "id_index=x",
              "name__in=李四", "region_code__startswith=370705001001"):
        assert c.get(f"/admin/core/resident/?{q}").status_code == 400, q
    # through a relation too
    sec = login(actors["security_admin"])
    assert sec.get("/admin/core/gridteammember/?user__display_name__startswith=测").status_code == 400
    # the declared filters still work
    assert sec.get("/admin/core/user/?role__exact=grid_worker&is_active__exact=1").status_code == 200
    assert sec.get("/admin/core/gridteammember/?post__exact=worker").status_code == 200
    root = make_user("sys_admin", district["district"], username="root")
    root.is_superuser = True
    root.save()
    su = login(root)
    assert su.get(f"/admin/insight/warning/?rule__id__exact={world['rule'].pk}&created_at__year=2026").status_code == 200
    assert su.get("/admin/core/resident/?name__startswith=李").status_code == 400  # a superuser neither
    # the popup of a raw-id box filters by limit_choices_to
    assert su.get("/admin/core/region/?_to_field=id&_popup=1&level__exact=grid").status_code == 200


def test_no_search_field_reaches_a_masked_field():
    for model, model_admin in admin.site._registry.items():
        for f in model_admin.search_fields:
            parts = f.lstrip("^=@").split("__")
            assert not (model is Resident and parts[0] in MASKED), (model, f)
            assert not {"phone", "id_number", "phone_index", "id_index", "address", "residents", "resident"} & set(parts), (model, f)
