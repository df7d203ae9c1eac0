"""Working-day arithmetic across the official 2025 and 2026 holidays, make-up days and overrides."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhili.core import calendar
from zhili.core.calendar import (
    SHANGHAI,
    add_working_days,
    is_workday,
    working_days_between,
    working_time_between,
)


def at(y, m, d, h=9, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def local(t):
    return t.astimezone(SHANGHAI)


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "day,workday",
    [
        ((2025, 1, 26), True),   # Sunday, make-up day before Spring Festival
        ((2025, 1, 28), False),  # 除夕 holiday
        ((2025, 2, 4), False),
        ((2025, 2, 8), True),    # Saturday make-up day
        ((2025, 9, 28), True),   # Sunday make-up day before National Day
        ((2025, 10, 8), False),
        ((2025, 10, 11), True),  # Saturday make-up day
        ((2026, 2, 14), True),   # Saturday make-up day
        ((2026, 2, 15), False),
        ((2026, 2, 23), False),
        ((2026, 2, 28), True),   # Saturday make-up day
        ((2026, 9, 20), True),   # Sunday make-up day
        ((2026, 10, 7), False),
        ((2026, 10, 10), True),  # Saturday make-up day
        ((2026, 10, 11), False),  # ordinary Sunday
    ],
)
def test_official_schedule(day, workday):
    assert is_workday(dt.date(*day)) is workday


def test_deadline_across_spring_festival_2026():
    # Friday 13 Feb 2026 09:00 + 2 working days: rest of the 13th, the 14th (make-up Saturday),
    # holiday 15–23 Feb, then 24 Feb until 09:00
    assert local(add_working_days(at(2026, 2, 13), 2)) == at(2026, 2, 24, 9)
    assert local(add_working_days(at(2026, 2, 13), 3)) == at(2026, 2, 25, 9)


def test_deadline_across_spring_festival_2025():
    # Monday 27 Jan 2025 10:00 + 2 working days → holiday 28 Jan–4 Feb, so 5 Feb, then 6 Feb 10:00
    assert local(add_working_days(at(2025, 1, 27, 10), 2)) == at(2025, 2, 6, 10)


def test_deadline_across_national_day_2025_includes_saturday_make_up():
    # Tue 30 Sep 2025 15:00 + 3 working days: 1–8 Oct off, 9th, 10th, 11th (Saturday make-up) → 11 Oct 15:00
    assert local(add_working_days(at(2025, 9, 30, 15), 3)) == at(2025, 10, 11, 15)


def test_deadline_across_national_day_2026():
    # Fri 18 Sep 2026 12:00 + 1 working day: Sat 19th off, Sun 20th is a make-up day → 20 Sep 12:00
    assert local(add_working_days(at(2026, 9, 18, 12), 1)) == at(2026, 9, 20, 12)
    # Wed 30 Sep 2026 09:00 + 2 working days: 1–7 Oct off, 8th → 9 Oct 09:00
    assert local(add_working_days(at(2026, 9, 30, 9), 2)) == at(2026, 10, 9, 9)


def test_clock_starts_next_working_day_when_registered_on_holiday():
    # Registered on 1 Oct 2026 (holiday) at 15:00: the clock starts 8 Oct 00:00, one working day → 9 Oct 00:00
    assert local(add_working_days(at(2026, 10, 1, 15), 1)) == at(2026, 10, 9, 0)


def test_working_time_between_skips_holidays():
    spent = working_time_between(at(2026, 9, 30, 12), at(2026, 10, 8, 12))
    assert spent == dt.timedelta(hours=24)  # 30 Sep 12:00–24:00 and 8 Oct 00:00–12:00
    assert working_time_between(at(2026, 10, 8, 12), at(2026, 9, 30, 12)) == -spent


def test_working_days_between_counts_make_up_days():
    # 9 Feb – 1 Mar 2026: 9–14 (6, incl. Sat 14th), 24–28 (5, incl. Sat 28th)
    assert working_days_between(dt.date(2026, 2, 9), dt.date(2026, 3, 1)) == 11


def test_override_table_wins_and_is_picked_up(users):
    from zhili.core.services import set_calendar_override

    day = dt.date(2026, 11, 27)  # an ordinary Friday
    assert is_workday(day)
    set_calendar_override(users["sys_admin"], date=day, is_workday=False, name="地方节日", source="测试通知")
    assert not is_workday(day)
    assert local(add_working_days(at(2026, 11, 26, 9), 1)) == at(2026, 11, 30, 9)


def test_unknown_future_year_falls_back_to_weekdays_until_overridden():
    assert is_workday(dt.date(2099, 1, 5)) is True  # a Monday
    assert is_workday(dt.date(2099, 1, 4)) is False  # a Sunday


def test_naive_datetime_is_rejected():
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2026, 1, 5, 9), 1)


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 20)),
    days=st.integers(min_value=0, max_value=40),
)
def test_add_and_measure_agree(start, days):
    calendar.overrides_changed()
    s = start.replace(tzinfo=SHANGHAI)
    end = add_working_days(s, days)
    assert end >= s
    assert working_time_between(s, end) == dt.timedelta(days=days)
