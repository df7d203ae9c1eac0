"""The case counters (统计汇总): rows kept current by the case services in the same transaction as
the change, at the grains the figures need. A case contributes *entries*, each dated by the day
its fact happened (:func:`zhili.cases.rollups.contribution`): its registration (受理, and what is
counted of the cases registered in a period: completed, verdicts, handling time …), its close
(期内办结), the day it fell due (应办结) and each assignment to a unit (派单: signing, returns,
extensions, charged to that unit). Each entry adds to one row of each table, keyed by the entry's
day or month, so a row is the sum of its entries and can be checked against a raw recount
(``zhili manage rollups --check``).

They belong to the cases they count: :mod:`zhili.cases.rollups` keeps them; ``insight`` reads them
to make its figures (:mod:`zhili.insight.figures`). The tables keep the names they had when
``insight`` kept them (``insight_*``): moving them to ``cases`` changed no table, index or row
(``cases`` migration 0005)."""

from django.db import models

#: the counters of every rollup row; which entry of a case adds to which is
#: :func:`zhili.cases.rollups.contribution`, what the figures make of them :mod:`zhili.insight.figures`
COUNTERS = (
    "received", "completed", "closed", "unreachable", "due", "due_on_time", "overdue_ever", "handling_seconds",
    "handled", "dispatched", "signed_on_time", "callbacks", "satisfied", "basic", "unsatisfied", "solved",
    "returned", "extended", "reworked", "repeat", "in_grid",
)


class Counters(models.Model):
    received = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    unreachable = models.IntegerField(default=0)
    due = models.IntegerField(default=0)
    due_on_time = models.IntegerField(default=0)
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
        db_table = "insight_counters"
        abstract = True


class DailyStreetRollup(Counters):
    """day × street × category × channel: the statistics page, trends, channel and category charts."""

    day = models.DateField()
    street_code = models.CharField(max_length=9, help_text="the first 9 digits of the case's region code")
    category_id = models.IntegerField()
    channel = models.CharField(max_length=12)

    class Meta:
        db_table = "insight_dailystreetrollup"
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
        db_table = "insight_monthlystreetrollup"
        constraints = [models.UniqueConstraint(fields=["month", "street_code", "category_id", "channel"],
                                               name="uniq_month_street")]
        indexes = [models.Index(fields=["street_code", "month"])]


class DailyUnitRollup(Counters):
    """day × unit × street: unit performance and rankings, for the district or one street. Each entry
    is charged to the unit that acted: an assignment's counters to the unit it was given to, the
    day a case fell due to the unit holding it then, the rest to the case's lead unit."""

    day = models.DateField()
    unit_id = models.IntegerField()
    street_code = models.CharField(max_length=9, help_text="the first 9 digits of the case's region code")

    class Meta:
        db_table = "insight_dailyunitrollup"
        constraints = [models.UniqueConstraint(fields=["day", "unit_id", "street_code"], name="uniq_day_unit_street")]
        indexes = [models.Index(fields=["street_code", "day"]), models.Index(fields=["unit_id", "day"])]


class MonthlyGridRollup(Counters):
    """month × grid × category: the map, grid rankings, 事在格里办."""

    month = models.DateField(help_text="the first day of the month")
    grid_code = models.CharField(max_length=15)
    category_id = models.IntegerField()

    class Meta:
        db_table = "insight_monthlygridrollup"
        constraints = [models.UniqueConstraint(fields=["month", "grid_code", "category_id"], name="uniq_month_grid")]
        indexes = [models.Index(fields=["grid_code", "month"])]


class DailyGridRollup(Counters):
    """day × grid × category: a community's or grid's figures for dates that are not whole months
    (the days at either edge of a period; its whole months come from MonthlyGridRollup)."""

    day = models.DateField()
    grid_code = models.CharField(max_length=15)
    category_id = models.IntegerField()

    class Meta:
        db_table = "insight_dailygridrollup"
        constraints = [models.UniqueConstraint(fields=["day", "grid_code", "category_id"], name="uniq_day_grid")]
        indexes = [models.Index(fields=["grid_code", "day"])]


class RegionRollup(Counters):
    """The case's own region code (its grid, usually) × all time: a few hundred rows for a district.
    ``received − completed`` is the number of cases open now (received leaves out the rejected and
    merged, completed counts the closed and archived): the map of open cases on the big screen."""

    region_code = models.CharField(max_length=15, unique=True)

    class Meta:
        db_table = "insight_regionrollup"


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
        db_table = "insight_monthlycellrollup"
        constraints = [models.UniqueConstraint(fields=["month", "street_code", "cell", "root_category"], name="uniq_month_cell")]
        indexes = [models.Index(fields=["street_code", "month"])]


class TextKey(models.Model):
    """One normalised title or address (its digest is ``Case.title_key`` / ``address_key``) and how
    many received cases carry it. While it has at most one case the key is only counted here
    (``first_*`` are that case's month and street); at the second it becomes ``recurring`` and from
    then on all its cases are counted in :class:`RecurringRollup`. So that rollup holds only matters
    and places that recur, however many unique titles the cases have; see :mod:`zhili.cases.rollups.recurring`."""

    kind = models.CharField(max_length=7, choices=[("title", "事项"), ("address", "地址")])
    digest = models.BigIntegerField()
    text = models.CharField(max_length=200, help_text="one spelling of it, as shown")
    n = models.IntegerField(default=0, help_text="received cases with this key")
    recurring = models.BooleanField(default=False)
    first_month = models.DateField(null=True, blank=True)
    first_street = models.CharField(max_length=9, blank=True)

    class Meta:
        db_table = "insight_textkey"
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
        db_table = "insight_recurringrollup"
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
        db_table = "insight_duerollup"
        constraints = [models.UniqueConstraint(fields=["street_code", "due_day"], name="uniq_due_street_day")]
        indexes = [models.Index(fields=["due_day", "street_code"], include=["open"], name="due_day_street")]
