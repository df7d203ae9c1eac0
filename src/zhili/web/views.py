"""Pages of the web shell. Thin: read through the scoped selectors, render a template.

Domain errors become HTTP errors here: ``NotFound`` (missing, or outside the data scope —
the two look the same on purpose) is a 404, ``Forbidden`` a 403.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from zhili.cases import public_views
from zhili.core import clientip, selectors
from zhili.core import services as core_services
from zhili.core.http import domain_errors
from zhili.core.models import OrgType, RegionLevel

from . import homepage

PAGE_SIZE = 50


# ---------------------------------------------------------------- login / logout


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy("Wrong username or password."),
        "inactive": gettext_lazy("This account is disabled. Ask the security administrator."),
    }


def _cool_off_minutes(request) -> int:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def lockout_message(request) -> str:
    minutes = _cool_off_minutes(request)
    if minutes:
        return _("Account locked, try again in %(minutes)s minutes") % {"minutes": minutes}
    return _("Account locked. Ask the security administrator to unlock it.")


def render_lockout(request, form=None):
    """The login page saying that the account is locked (django-axes, HTTP 429)."""
    # Unbound: validating a bound form here would call authenticate() again.
    form = form or LoginForm(request, initial={"username": request.POST.get("username", "")})
    return render(
        request,
        "web/login.html",
        {
            "form": form,
            "locked": True,
            "lockout_message": lockout_message(request),
            "next": request.POST.get("next", ""),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def axes_lockout(request, original_response=None, credentials=None):
    """For ``AXES_LOCKOUT_CALLABLE``: answer any lockout (also the admin's login) with our page."""
    return render_lockout(request)


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        request = self.request
        if getattr(request, "axes_locked_out", False):
            response = render_lockout(request, form)
            # Answered here: keep AxesMiddleware from replacing this page by its plain-text message.
            request.axes_locked_out = False
            return response
        context = self.get_context_data(form=form)
        failures = getattr(request, "axes_failures_since_start", None)
        if failures:
            left = settings.AXES_FAILURE_LIMIT - failures
            if left > 0:
                context["attempts_left"] = left
                context["cool_off_minutes"] = int(settings.AXES_COOLOFF_TIME * 60)
        return self.render_to_response(context)


def safe_next(request) -> str:
    """Where to go after the password or code page: ``next`` if it stays on this site, else home."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()) \
            and not nxt.startswith((reverse("password"), reverse("otp"))):
        return nxt
    return reverse("home")


class PasswordForm(PasswordChangeForm):
    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if new and self.user.check_password(new):
            raise ValidationError(_("The new password must differ from the old one."), code="password_unchanged")
        return new


class PasswordView(auth_views.PasswordChangeView):
    """修改密码: one's own password; the first page after a login with a password an administrator set."""

    template_name = "web/password.html"
    form_class = PasswordForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["next"] = self._next()
        ctx["forced"] = self.request.user.must_change_password
        return ctx

    def _next(self) -> str:
        return safe_next(self.request)

    def form_valid(self, form):
        user = self.request.user
        core_services.change_own_password(user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self._next())


@login_required
def otp(request):
    """两步验证: the code of the user's authenticator app (TOTP). Without a confirmed device the page
    enrols one first — a QR code and the key to type in — and the first right code confirms it."""
    import base64

    import segno
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from zhili.core import audit

    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first() \
            or TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    error = ""
    if request.method == "POST":
        code = "".join(request.POST.get("code", "").split())
        allowed, why = device.verify_is_allowed()
        if not (code.isascii() and code.isdigit() and len(code) == device.digits):
            error = _("Enter the 6 digits your authenticator app shows.")
        elif not allowed and (why or {}).get("locked_until"):
            wait = max(1, int(((why or {})["locked_until"] - timezone.now()).total_seconds()) + 1)
            error = ngettext("Too many wrong codes: try again in %(n)d second.",
                             "Too many wrong codes: try again in %(n)d seconds.", wait) % {"n": wait}
        elif device.verify_token(code):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                audit.record(user, "auth.otp_enrol", user, ip=clientip.client_ip(request, default=""))
            otp_login(request, device)
            audit.record(user, "auth.otp_verify", user, ip=clientip.client_ip(request, default=""))
            return redirect(safe_next(request))
        else:
            error = _("Wrong or expired code. Wait for the next one and try again.")
            audit.record(user, "auth.otp_verify", user, result="failed", ip=clientip.client_ip(request, default=""))
    ctx = {"enrolling": enrolling, "error": error, "next": safe_next(request),
           "verified": user.is_verified()}
    if enrolling:
        ctx["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1f2937")
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        ctx["secret"] = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render(request, "web/otp.html", ctx, status=400 if error else 200)


# ---------------------------------------------------------------- home


def home(request):
    """``/``: the staff member's home; for a visitor who is not logged in, the residents' door
    (我要反映 · 查询进度 · 工作人员登录) instead of a bare redirect to the login page."""
    if not request.user.is_authenticated:
        return public_views.landing(request)
    return render(request, "web/home.html", homepage.context(request.user))


# ---------------------------------------------------------------- regions


def _level_label(level: str):
    return RegionLevel(level).label if level in RegionLevel.values else level


@login_required
@domain_errors
def regions(request):
    """The account's own scope; with ``?q=`` a search by name or code inside it."""
    q = request.GET.get("q", "").strip()
    if q:
        found = (
            selectors.regions(request.user)
            .filter(Q(name__icontains=q) | Q(code__startswith=q))
            .select_related("parent")[:PAGE_SIZE]
        )
        return render(request, "web/region_search.html", {"q": q, "results": found, "limit": PAGE_SIZE})
    return _region_page(request, request.user.region.code)


@login_required
@domain_errors
def region(request, code: str):
    return _region_page(request, code)


def _region_page(request, code: str):
    user = request.user
    obj = selectors.region(user, code)
    path = selectors.region_path(user, obj)
    children = list(selectors.regions(user, parent=obj.code).annotate(n_children=Count("children")))
    compounds_qs = selectors.compounds(user).filter(region_code__startswith=obj.prefix).select_related("grid")
    orgs_qs = selectors.organisations(user).filter(region_code__startswith=obj.prefix)
    map_data = {
        "region": {"name": obj.name, "geometry": obj.geometry},
        "children": [
            {"code": c.code, "name": c.name, "geometry": c.geometry, "url": reverse("region", args=[c.code])}
            for c in children
            if c.geometry
        ],
    }
    has_map = bool(obj.geometry or map_data["children"])
    unmapped = sum(1 for c in children if not c.geometry)
    # the demo's districts have real outlines; its streets, communities and grids are generated
    generated = obj.is_demo and obj.level in ("street", "community", "grid") and bool(obj.geometry)
    generated_children = obj.is_demo and obj.level == "district" and any(c.is_demo for c in children)
    return render(
        request,
        "web/region.html",
        {
            "region": obj,
            "level_label": _level_label(obj.level),
            "path": path,
            "children": children,
            "child_level_label": homepage.LEVEL_PLURALS.get(children[0].level, "") if children else "",
            "compounds": compounds_qs[:PAGE_SIZE],
            "compounds_total": compounds_qs.count(),
            "organisations": orgs_qs[:PAGE_SIZE],
            "organisations_total": orgs_qs.count(),
            "limit": PAGE_SIZE,
            "map_data": map_data if has_map else None,
            "unmapped_children": unmapped,
            "boundary_generated": generated,
            "children_generated": generated_children,
            "is_own_scope": obj.pk == user.region_id,
            "can_search": user.region.level != "grid",  # a grid's scope has nothing below it to find
        },
    )


# ---------------------------------------------------------------- organisations


@login_required
@domain_errors
def organisations(request):
    """The organisations of the account's scope, filtered by type, region and name; keyset pages."""
    user = request.user
    qs = selectors.organisations(user)
    org_type = request.GET.get("type", "")
    if org_type not in OrgType.values:
        org_type = ""
    if org_type:
        qs = qs.filter(org_type=org_type)
    region_obj = None
    region_code = request.GET.get("region", "").strip()
    if region_code:
        region_obj = selectors.region(user, region_code)
        qs = qs.filter(region_code__startswith=region_obj.prefix)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(code__startswith=q))
    qs = qs.order_by("org_type", "order", "code")
    after = request.GET.get("after", "")
    if after.isdigit():
        last = qs.filter(pk=int(after)).values("org_type", "order", "code").first()
        if last:
            qs = qs.filter(
                Q(org_type__gt=last["org_type"])
                | Q(org_type=last["org_type"], order__gt=last["order"])
                | Q(org_type=last["org_type"], order=last["order"], code__gt=last["code"])
            )
    rows = list(qs[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    params = request.GET.copy()
    params.pop("after", None)
    first_query = params.urlencode()
    next_query = ""
    if has_more:
        params["after"] = str(rows[-1].pk)
        next_query = params.urlencode()
    return render(
        request,
        "web/organisations.html",
        {
            "rows": rows,
            "types": OrgType.choices,
            "type": org_type,
            "q": q,
            "region_filter": region_obj,
            "next_query": next_query,
            "is_continued": bool(after),
            "first_query": first_query,
        },
    )
