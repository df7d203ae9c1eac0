"""Early warning (预警): the rules as data and the warnings they raise; the written reports
(分析研判报告). The counters the figures read are the cases' own (:mod:`zhili.cases.models.rollups`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("rule kind"), max_length=24, choices=RuleKind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    level = models.CharField(_("warning level"), max_length=8, choices=Level.choices, default=Level.YELLOW)
    params = models.JSONField(_("thresholds"), default=dict, blank=True)
    recipients = models.JSONField(_("recipient roles"), default=list, blank=True,
                                  help_text="role codes, e.g. [\"centre_admin\", \"dept_head\"]")
    description = models.TextField(_("rule description"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True, editable=False)
    cursor = models.JSONField(_("evaluation cursor"), default=dict, blank=True, editable=False,
                              help_text="where the rule's incremental evaluation stands (last case and event ids, "
                                        "the deadline reached, cases being watched)")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
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

    rule = models.ForeignKey(WarningRule, on_delete=models.PROTECT, related_name="warnings", db_index=False,
                             verbose_name=_("warning rule"))  # (rule, key)
    level = models.CharField(_("warning level"), max_length=8, choices=Level.choices)
    key = models.CharField(_("condition"), max_length=120)
    evidence = models.CharField(_("evidence"), max_length=64, blank=True,
                                help_text="what the condition rests on (the latest case id, the deadline): "
                                          "a closed warning with the same key and evidence is not raised again")
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("warning reason"))
    data = models.JSONField(_("figures"), default=dict, blank=True, help_text="the numbers behind the reason")
    region_code = models.CharField(_("region"), max_length=15, db_index=True)
    unit = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    subject_case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("subject case"), help_text="the one case a per-case rule is about")
    subject_at = models.DateTimeField(_("subject deadline"), null=True, blank=True, help_text="the deadline a deadline warning is about")
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="warnings", verbose_name=_("cases"))
    state = models.CharField(_("state"), max_length=12, choices=WarningState.choices, default=WarningState.NEW)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", db_index=False, verbose_name=_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False, verbose_name=_("handled by"),
                                   help_text="empty on a handled warning: the system closed it")
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
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

    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    region_code = models.CharField(max_length=15, editable=False)
    kind = models.CharField(_("report kind"), max_length=12, default="monthly")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    file = models.FileField(_("file"), upload_to=report_path)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("analysis report")
        verbose_name_plural = _("analysis reports")
        ordering = ["-period_start", "region_code"]
        constraints = [models.UniqueConstraint(fields=["region", "kind", "period_start"], name="uniq_report_period")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.period_start:%Y-%m}"

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        super().save(*args, **kwargs)
