"""The web shell: login and lockout, home pages per role, navigation, languages, scope on pages."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import translation

from zhili.core.models import Compound, Organisation, Region
from zhili.core.policy import ROLES
from zhili.web import nav

PASSWORD = "pass-Word-123"
CJK = re.compile(r"[\u4e00-\u9fff]")
LOCALE = Path(__file__).resolve().parent.parent / "src" / "zhili" / "locale"


def login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def nav_html(html: str) -> str:
    match = re.search(r'<nav id="sidenav".*?</nav>', html, re.S)
    assert match, "the page has no side navigation"
    return match.group(0)


def zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


@pytest.fixture
def orgs(district):
    return {
        "s1_office": Organisation.objects.create(
            code="ORG-S1", name="东关街道办事处", org_type="street_office", region=district["s1"]
        ),
        "s1_company": Organisation.objects.create(
            code="ORG-S1-PC", name="东关物业公司", org_type="property_company", region=district["c11"]
        ),
        "s2_office": Organisation.objects.create(
            code="ORG-S2", name="大虞街道办事处", org_type="street_office", region=district["s2"]
        ),
    }


# ------------------------------------------------------------------ login, home, navigation


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_logs_in_and_sees_its_home_page_in_chinese(role, users):
    client = Client()
    response = login(client, role)
    assert response.status_code == 302 and response["Location"] == "/"

    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "首页" in html
    assert users[role].display_name in html
    role_label = zh(ROLES[role].label)
    assert CJK.search(role_label), f"role label of {role} is not translated: {role_label}"
    assert role_label in html
    assert "奎文区" in html  # the district in the top bar

    menu = nav_html(html)
    user = users[role]
    for item in nav.ITEMS.values():
        link = f'data-nav="{item.key}"'
        if item.visible_to(user):
            assert link in menu and item.url in menu, f"{role} should see {item.key}"
        else:
            assert link not in menu, f"{role} should not see {item.key}"


@pytest.mark.django_db
def test_navigation_follows_the_policy(users):
    def keys(role):
        return {i.key for i in nav.visible_items(users[role])}

    assert {"home", "cases", "regions", "organisations"} <= keys("window_clerk")
    assert not {"admin", "insight"} & keys("window_clerk")
    assert {"home", "admin"} == keys("sys_admin") == keys("security_admin") == keys("audit_admin")
    assert {"insight", "screen", "regions"} <= keys("leader")
    assert "cases" not in keys("leader")
    assert "cases" in keys("grid_worker") and "admin" not in keys("grid_worker")
    assert {"admin", "cases", "insight"} <= keys("street_staff")


@pytest.mark.django_db
def test_home_shows_real_area_facts_and_plain_placeholders(users):
    client = Client()
    client.force_login(users["street_staff"])
    html = client.get("/").content.decode()
    # street 001 holds 2 communities and 4 grids; no compounds or organisations yet
    area = html.split('data-testid="home-area"')[1].split("</section>")[0]
    facts = re.findall(
        r'<span class="stat-value">(\d+)</span>\s*<span class="stat-label">([^<]+)</span>', area
    )
    assert facts == [("2", "社区"), ("4", "网格"), ("0", "小区"), ("0", "组织机构")]
    assert "待办事项" in html
    assert 'data-testid="home-todo"' in html


@pytest.mark.django_db
def test_grid_worker_finds_the_grid_from_home(users):
    client = Client()
    client.force_login(users["grid_worker"])
    html = client.get("/").content.decode()
    assert 'data-testid="my-grid"' in html and "/regions/370705001001001/" in html
    response = client.get("/regions/")
    assert response.status_code == 200
    assert "网格111" in response.content.decode()


@pytest.mark.django_db
def test_admin_roles_get_their_back_office_links(users):
    client = Client()
    client.force_login(users["audit_admin"])
    html = client.get("/").content.decode()
    assert "/admin/core/auditevent/" in html
    assert "/admin/core/user/" not in html
    client.force_login(users["security_admin"])
    html = client.get("/").content.decode()
    assert "/admin/core/user/" in html and "/admin/core/auditevent/" not in html


@pytest.mark.django_db
def test_english_switch_changes_the_language(users):
    client = Client()
    login(client, "window_clerk")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Home" in html and "Log out" in html
    assert "首页" not in html and "退出" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "首页" in client.get("/").content.decode()


@pytest.mark.django_db
def test_chinese_first_middleware_ignores_the_browser_language(users, settings):
    settings.MIDDLEWARE = [
        "zhili.web.middleware.ChineseFirstLocaleMiddleware"
        if m == "django.middleware.locale.LocaleMiddleware"
        else m
        for m in settings.MIDDLEWARE
    ]
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(users["window_clerk"])
    assert "首页" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "Home" in html and "首页" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/regions/", "/regions/370705001000/", "/organisations/"]
)
def test_anonymous_users_are_sent_to_login(url, district):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.django_db
def test_login_page_is_chinese_first(district):
    html = Client().get("/login/").content.decode()
    assert "登录" in html and "用户名" in html and "密码" in html
    assert 'action="/i18n/setlang/"' in html


@pytest.mark.django_db
def test_logout_is_a_post(users):
    client = Client()
    client.force_login(users["window_clerk"])
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").templates[0].name == "public/landing.html"  # the residents' door, not the home


@pytest.mark.django_db
def test_wrong_password_says_so_and_counts_down(users):
    client = Client()
    response = login(client, "window_clerk", "wrong-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名或密码错误" in html
    assert "还可尝试 4 次" in html


@pytest.mark.django_db
def test_five_bad_passwords_lock_the_account(users):
    client = Client()
    for _ in range(4):
        assert login(client, "dept_handler", "wrong-password").status_code == 200
    response = login(client, "dept_handler", "wrong-password")
    assert response.status_code == 429
    html = response.content.decode()
    assert "账号已锁定，请30分钟后再试" in html
    assert "用户名或密码错误" not in html
    # the right password does not open a locked account either
    response = login(client, "dept_handler", PASSWORD)
    assert response.status_code == 429
    assert "账号已锁定，请30分钟后再试" in response.content.decode()
    assert client.get("/").templates[0].name == "public/landing.html"  # not logged in
    # …in English too
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = login(client, "dept_handler", PASSWORD)
    assert "Account locked, try again in 30 minutes" in response.content.decode()
    # other accounts are not affected
    other = Client()
    assert login(other, "dept_head").status_code == 302


@pytest.mark.django_db
def test_lockout_callable_renders_the_login_page(users, rf):
    from django.contrib.sessions.middleware import SessionMiddleware

    from zhili.web.views import axes_lockout

    request = rf.post("/admin/login/", {"username": "x"})
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = None
    with translation.override("zh-hans"):
        response = axes_lockout(request, None, {"username": "x"})
    assert response.status_code == 429
    assert "账号已锁定，请30分钟后再试" in response.content.decode()


@pytest.mark.django_db
def test_admin_login_lockout_uses_the_same_page_once_configured(users, settings):
    """With AXES_LOCKOUT_CALLABLE pointing at the web app, the admin's login says the same."""
    settings.AXES_LOCKOUT_CALLABLE = "zhili.web.views.axes_lockout"
    client = Client()
    for _ in range(5):
        response = client.post(
            "/admin/login/", {"username": "sys_admin", "password": "wrong", "next": "/admin/"}
        )
    assert response.status_code == 429
    assert "账号已锁定，请30分钟后再试" in response.content.decode()


# ------------------------------------------------------------------ regions and scope


@pytest.mark.django_db
def test_street_user_sees_own_street_and_nothing_else(users, district):
    client = Client()
    client.force_login(users["street_staff"])
    assert client.get("/regions/370705002000/").status_code == 404
    assert client.get("/regions/370705002001001/").status_code == 404
    assert client.get("/regions/370705000000/").status_code == 404
    response = client.get("/regions/370705001000/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "东关街道" in html and "第一社区" in html and "第二社区" in html
    assert "大虞街道" not in html
    assert client.get("/regions/370705001001001/").status_code == 200


@pytest.mark.django_db
def test_404_page_is_friendly_and_bilingual(users):
    client = Client()
    client.force_login(users["street_staff"])
    response = client.get("/regions/370705002000/")
    html = response.content.decode()
    assert "页面不存在，或不在您的数据范围内" in html
    assert "outside your data scope" in html
    assert "大虞街道" not in html


@pytest.mark.django_db
def test_403_page_for_a_role_without_the_permission(users):
    client = Client()
    client.force_login(users["sys_admin"])
    response = client.get("/regions/")
    assert response.status_code == 403
    assert "您的角色无权访问此页面" in response.content.decode()


@pytest.mark.django_db
def test_region_index_is_the_scope_with_its_children(users):
    client = Client()
    client.force_login(users["window_clerk"])  # district scope
    html = client.get("/regions/").content.decode()
    assert "奎文区" in html and "东关街道" in html and "大虞街道" in html
    assert "/regions/370705001000/" in html


@pytest.mark.django_db
def test_region_page_breadcrumb_map_and_contents(users, district, orgs):
    Compound.objects.create(name="幸福小区", community=district["c11"], grid=district["g111"], households=320)
    client = Client()
    client.force_login(users["street_staff"])
    html = client.get("/regions/370705001001/").content.decode()
    crumb = re.search(r'<nav class="breadcrumb".*?</nav>', html, re.S).group(0)
    assert "东关街道" in crumb and "第一社区" in crumb and "奎文区" not in crumb  # above the scope: hidden
    assert "网格111" in html and "网格112" in html
    assert "幸福小区" in html and "320" in html
    assert "东关物业公司" in html and "大虞街道办事处" not in html
    assert 'id="region-map-data"' in html
    assert "leaflet-1.9.4/leaflet.js" in html
    assert "119.1" in html  # boundaries are in the page for the map
    assert "没有配置底图" in html  # ZHILI_MAP_TILE_URL is empty: polygons only


@pytest.mark.django_db
def test_region_without_boundaries_says_so(users, district):
    client = Client()
    client.force_login(users["window_clerk"])
    html = client.get(
        "/regions/370705002000/"
    ).content.decode()  # 大虞街道 has no boundary, nor its community
    assert "尚未录入此区域的边界" in html
    assert "leaflet.js" not in html


@pytest.mark.django_db
def test_demo_boundaries_are_marked_as_generated(users, district):
    client = Client()
    client.force_login(users["window_clerk"])
    assert "示例边界" not in client.get("/regions/370705001001/").content.decode()  # recorded boundaries
    Region.objects.filter(code__startswith="370705").update(is_demo=True)
    assert "示例边界（生成），并非官方区划" in client.get("/regions/370705001001/").content.decode()
    assert "下级区域为示例边界（生成）" in client.get("/regions/370705000000/").content.decode()


@pytest.mark.django_db
def test_region_search_stays_inside_the_scope(users):
    client = Client()
    client.force_login(users["street_staff"])
    html = client.get("/regions/", {"q": "网格"}).content.decode()
    assert "网格111" in html and "网格122" in html and "网格211" not in html
    html = client.get("/regions/", {"q": "370705001002"}).content.decode()
    assert "网格121" in html and "网格111" not in html


# ------------------------------------------------------------------ organisations, no placeholders, assets


@pytest.mark.django_db
def test_organisations_are_scoped_and_filtered(users, orgs):
    client = Client()
    client.force_login(users["street_staff"])
    html = client.get("/organisations/").content.decode()
    assert "东关街道办事处" in html and "东关物业公司" in html
    assert "大虞街道办事处" not in html
    html = client.get("/organisations/", {"type": "property_company"}).content.decode()
    assert "东关物业公司" in html and "东关街道办事处" not in html
    html = client.get("/organisations/", {"region": "370705001001"}).content.decode()
    assert "东关物业公司" in html and "东关街道办事处" not in html
    assert client.get("/organisations/", {"region": "370705002000"}).status_code == 404
    # the district-wide clerk sees both streets
    client.force_login(users["window_clerk"])
    html = client.get("/organisations/").content.decode()
    assert "大虞街道办事处" in html and "东关街道办事处" in html


@pytest.mark.django_db
def test_organisations_pages_by_keyset(users, district, monkeypatch):
    from zhili.web import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for i in range(5):
        Organisation.objects.create(
            code=f"DEPT-{i}", name=f"部门{i}", org_type="department", region=district["district"]
        )
    client = Client()
    client.force_login(users["window_clerk"])
    seen, url, params = [], "/organisations/", {}
    for _ in range(5):
        response = client.get(url, params)
        seen += re.findall(r"<td>(部门\d)", response.content.decode())
        nxt = re.search(r'href="\?([^"]*after=\d+[^"]*)">', response.content.decode())
        if not nxt:
            break
        url, params = "/organisations/?" + nxt.group(1).replace("&amp;", "&"), {}
    assert seen == [f"部门{i}" for i in range(5)]


@pytest.mark.django_db
def test_the_menu_and_home_offer_only_what_is_built(users):
    """No "coming soon" page, entry or card: every menu entry opens a working page (200) for its user,
    and no page says a capability comes in a later release."""
    assert Client().get("/soon/grid/").status_code == 404
    for user in users.values():
        client = Client()
        client.force_login(user)
        home = client.get("/").content.decode()
        for text in ("后续版本", "敬请期待", "即将上线", "later release", "Coming soon"):
            assert text not in home, (user.username, text)
        for url in set(re.findall(r'class="nav-link[^"]*"[^>]*href="([^"]+)"|href="([^"]+)" class="nav-link', home)):
            url = url[0] or url[1]
            if url.startswith("/admin"):
                continue
            assert client.get(url).status_code == 200, (user.username, url)


@pytest.mark.django_db
def test_pages_load_no_external_assets(users):
    client = Client()
    client.force_login(users["street_staff"])
    for url in ["/", "/regions/", "/organisations/", "/login/"]:
        html = client.get(url).content.decode()
        for ref in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
            assert ref.startswith("/static/"), f"{url} loads {ref}"


def test_vendored_assets_are_present():
    for path in [
        "web/vendor/htmx-2.0.11/htmx.min.js",
        "web/vendor/alpinejs-3.17.5/alpine.min.js",
        "web/vendor/echarts-6.1.0/echarts.min.js",
        "web/vendor/leaflet-1.9.4/leaflet.js",
        "web/vendor/leaflet-1.9.4/leaflet.css",
        "web/vendor/leaflet-1.9.4/images/marker-icon.png",
        "web/vendor/VENDOR.md",
        "web/zhili.css",
        "web/map.js",
    ]:
        assert finders.find(path), path


def test_chinese_catalogue_is_complete_and_compiled(tmp_path):
    po = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert po.exists() and mo.exists()
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (gettext) is not installed")
    fresh = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", str(fresh), str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    with mo.open("rb") as a, fresh.open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (
            "django.mo is not compiled from django.po: run compilemessages"
        )


# ------------------------------------------------------------------ one's own password


@pytest.fixture
def newcomer(users, district):
    """A street officer whose account the security administrator has just made."""
    from zhili.core import services

    user, password = services.create_staff(users["security_admin"], username="xinren", display_name="新人",
                                           role="street_staff", region_code=district["s1"].code)
    assert user.must_change_password
    return user, password


@pytest.mark.django_db
def test_a_password_set_by_an_administrator_must_be_changed_first(newcomer):
    from zhili.core.models import AuditEvent

    user, initial = newcomer
    c = Client()
    assert login(c, "xinren", initial).status_code == 302
    for path in ("/", "/cases/", "/regions/", "/admin/"):  # every page leads to the password page
        r = c.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/password/?next="), path
    r = c.get("/api/v1/cases")
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "password"
    page = c.get("/password/?next=/regions/")
    assert page.status_code == 200 and "管理员" in page.content.decode()

    # refused: the wrong current password, the same password again, a too short one, two that differ
    for data in ({"old_password": "nope", "new_password1": "Ab-cd-1234x", "new_password2": "Ab-cd-1234x"},
                 {"old_password": initial, "new_password1": initial, "new_password2": initial},
                 {"old_password": initial, "new_password1": "a1b2", "new_password2": "a1b2"},
                 {"old_password": initial, "new_password1": "Ab-cd-1234x", "new_password2": "Ab-cd-1234y"}):
        r = c.post("/password/", {**data, "next": "/regions/"})
        assert r.status_code == 200 and 'class="alert alert-danger"' in r.content.decode(), data
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(initial)

    r = c.post("/password/", {"old_password": initial, "new_password1": "Ab-cd-1234x", "new_password2": "Ab-cd-1234x",
                              "next": "/regions/"})
    assert r.status_code == 302 and r["Location"] == "/regions/"
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Ab-cd-1234x")
    assert c.get("/").status_code == 200  # still logged in, free to go on
    assert AuditEvent.objects.filter(action="auth.password_change", actor_id=user.pk).count() == 1
    fresh = Client()
    assert login(fresh, "xinren", "Ab-cd-1234x").status_code == 302


@pytest.mark.django_db
def test_password_page_never_sends_you_off_site(users):
    c = Client()
    login(c, "window_clerk")
    r = c.post("/password/", {"old_password": PASSWORD, "new_password1": "Ab-cd-1234x", "new_password2": "Ab-cd-1234x",
                              "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert 'data-testid="password-link"' in c.get("/").content.decode()


@pytest.mark.django_db
def test_idle_timeout_restarts_at_most_once_a_minute(users):
    """A logged-in request restarts the 30-minute idle clock, but the session row is written at most
    once a minute (a big screen polls every 10 s); a session idle past its expiry is over."""
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from zhili.web.middleware import SessionIdleMiddleware

    c = Client()
    login(c, "leader")
    key = c.cookies["sessionid"].value
    assert c.get("/").status_code == 200
    first = Session.objects.get(session_key=key).expire_date
    assert first > timezone.now() + dt.timedelta(minutes=29)
    # a request within the minute: no write (the expiry stays where it was)
    Session.objects.filter(session_key=key).update(expire_date=first - dt.timedelta(minutes=5))
    assert c.get("/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == first - dt.timedelta(minutes=5)
    # a minute later: the clock restarts, 30 minutes from now
    s = Session.objects.get(session_key=key)
    data = s.get_decoded()
    data[SessionIdleMiddleware.KEY] -= 61
    Session.objects.filter(session_key=key).update(session_data=Session.objects.encode(data))
    assert c.get("/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + dt.timedelta(minutes=29)
    # idle past the expiry: back to the login page
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    r = c.get("/regions/")  # (`/` shows the residents' door to a visitor who is not logged in)
    assert r.status_code == 302 and "/login/" in r["Location"]
