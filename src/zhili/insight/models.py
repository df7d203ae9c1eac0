"""Rollups: counters kept current by the case services in the same transaction, at the grains the
pages need. Each case contributes to exactly one row of each table (keyed by the day or month it
was registered), so a row is the sum of its cases' contributions and can be checked against a
raw recount (``zhili manage rollups --check``).

Below them: the early-warning rules and warnings (预警), and the written reports (分析研判报告)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

COUNTERS = (
    "received", "completed", "completed_on_time", "overdue_ever", "handling_seconds", "handled",
    "dispatched", "signed_on_time", "callbacks", "satisfied", "basic", "unsatisfied", "solved",
    "returned", "extended", "reworked", "repeat", "in_grid",
)


class Counters(models.Model):
    received = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    completed_on_time = models.IntegerField(default=0)
    overdue_ever = models.IntegerField(default=0)
    handling_seconds = models.BigIntegerField(default=0)
    handled = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    signed_on_time = models.IntegerField(default=0)
    callbacks = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basic = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    repeat = models.IntegerField(default=0)
    in_grid = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DailyStreetRollup(Counters):
    """day × street × category × channel: the statistics page, trends, channel and category charts."""

    day = models.DateField()
    street_code = models.CharField(max_length=9, help_text="the first 9 digits of the case's region code")
    category_id = models.IntegerField()
    channel = models.CharField(max_length=12)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "street_code", "category_id", "channel"], name="uniq_day_street")]
        indexes = [models.Index(fields=["street_code", "day"])]


class MonthlyStreetRollup(Counters):
    """month × street × category × channel: the same counters as DailyStreetRollup by calendar month, so
    that a year (or any run of whole months) sums a few thousand rows, not one row per day. Periods
    are split: whole months from here, the days at either edge from the daily table."""

    month = models.DateField(help_text="the first day of the month")
    street_code = models.CharField(max_length=9, help_text="the first 9 digits of the case's region code")
    category_id = models.IntegerField()
    channel = models.CharField(max_length=12)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "street_code", "category_id", "channel"],
                                               name="uniq_month_street")]
        indexes = [models.Index(fields=["street_code", "month"])]


class DailyUnitRollup(Counters):
    """day × lead unit × street: unit performance and rankings, for the district or one street."""

    day = models.DateField()
    unit_id = models.IntegerField()
    street_code = models.CharField(max_length=9, help_text="the first 9 digits of the case's region code")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "unit_id", "street_code"], name="uniq_day_unit_street")]
        indexes = [models.Index(fields=["street_code", "day"]), models.Index(fields=["unit_id", "day"])]


class MonthlyGridRollup(Counters):
    """month × grid × category: the map, grid rankings, 事在格里办."""

    month = models.DateField(help_text="the first day of the month")
    grid_code = models.CharField(max_length=15)
    category_id = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "grid_code", "category_id"], name="uniq_month_grid")]
        indexes = [models.Index(fields=["grid_code", "month"])]


class RegionRollup(Counters):
    """The case's own region code (its grid, usually) × all time: a few hundred rows for a district.
    ``received − completed`` is the number of cases open now (received leaves out the rejected and
    merged, completed counts the closed and archived): the map of open cases on the big screen."""

    region_code = models.CharField(max_length=15, unique=True)


class MonthlyCellRollup(Counters):
    """month × street × h3 cell × top-level category: the hotspot map (the cell is ``Case.cell``, see
    :mod:`zhili.cases.keys`; the category the first code of ``Case.category_path``, as the map's
    filter offers only those: with the ~80 leaf categories a district uses, a year would be ~400,000
    rows, with the 6 top-level ones ~30,000). Kept like the others; the map reads ``received``."""

    month = models.DateField(help_text="the first day of the month")
    street_code = models.CharField(max_length=9, help_text="the first 9 digits of the case's region code")
    cell = models.CharField(max_length=15)
    root_category = models.CharField(max_length=40, help_text="code of the case's top-level category")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "street_code", "cell", "root_category"], name="uniq_month_cell")]
        indexes = [models.Index(fields=["street_code", "month"])]


class TextKey(models.Model):
    """One normalised title or address (its digest is ``Case.title_key`` / ``address_key``) and how
    many received cases carry it. While it has at most one case the key is only counted here
    (``first_*`` are that case's month and street); at the second it becomes ``recurring`` and from
    then on all its cases are counted in :class:`RecurringRollup`. So that rollup holds only matters
    and places that recur, however many unique titles the cases have; see :mod:`zhili.insight.recurring`."""

    kind = models.CharField(max_length=7, choices=[("title", "事项"), ("address", "地址")])
    digest = models.BigIntegerField()
    text = models.CharField(max_length=200, help_text="one spelling of it, as shown")
    n = models.IntegerField(default=0, help_text="received cases with this key")
    recurring = models.BooleanField(default=False)
    first_month = models.DateField(null=True, blank=True)
    first_street = models.CharField(max_length=9, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "digest"], name="uniq_text_key")]


class RecurringRollup(models.Model):
    """month × street × recurring title or address: 反复反映的事项和地点. Only keys that recur have
    rows, so the table stays far smaller than the cases; it is not split by category or channel,
    which would multiply the rows of a busy address by the dozens of categories and channels its
    cases have (a year of 10M cases with 6,500 recurring addresses: ~80,000 rows, not ~5M)."""

    month = models.DateField(help_text="the first day of the month")
    street_code = models.CharField(max_length=9)
    kind = models.CharField(max_length=7, help_text="the key's kind, so that a page reads this table alone")
    key = models.ForeignKey(TextKey, on_delete=models.CASCADE, related_name="+", db_index=False)
    received = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "street_code", "key"], name="uniq_recurring")]
        indexes = [models.Index(fields=["kind", "street_code", "month"]), models.Index(fields=["key", "month"])]


class DueRollup(models.Model):
    """Open cases whose handling clock runs (dispatched, handling, returned) × street × the day their
    handling deadline falls (Asia/Shanghai): "overdue now" for a street or the district is the rows
    before today plus today's past deadlines, counted from the index — not every overdue case
    (:func:`zhili.insight.figures.overdue_now`). Kept by the case services like the other rollups."""

    street_code = models.CharField(max_length=9, help_text="the first 9 digits of the case's region code")
    due_day = models.DateField()
    open = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["street_code", "due_day"], name="uniq_due_street_day")]
        indexes = [models.Index(fields=["due_day", "street_code"], include=["open"], name="due_day_street")]


# ---------------------------------------------------------------- early warning (预警提醒)

class Level(models.TextChoices):
    YELLOW = "yellow", "黄色预警 (yellow)"
    ORANGE = "orange", "橙色预警 (orange)"
    RED = "red", "红色预警 (red)"


class RuleKind(models.TextChoices):
    DEADLINE_SOON = "deadline_soon", "临期 (deadline approaching)"
    OVERDUE = "overdue", "超期 (overdue)"
    REPEAT_FILER = "repeat_filer", "同一人反复来访 (the same resident again and again)"
    CLUSTER = "cluster", "同类案件聚集 (a cluster in one grid or community)"
    SPIKE = "spike", "类别异常增长 (a statistical spike)"
    SENSITIVE_WORDS = "sensitive_words", "敏感词 (words that signal escalation)"
    MAJOR_WITHOUT_MEETING = "major_without_meeting", "重大纠纷未会商 (major case without a joint meeting)"
    UNIT_ON_TIME_FALLING = "unit_on_time_falling", "单位按期办结率下滑 (a unit's on-time rate falling)"


class WarningRule(models.Model):
    """预警规则: one rule of the early-warning sweep, as data (on/off, thresholds, level, who hears).

    ``params`` holds the thresholds of its kind (see ``zhili.insight.warnings.PARAMS``);
    ``recipients`` the roles that receive its warnings, each within their own data scope.
    """

    code = models.SlugField("code", max_length=40, unique=True)
    name = models.CharField("name (名称)", max_length=80)
    kind = models.CharField("kind", max_length=24, choices=RuleKind.choices)
    enabled = models.BooleanField("enabled (启用)", default=True)
    level = models.CharField("level (预警等级)", max_length=8, choices=Level.choices, default=Level.YELLOW)
    params = models.JSONField("thresholds (参数)", default=dict, blank=True)
    recipients = models.JSONField("recipient roles (接收角色)", default=list, blank=True,
                                  help_text="role codes, e.g. [\"centre_admin\", \"dept_head\"]")
    description = models.TextField("description", blank=True)
    source = models.CharField("source", max_length=200, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    cursor = models.JSONField(default=dict, blank=True, editable=False,
                              help_text="where the rule's incremental evaluation stands (last case and event ids, "
                                        "the deadline reached, cases being watched)")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "warning rule (预警规则)"
        verbose_name_plural = "warning rules (预警规则)"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        # changed thresholds: the incremental rules look at their whole window again
        if self.pk:
            old = type(self).objects.filter(pk=self.pk).values("kind", "params", "enabled").first()
            if old and (old["kind"], old["params"], old["enabled"]) != (self.kind, self.params, self.enabled):
                self.cursor = {}
        super().save(*args, **kwargs)


class WarningState(models.TextChoices):
    NEW = "new", "新预警 (new)"
    ACKNOWLEDGED = "acknowledged", "已知悉 (acknowledged)"
    HANDLED = "handled", "已处置 (handled)"


OPEN_WARNING_STATES = ("new", "acknowledged")


class Warning(models.Model):  # noqa: A001 - the domain word (预警)
    """预警: a condition a rule found, with its level, its reason in words and numbers, its cases,
    and who acknowledged and handled it. ``key`` names the condition; a rule has at most one open
    warning per key."""

    rule = models.ForeignKey(WarningRule, on_delete=models.PROTECT, related_name="warnings", db_index=False)  # (rule, key)
    level = models.CharField("level", max_length=8, choices=Level.choices)
    key = models.CharField("condition", max_length=120)
    evidence = models.CharField(max_length=64, blank=True,
                                help_text="what the condition rests on (the latest case id, the deadline): "
                                          "a closed warning with the same key and evidence is not raised again")
    title = models.CharField("title", max_length=200)
    reason = models.TextField("reason (预警原因)")
    data = models.JSONField(default=dict, blank=True, help_text="the numbers behind the reason")
    region_code = models.CharField("region", max_length=15, db_index=True)
    unit = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                     help_text="the one case a per-case rule is about")
    subject_at = models.DateTimeField(null=True, blank=True, help_text="the deadline a deadline warning is about")
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="warnings", verbose_name="cases")
    state = models.CharField("state", max_length=12, choices=WarningState.choices, default=WarningState.NEW)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", db_index=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False, help_text="empty on a handled warning: the system closed it")
    handled_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField("note", blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "warning (预警)"
        verbose_name_plural = "warnings (预警)"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], condition=models.Q(state__in=OPEN_WARNING_STATES),
                                    name="uniq_open_warning"),
        ]
        indexes = [
            models.Index(fields=["rule", "key"], name="warning_rule_key"),
            models.Index(fields=["rule", "subject_case"], name="warning_rule_case"),
            models.Index(fields=["state", "region_code"], name="warning_state_region"),
        ]

    def __str__(self) -> str:
        return f"[{self.get_level_display()}] {self.title}"


def report_path(instance, filename):
    return f"reports/{instance.region_code}/{filename}"


class Report(models.Model):
    """分析研判报告: a written analysis report (Word) of a region and period."""

    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, editable=False)
    kind = models.CharField(max_length=12, default="monthly")
    period_start = models.DateField()
    period_end = models.DateField()
    file = models.FileField(upload_to=report_path)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "analysis report (分析研判报告)"
        verbose_name_plural = "analysis reports (分析研判报告)"
        ordering = ["-period_start", "region_code"]
        constraints = [models.UniqueConstraint(fields=["region", "kind", "period_start"], name="uniq_report_period")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.period_start:%Y-%m}"

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        super().save(*args, **kwargs)
