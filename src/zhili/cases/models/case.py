"""The case (案件) and everything that hangs on it: parties, units, timeline, deadlines, mediation,
joint meetings, risk assessments, confirmation tokens, attachments, notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core import crypto
from zhili.core.models import CodeItem, Organisation, Region, Resident


class Tier(models.TextChoices):
    SIMPLE = "simple", _("Simple (简单纠纷就地化解)")
    COMPLEX = "complex", _("Complex (复杂纠纷联调联动)")
    MAJOR = "major", _("Major (重大纠纷会商研判)")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class Channel(models.TextChoices):
    WINDOW = "window", _("Walk-in at a window (窗口来访)")
    PHONE = "phone", _("Phone / 12345 (电话)")
    ONLINE = "online", _("Online (网上)")
    GRID = "grid", _("Grid worker report (网格员上报)")
    PETITION = "petition", _("Petition (信访)")
    PLATFORM = "platform", _("External platform (外部平台)")
    LEADER = "leader", _("Assigned by a leader (领导交办)")
    OPEN311 = "open311", _("Open311")


class CaseType(models.TextChoices):
    CONSULT = "consult", _("Consultation (咨询)")
    HELP = "help", _("Request for help (求助)")
    COMPLAINT = "complaint", _("Complaint (投诉)")
    REPORT = "report", _("Report of wrongdoing (举报)")
    SUGGESTION = "suggestion", _("Suggestion (建议)")
    DISPUTE = "dispute", _("Dispute (矛盾纠纷)")
    PETITION = "petition", _("Petition (信访)")
    HAZARD = "hazard", _("Safety hazard (安全隐患)")
    LIVELIHOOD = "livelihood", _("Livelihood event (民生事件)")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASIC = "basic", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")


class Card(models.TextChoices):
    NONE = "", _("None")
    YELLOW = "yellow", _("Yellow card (黄牌)")
    RED = "red", _("Red card (红牌)")


class Case(models.Model):
    """A resident's request, complaint, petition or dispute (案件), from registration to archive."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    case_type = models.CharField(_("type"), max_length=12, choices=CaseType.choices)
    category = models.ForeignKey(CodeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("category"),
                                 limit_choices_to={"type": "case_category"}, db_index=False)  # (category, created_at)
    category_path = models.CharField(max_length=200, blank=True, help_text="category codes from the root, '/'-joined")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what happened"))
    request = models.TextField(_("what the resident asks for"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    grid = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    region_code = models.CharField(_("region"), max_length=15, db_index=True,
                                   help_text="grid code, or the most precise region known: the data scope key")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, default=Tier.SIMPLE)
    state = models.CharField(_("state"), max_length=12)  # leads two indexes below
    confidential = models.BooleanField(_("reporter kept confidential (举报人保密)"), default=False)
    reporter = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
                                 verbose_name=_("reporter"))
    reporter_phone_index = models.CharField(max_length=32, blank=True)  # indexed below (no LIKE index)

    lead_unit = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="led_cases",
                                  verbose_name=_("lead unit"), db_index=False)  # (lead_unit, state, due_at)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="handled_cases", verbose_name=_("handler"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="registered_cases", verbose_name=_("registered by"))
    registered_org = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="dispatched_cases")

    created_at = models.DateTimeField(_("registered at"), default=timezone.now)  # (-created_at, -id)
    accepted_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("result submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # deadlines (the clock starts at dispatch, stops while suspended, moves on approved extension)
    sign_due_at = models.DateTimeField(_("sign by"), null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(_("handle by"), null=True, blank=True, db_index=True)
    deadline_unit = models.CharField(max_length=4, blank=True, help_text="h / d / wd / m of the policy that set due_at")
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_from = models.CharField(max_length=12, blank=True)
    extension_pending = models.JSONField(null=True, blank=True)
    extended_days = models.PositiveIntegerField(default=0)

    result = models.TextField(_("what was done"), blank=True)
    solved = models.BooleanField(null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)
    card = models.CharField(_("supervision card"), max_length=8, choices=Card.choices, blank=True, default="")
    return_count = models.PositiveIntegerField(default=0)
    extension_count = models.PositiveIntegerField(default=0)
    rework_count = models.PositiveIntegerField(default=0)
    resolved_in_grid = models.BooleanField(_("resolved inside the grid (事在格里办)"), default=False)
    on_time = models.BooleanField(null=True, blank=True, help_text="result submitted before due_at")
    was_overdue = models.BooleanField(default=False, help_text="open past its deadline at some time (set by the sweep)")
    unreachable = models.BooleanField(_("closed: resident not reachable (无法联系)"), default=False,
                                      help_text="closed after the configured callback attempts all failed")
    callback_attempts = models.PositiveSmallIntegerField(default=0, help_text="failed callback attempts since the result")
    ledger = models.JSONField(default=dict, blank=True,
                              help_text="assignments to units and every verdict, for the figures (zhili.cases.ledger)")
    is_repeat = models.BooleanField(default=False, help_text="the reporter filed the same kind of matter within 30 days before")
    master = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases",
                               verbose_name=_("merged into"))
    outcome = models.JSONField(_("mediation outcome"), null=True, blank=True)
    search_text = models.TextField(blank=True, help_text="jieba tokens of title and description, for similarity")
    # derived at registration by zhili.cases.keys (the analysis rollups group by them)
    cell = models.CharField(max_length=15, blank=True, default="", help_text="h3 cell of the point (keys.HEX_RES)")
    title_key = models.BigIntegerField(null=True, blank=True, help_text="digest of the normalised title (keys.text_key)")
    address_key = models.BigIntegerField(null=True, blank=True, help_text="digest of the normalised address")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["region_code", "-created_at"], name="case_region_created"),
            models.Index(fields=["lead_unit", "state", "due_at"], name="case_unit_state_due"),
            # the to-do counts: a bucket's state in a region (or registered by me), and the
            # deadline buckets, answered from the index alone
            models.Index(fields=["state", "region_code", "registered_by"], name="case_state_region",
                         opclasses=["text_ops", "varchar_pattern_ops", "int8_ops"]),
            models.Index(fields=["state", "due_at"], name="case_state_due", include=["region_code", "registered_by"]),
            models.Index(fields=["reporter_phone_index", "created_at"], name="case_reporter_phone"),
            # lists filtered by state (a to-do bucket, the search page), newest first, keyset pages
            models.Index(fields=["state", "-created_at", "-id"], name="case_state_created"),
            models.Index(fields=["category", "created_at"], name="case_category_created"),
            models.Index(fields=["-created_at", "-id"], name="case_created_id"),
            # the cases of one cell of the hotspot map, newest first
            models.Index(fields=["cell", "-created_at"], name="case_cell_created"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseCounter(models.Model):
    """The last number given in a year, per number prefix (locked while a case is registered)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="uniq_counter")]


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant (申请人)")
    RESPONDENT = "respondent", _("Respondent (被申请人)")
    REPORTER = "reporter", _("Reporter (反映人)")


class CaseParty(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="case_parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    gender = models.CharField(_("gender"), max_length=4, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    age = models.PositiveIntegerField(null=True, blank=True)
    occupation = models.CharField(max_length=60, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "resident", "role"], name="uniq_case_party")]


class CaseUnit(models.Model):
    """A cooperating unit (配合单位) of a case and the part it recorded."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cooperating_cases")
    part = models.TextField(_("part recorded"), blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="uniq_case_unit")]


class CaseEvent(models.Model):
    """One step of a case's timeline. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=80, blank=True)
    actor_org = models.CharField(max_length=120, blank=True)
    action = models.CharField(max_length=24)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]


def attachment_path(instance, filename):
    return f"cases/{instance.case.created_at:%Y/%m}/{instance.case.number}/{filename}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)


class DeadlinePolicy(models.Model):
    """How long a case may take: matched on type, category, tier and urgency (blank = any).
    The most specific matching policy wins."""

    UNITS = [("mi", _("natural minutes")), ("h", _("natural hours")), ("d", _("natural days")), ("wd", _("working days")),
             ("m", _("months"))]
    name = models.CharField(_("name"), max_length=80)
    case_type = models.CharField(max_length=12, choices=CaseType.choices, blank=True)
    category = models.ForeignKey(CodeItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                 limit_choices_to={"type": "case_category"})
    tier = models.CharField(max_length=8, choices=Tier.choices, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, blank=True)
    sign_value = models.PositiveIntegerField(_("sign within"), default=1)
    sign_unit = models.CharField(max_length=2, choices=UNITS, default="wd")
    handle_value = models.PositiveIntegerField(_("handle within"))
    handle_unit = models.CharField(max_length=2, choices=UNITS)
    extension_max_value = models.PositiveIntegerField(_("longest extension"), default=0)
    source = models.CharField(_("source"), max_length=200, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")

    def __str__(self) -> str:
        return self.name


class JointMeeting(models.Model):
    """联席会议: a meeting of units on a major case: who came, what was decided, who leads, by when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    held_at = models.DateTimeField(_("held at"))
    venue = models.CharField(_("venue"), max_length=120, blank=True)
    convenor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attendees = models.TextField(_("attendees"))
    units = models.ManyToManyField(Organisation, related_name="+", verbose_name=_("units present"))
    decisions = models.TextField(_("decisions"))
    lead_unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead unit"))
    cooperating = models.ManyToManyField(Organisation, related_name="+", blank=True, verbose_name=_("cooperating units"))
    deadline = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(default=timezone.now)


class RiskAssessment(models.Model):
    """风险研判 of a major case: level and the stability measures."""

    class Level(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_assessments")
    level = models.CharField(_("risk level"), max_length=8, choices=Level.choices)
    analysis = models.TextField(_("analysis"))
    measures = models.TextField(_("stability measures"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)


class MediationSession(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mediation_sessions")
    held_at = models.DateTimeField(_("held at"))
    venue = models.CharField(_("venue"), max_length=120, help_text=_("e.g. 和为贵调解室"))
    committee = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    parties_present = models.TextField(_("parties present"))
    notes = models.TextField(_("notes"))
    created_at = models.DateTimeField(default=timezone.now)


class MediationAgreement(models.Model):
    """人民调解协议书 (人民调解法 Art. 28–29)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="agreement")
    number = models.CharField(max_length=40, unique=True)
    committee = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("mediation committee"))
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    facts = models.TextField(_("main facts of the dispute (纠纷的主要事实)"))
    disputed_items = models.TextField(_("matters in dispute (争议事项)"))
    responsibilities = models.TextField(_("each party's responsibility (各方当事人的责任)"))
    terms = models.TextField(_("agreed terms (协议内容)"))
    performance_method = models.CharField(_("how it is performed (履行方式)"), max_length=200)
    performance_deadline = models.DateField(_("performed by (履行期限)"))
    signed_on = models.DateField(_("signed on"))
    created_at = models.DateTimeField(default=timezone.now)


class AgreementFollowUp(models.Model):
    agreement = models.ForeignKey(MediationAgreement, on_delete=models.CASCADE, related_name="followups")
    visited_on = models.DateField()
    performed = models.BooleanField()
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class ConfirmationToken(models.Model):
    """A one-time link for the resident to confirm the result: only its hash is stored."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tokens")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class Notification(models.Model):
    """An item in a staff member's inbox."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]


class TextMessage(models.Model):
    """An SMS to a resident (the outbox): sent by the worker after the commit that queued it, through
    the configured backend, retried on failure. ``text`` is kept with a confirmation link's token
    redacted (``/c/***``); the text as sent, link and all, is ``sealed`` (encrypted) until it is sent."""

    phone = crypto.EncryptedTextField()
    text = models.CharField(max_length=500)
    sealed = crypto.EncryptedTextField(blank=True, default="")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=8, default="queued", db_index=True)  # queued / sent / failed
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
