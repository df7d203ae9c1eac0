"""Rollups: counters kept current by the case services in the same transaction, at the grains the
pages need. Each case contributes to exactly one row of each table (keyed by the day or month it
was registered), so a row is the sum of its cases' contributions and can be checked against a
raw recount (``zhili manage rollups --check``)."""

from django.db import models

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


class DailyUnitRollup(Counters):
    """day × lead unit (within a district): unit performance and rankings."""

    day = models.DateField()
    unit_id = models.IntegerField()
    district_code = models.CharField(max_length=6)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "unit_id", "district_code"], name="uniq_day_unit")]
        indexes = [models.Index(fields=["district_code", "day"])]


class MonthlyGridRollup(Counters):
    """month × grid × category: the map, grid rankings, 事在格里办."""

    month = models.DateField(help_text="the first day of the month")
    grid_code = models.CharField(max_length=15)
    category_id = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "grid_code", "category_id"], name="uniq_month_grid")]
        indexes = [models.Index(fields=["grid_code", "month"])]
