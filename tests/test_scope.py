"""Data scope: every role reads only its region, in selectors, the API and the admin."""

import datetime as dt

import pytest
from django.utils import timezone

from zhili.core import selectors
from zhili.core.errors import Forbidden, NotFound
from zhili.core.models import Organisation, Region
from zhili.core.policy import PERMISSIONS, ROLES, can

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs(district):
    return {
        "dept": Organisation.objects.create(code="dept-zjj", name="住建局", org_type="department", region=district["district"], stationed=True),
        "s1_office": Organisation.objects.create(code="so-1", name="东关街道办事处", org_type="street_office", region=district["s1"]),
        "s2_office": Organisation.objects.create(code="so-2", name="大虞街道办事处", org_type="street_office", region=district["s2"]),
        "c21_office": Organisation.objects.create(code="co-21", name="第三社区居委会", org_type="community_office", region=district["c21"]),
    }


def test_every_role_is_known_to_the_policy_and_admins_are_separated():
    for perm, roles in PERMISSIONS.items():
        assert roles <= set(ROLES), perm
    # 三员分立: no administrator holds another's power or any business power
    assert PERMISSIONS["user.manage"] == {"security_admin"}
    assert PERMISSIONS["audit.view"] == {"audit_admin"}
    for admin in ("sys_admin", "security_admin", "audit_admin"):
        assert admin not in PERMISSIONS["resident.view"]
        assert admin not in PERMISSIONS["region.view"]


@pytest.mark.parametrize("role", list(ROLES))
def test_region_scope_for_every_role(users, district, role):
    user = users[role]
    if not can(user, "region.view"):
        with pytest.raises(Forbidden):
            selectors.regions(user)
        return
    visible = set(selectors.regions(user).values_list("code", flat=True))
    prefix = user.region.prefix
    assert visible == set(Region.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    assert user.region.code in visible
    # nobody outside the district level sees street 002's grid unless their scope holds it
    other = district["g211"].code
    if not other.startswith(prefix):
        with pytest.raises(NotFound):
            selectors.region(user, other)


def test_street_user_sees_own_street_only(users, district, orgs):
    street = users["street_staff"]
    assert {o.code for o in selectors.organisations(street)} == {"so-1"}
    with pytest.raises(NotFound):
        selectors.organisation(street, orgs["s2_office"].pk)
    with pytest.raises(NotFound):
        selectors.organisation(street, orgs["dept"].pk)  # district-level unit: outside a street's scope
    centre = users["centre_admin"]
    assert {o.code for o in selectors.organisations(centre)} == {"dept-zjj", "so-1", "so-2", "co-21"}


class TestApi:
    def test_anonymous_gets_401_with_bilingual_message(self, client):
        r = client.get("/api/v1/regions")
        assert r.status_code == 401
        err = r.json()["errors"][0]
        assert "登录" in err["message"] and err["message_en"]

    def test_street_user_gets_404_for_another_street(self, client, users, district, orgs):
        client.force_login(users["street_staff"])
        assert client.get("/api/v1/regions/370705001000").status_code == 200
        r = client.get("/api/v1/regions/370705002000")
        assert r.status_code == 404
        assert r.json()["errors"][0]["message"] == "不存在或无权访问"
        assert client.get("/api/v1/regions/370705002001001").status_code == 404
        assert client.get(f"/api/v1/organisations/{orgs['s2_office'].pk}").status_code == 404
        assert client.get(f"/api/v1/organisations/{orgs['s1_office'].pk}").status_code == 200
        codes = {r["code"] for r in client.get("/api/v1/regions?limit=1000").json()["items"]}
        assert codes and all(c.startswith("370705001") for c in codes)

    def test_keyset_pages_cover_everything_once(self, client, users, district):
        client.force_login(users["centre_admin"])
        seen, after = [], ""
        while True:
            page = client.get(f"/api/v1/regions?limit=3&after={after}").json()
            seen += [r["code"] for r in page["items"]]
            if not page["next_cursor"]:
                break
            after = page["next_cursor"]
        assert seen == sorted(Region.objects.values_list("code", flat=True))

    def test_locate_does_not_reveal_grids_outside_scope(self, client, users, district):
        client.force_login(users["street_staff"])
        inside = client.get("/api/v1/locate?lon=119.105&lat=36.705").json()
        assert inside["grid"]["code"] == "370705001001001"
        other = client.get("/api/v1/locate?lon=119.145&lat=36.705").json()
        assert other["grid"] is None

    def test_bad_input_is_422_naming_the_field(self, client, users, district):
        client.force_login(users["centre_admin"])
        r = client.get("/api/v1/locate?lon=abc&lat=36.7")
        assert r.status_code == 422
        err = r.json()["errors"][0]
        assert err["field"] == "lon" and "lon" in err["message"] and err["message_en"]
        r = client.get("/api/v1/calendar/deadline?working_days=3&start=2026-10-01T09:00:00")
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == "start"

    def test_deadline_endpoint(self, client, users):
        client.force_login(users["window_clerk"])
        r = client.get("/api/v1/calendar/deadline?working_days=2&start=2026-09-30T09:00:00%2B08:00")
        assert r.status_code == 200
        assert r.json()["deadline"].startswith("2026-10-09T01:00:00")  # 09:00 Shanghai in UTC

    def test_token_auth(self, client, users, district):
        client.force_login(users["street_staff"])
        r = client.post("/api/v1/tokens", {"name": "对接"}, content_type="application/json")
        assert r.status_code == 201
        token = r.json()["token"]
        client.logout()
        me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert me.status_code == 200 and me.json()["scope_code"] == "370705001000"
        assert client.get("/api/v1/regions/370705002000", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer zk_wrong").status_code == 401

    def test_a_revoked_token_or_a_deactivated_user_stops_at_once_here_and_within_seconds_elsewhere(
            self, client, users, district, monkeypatch):
        from zhili.core import services
        from zhili.core.models import ApiToken, User

        token = services.issue_api_token(users["street_staff"], name="对接", days=1)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        assert client.get("/api/v1/me", **auth).status_code == 200
        tok = ApiToken.objects.get(user=users["street_staff"], name="对接")
        tok.revoked = True
        tok.save()  # the admin's way: this process forgets at once
        assert client.get("/api/v1/me", **auth).status_code == 401

        token = services.issue_api_token(users["street_staff"], name="第二个", days=1)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        assert client.get("/api/v1/me", **auth).status_code == 200
        # another process deactivates the user (no signal reaches this one): refused once the cache ages
        User.objects.filter(pk=users["street_staff"].pk).update(is_active=False)
        assert client.get("/api/v1/me", **auth).status_code == 200  # still cached here, at most TOKEN_CACHE_SECONDS
        from zhili.core import tokens

        real = tokens.time.monotonic
        monkeypatch.setattr(tokens.time, "monotonic", lambda: real() + tokens.TOKEN_CACHE_SECONDS + 1)
        assert client.get("/api/v1/me", **auth).status_code == 401
        User.objects.filter(pk=users["street_staff"].pk).update(is_active=True)

        # an expired token is refused
        ApiToken.objects.filter(name="第二个").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        services.forget_tokens()
        assert client.get("/api/v1/me", **auth).status_code == 401

    def test_openapi_schema_renders(self, client):
        r = client.get("/api/v1/openapi.json")
        assert r.status_code == 200
        assert "/api/v1/regions/{code}" in r.json()["paths"]


class TestAdmin:
    def test_street_user_gets_404_for_another_streets_objects(self, client, users, district, orgs):
        client.force_login(users["street_staff"])
        own = district["s1"].pk
        assert client.get(f"/admin/core/region/{own}/change/").status_code == 200
        assert client.get(f"/admin/core/region/{district['s2'].pk}/change/").status_code == 404
        assert client.get(f"/admin/core/region/{district['g211'].pk}/change/").status_code == 404
        assert client.get(f"/admin/core/organisation/{orgs['s2_office'].pk}/change/").status_code == 404
        listing = client.get("/admin/core/region/").content.decode()
        assert "370705001001001" in listing and "370705002001001" not in listing

    def test_street_user_cannot_edit_regions_or_see_the_audit_log(self, client, users, district):
        client.force_login(users["street_staff"])
        r = client.post(f"/admin/core/region/{district['s1'].pk}/change/", {"code": "370705001000", "name": "改名", "level": "street"})
        assert r.status_code == 403
        assert client.get("/admin/core/auditevent/").status_code == 403

    def test_roles_without_back_office_are_sent_to_login(self, client, users):
        client.force_login(users["window_clerk"])
        r = client.get("/admin/")
        assert r.status_code == 302 and "/admin/login/" in r["Location"]

    def test_audit_admin_reads_but_cannot_change(self, client, users, district):
        from zhili.core import audit

        ev = audit.record(users["centre_admin"], "test.action", district["s1"])
        client.force_login(users["audit_admin"])
        assert client.get("/admin/core/auditevent/").status_code == 200
        assert client.get(f"/admin/core/auditevent/{ev.pk}/delete/").status_code == 403
        assert client.get("/admin/core/region/").status_code == 403

    def test_admin_change_is_audited(self, client, users, district):
        from zhili.core.models import AuditEvent

        client.force_login(users["sys_admin"])
        r = client.post("/admin/core/calendaroverride/add/", {"date": "2027-01-04", "is_workday": "", "name": "测试", "source": "x"})
        assert r.status_code == 302
        assert AuditEvent.objects.filter(action="admin.add.calendaroverride", actor_id=users["sys_admin"].id).exists()
