"""Working days: the official Chinese holiday schedule (chinese-calendar) plus an override table.

The override table (admin-editable) wins, so next year's schedule can be entered when the
State Council publishes it. Days are counted in Asia/Shanghai. A *working-day duration*
counts only the time that falls on working days (whole days, midnight to midnight).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.timedelta(days=1)


@lru_cache(maxsize=1)
def _overrides_cached(version: int) -> dict[dt.date, bool]:
    from .models import CalendarOverride

    return dict(CalendarOverride.objects.values_list("date", "is_workday"))


_version = [0]


def overrides_changed() -> None:
    """Called when the override table changes (signal): forget the cached table."""
    _version[0] += 1
    _overrides_cached.cache_clear()


def is_workday(day: dt.date) -> bool:
    ov = _overrides_cached(_version[0])
    if day in ov:
        return ov[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # A year the package does not know yet: Monday–Friday until the override table says otherwise.
        return day.weekday() < 5


def next_workday(day: dt.date) -> dt.date:
    while not is_workday(day):
        day += DAY
    return day


def _local(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return t.astimezone(SHANGHAI)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The instant ``days`` whole working days after ``start``.

    Time on non-working days does not count: a case registered on a Saturday starts its
    clock at 00:00 of the next working day.
    """
    return add_working_time(start, dt.timedelta(days=days))


def add_working_time(start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The instant at which ``duration`` of working-day time has passed after ``start``."""
    if duration < dt.timedelta(0):
        raise ValueError("duration must not be negative")
    t = _local(start)
    remaining = duration
    while True:
        day = t.date()
        if not is_workday(day):
            t = dt.datetime.combine(next_workday(day), dt.time(), SHANGHAI)
            continue
        end_of_day = dt.datetime.combine(day + DAY, dt.time(), SHANGHAI)
        left_today = end_of_day - t
        if remaining <= left_today:
            return (t + remaining).astimezone(dt.UTC)
        remaining -= left_today
        t = end_of_day


def working_time_between(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """The part of [a, b) that falls on working days (negative if b is before a)."""
    a, b = _local(a), _local(b)
    if b < a:
        return -working_time_between(b, a)
    total = dt.timedelta(0)
    t = a
    while t < b:
        day = t.date()
        end_of_day = dt.datetime.combine(day + DAY, dt.time(), SHANGHAI)
        upto = min(end_of_day, b)
        if is_workday(day):
            total += upto - t
        t = upto
    return total


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in [a, b)."""
    n, d = 0, a
    while d < b:
        n += is_workday(d)
        d += DAY
    return n
