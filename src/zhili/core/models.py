"""Regions, organisations, people, code tables, the calendar overrides and the audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import crypto
from .policy import PERMISSIONS, ROLE_CHOICES, can


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street (街道)")
    COMMUNITY = "community", _("Community (社区/村)")
    GRID = "grid", _("Grid (网格)")


#: How many leading digits of a code identify a region of each level; a data scope is that prefix.
PREFIX_LENGTH = {"province": 2, "city": 4, "district": 6, "street": 9, "community": 12, "grid": 15}
LEVEL_ORDER = ["province", "city", "district", "street", "community", "grid"]


class GridType(models.TextChoices):
    BASIC = "basic", _("Basic grid (基础网格)")
    DEDICATED = "dedicated", _("Dedicated grid (专属网格)")


class Region(models.Model):
    """A division of the district: district → street (街道) → community (社区/村) → grid (网格).

    Codes are 12-digit 统计用区划代码; a grid's code is its community's code plus a
    3-digit sequence (15 digits). ``prefix`` is the part of the code that scopes data.
    """

    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent"))
    prefix = models.CharField(_("scope prefix"), max_length=15, db_index=True, editable=False)
    grid_type = models.CharField(_("grid type"), max_length=10, choices=GridType.choices, blank=True)
    geometry = models.JSONField(_("boundary (GeoJSON, WGS-84)"), null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    area_km2 = models.FloatField(null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.prefix = self.code[: PREFIX_LENGTH[self.level]]
        super().save(*args, **kwargs)

    def ancestors(self) -> list[Region]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class OrgType(models.TextChoices):
    CENTRE = "centre", _("Service centre (群众诉求服务中心)")
    DEPARTMENT = "department", _("Department (部门)")
    WINDOW = "window", _("Service window (窗口)")
    STREET_OFFICE = "street_office", _("Street office (街道办事处)")
    COMMUNITY_OFFICE = "community_office", _("Community office (社区居委会)")
    PROPERTY_COMPANY = "property_company", _("Property company (物业服务公司)")
    SERVICE_STATION = "service_station", _("Property service station (物业服务站)")
    LEGAL_AID_SITE = "legal_aid_site", _("Legal-aid site (法律援助站点)")
    MEDIATION_COMMITTEE = "mediation_committee", _("Mediation committee (调解委员会)")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """Any unit people work for: department, window, office, property company, legal-aid site…"""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    org_type = models.CharField(_("type"), max_length=24, choices=OrgType.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("region"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    stationed = models.BooleanField(_("stationed in the service hall"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("public phone"), max_length=40, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["org_type", "order", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        super().save(*args, **kwargs)


class Compound(models.Model):
    """A residential compound (小区), served by a property company."""

    name = models.CharField(_("name"), max_length=120)
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="compounds", verbose_name=_("community"))
    grid = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="grid_compounds", verbose_name=_("grid"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    property_company = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="compounds", verbose_name=_("property company"))
    households = models.PositiveIntegerField(_("households"), default=0)
    built_year = models.PositiveIntegerField(_("year built"), null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["region_code", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = (self.grid or self.community).code
        super().save(*args, **kwargs)


class ZhiliUserManager(UserManager):
    pass


class User(AbstractUser):
    """A staff account. Its role says what it may do; its region says where (the data scope)."""

    role = models.CharField(_("role"), max_length=24, choices=ROLE_CHOICES, db_index=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("organisation"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="staff", verbose_name=_("data scope"))
    phone = crypto.EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_index = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    must_change_password = models.BooleanField(_("must change password at next login"), default=False)

    objects = ZhiliUserManager()
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def scope_prefix(self) -> str:
        return self.region.prefix

    def save(self, *args, **kwargs):
        self.phone_index = crypto.blind_index(self.phone, "phone") if self.phone else ""
        # Only the roles that hold admin.enter reach the Django admin.
        self.is_staff = self.role in PERMISSIONS["admin.enter"]
        super().save(*args, **kwargs)

    def has_perm(self, perm, obj=None):  # Django admin asks in app_label.codename form
        return self.is_active and (self.is_superuser or _admin_perm(self, perm))

    def has_module_perms(self, app_label):
        return self.is_active and (self.is_superuser or (can(self, "admin.enter") and app_label in ("core", "cases", "insight")))


def _admin_perm(user, perm: str) -> bool:
    from .admin_policy import admin_permission

    return admin_permission(user, perm)


class GridTeamMember(models.Model):
    """A member of a grid's 1+2+N+X team."""

    class Post(models.TextChoices):
        INSTRUCTOR = "instructor", _("Grid instructor (1)")
        LEADER = "leader", _("Grid leader (2)")
        WORKER = "worker", _("Full-time grid worker (2)")
        DEPT_STAFF = "dept_staff", _("Department staff (N)")
        HELPER = "helper", _("Volunteer / property staff / resident (X)")

    grid = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="team", limit_choices_to={"level": "grid"})
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grid_posts")
    post = models.CharField(_("post"), max_length=12, choices=Post.choices)

    class Meta:
        verbose_name = _("grid team member")
        verbose_name_plural = _("grid team members")
        constraints = [models.UniqueConstraint(fields=["grid", "user", "post"], name="uniq_grid_post")]

    def save(self, *args, **kwargs):
        self.region_code = self.grid.code
        super().save(*args, **kwargs)


class Resident(models.Model):
    """A resident who files requests without a staff account. Phone and ID number are encrypted,
    found by blind index, and masked wherever they are listed."""

    name = models.CharField(_("name"), max_length=60)
    phone = crypto.EncryptedTextField(_("phone"), blank=True, default="")
    phone_index = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    id_number = crypto.EncryptedTextField(_("ID number"), blank=True, default="")
    id_index = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    region_code = models.CharField(_("home region"), max_length=15, blank=True, db_index=True)
    address = crypto.EncryptedTextField(_("address"), blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        # case search by a resident's name (cases.selectors.with_name): the whole name or its start
        indexes = [models.Index(fields=["name"], name="resident_name", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{crypto.mask_name(self.name)} {self.phone_masked}"

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone) if self.phone else ""

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number) if self.id_number else ""

    def save(self, *args, **kwargs):
        self.phone_index = crypto.blind_index(self.phone, "phone") if self.phone else ""
        self.id_index = crypto.blind_index(self.id_number, "id") if self.id_number else ""
        super().save(*args, **kwargs)


class CodeItem(models.Model):
    """One entry of a code table (字典): dispute categories, person classes, event classes…"""

    type = models.CharField(_("table"), max_length=40, db_index=True)
    code = models.CharField(_("code"), max_length=40)
    label = models.CharField(_("Chinese label"), max_length=120)
    label_en = models.CharField(_("English label"), max_length=160, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("code table entry")
        verbose_name_plural = _("code tables")
        ordering = ["type", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["type", "code"], name="uniq_code_per_table")]

    def __str__(self) -> str:
        return f"{self.label} ({self.type}:{self.code})"


class CalendarOverride(models.Model):
    """A day whose status differs from the built-in holiday calendar (or that it does not know yet)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("e.g. 春节 or 春节调休上班"))
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("The State Council notice, e.g. 国办发明电〔2025〕7号"))

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'} {self.name}"


class AuditEvent(models.Model):
    """One audited action. Append-only; each row's hash covers the previous row's hash."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    result = models.CharField(max_length=12, default="ok")
    ip = models.CharField(max_length=45, blank=True)
    details = models.TextField(blank=True, default="{}")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")


class AuditHead(models.Model):
    """The last sequence number and hash of the chain: serialises appends, catches deleted tails."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")


class ClientOp(models.Model):
    """An operation a client made offline and sent with its own id (the phone app's queue): kept once
    per account and id, with the answer it got, so that sending it again changes nothing and gets the
    same answer (:mod:`zhili.core.sync`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("account"))
    client_id = models.CharField(_("client id"), max_length=36)
    kind = models.CharField(_("kind"), max_length=40)
    result = models.JSONField(_("answer"), default=dict)
    region_code = models.CharField(_("region"), max_length=15, db_index=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("synced operation")
        verbose_name_plural = _("synced operations")
        constraints = [models.UniqueConstraint(fields=["user", "client_id"], name="clientop_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id}"
