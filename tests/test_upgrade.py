"""Upgrading a database made by an older Zhili: its cases and what its counters count survive ``zhili migrate``.

The database is made by the code of the commit before the counters moved from ``insight`` to
``cases`` (issue #11), taken from this repository's history (``git archive``) and run as it was:
``zhili demo`` builds the district and a few hundred cases with their counters. Then this
checkout's ``zhili migrate`` upgrades it, and ``zhili manage rollups --check`` must find every
counter equal to a recount of the cases; a case registered afterwards counts too. On SQLite, and
on PostgreSQL when ZHILI_TEST_DATABASE_URL is set (in a database of its own, dropped afterwards).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import urllib.parse
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
#: the last commit before the counters moved (cases migration 0005, insight 0007)
BEFORE_THE_MOVE = "da3a8d962bebb68a1dc24172c322cef65c920936"
CASES = 300
#: what must survive, table by table (the counters' tables keep their names)
COUNTS = {
    "cases": "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END), 0) FROM cases_case",
    "daily street": "SELECT COUNT(*), SUM(received), SUM(completed), SUM(satisfied) FROM insight_dailystreetrollup",
    "monthly street": "SELECT COUNT(*), SUM(received), SUM(completed) FROM insight_monthlystreetrollup",
    "units": "SELECT COUNT(*), SUM(received), SUM(dispatched) FROM insight_dailyunitrollup",
    "grids": "SELECT COUNT(*), SUM(received) FROM insight_monthlygridrollup",
    "regions": "SELECT COUNT(*), SUM(received), SUM(completed) FROM insight_regionrollup",
    "cells": "SELECT COUNT(*), SUM(received) FROM insight_monthlycellrollup",
    "text keys": "SELECT COUNT(*), SUM(n) FROM insight_textkey",
    "recurring": "SELECT COUNT(*), SUM(received) FROM insight_recurringrollup",
    "deadline days": "SELECT COUNT(*), SUM(open) FROM insight_duerollup",
}


def _old_source(tmp: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    known = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{BEFORE_THE_MOVE}^{{commit}}"],
                           capture_output=True)
    if known.returncode != 0:
        pytest.skip("this checkout does not hold the history (a shallow clone?)")
    archive = tmp / "old.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), BEFORE_THE_MOVE, "src"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp / "old", filter="data")
    return tmp / "old" / "src"


def _env(home: Path, src: Path, database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_"))}
    env.update(ZHILI_HOME=str(home), PYTHONPATH=str(src), DJANGO_SETTINGS_MODULE="zhili.settings")
    if database_url:
        env["ZHILI_DATABASE_URL"] = database_url
    return env


def _zhili(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhili.cli", *args], env=env, capture_output=True, text=True,
                          timeout=600)


def _pg_database(name: str):
    """A fresh PostgreSQL database beside the test one: (its URL, a function that drops it)."""
    import psycopg

    url = urllib.parse.urlsplit(os.environ["ZHILI_TEST_DATABASE_URL"])
    admin = url._replace(path="/postgres").geturl()

    def run(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    return url._replace(path=f"/{name}").geturl(), lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counts(home: Path, database_url: str) -> dict[str, tuple]:
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as conn:
            return {k: tuple(conn.execute(sql).fetchone()) for k, sql in COUNTS.items()}
    import sqlite3

    conn = sqlite3.connect(home / "zhili.sqlite3")
    try:
        return {k: tuple(conn.execute(sql).fetchone()) for k, sql in COUNTS.items()}
    finally:
        conn.close()


#: the counter tables that cases migration 0006 recounts (decision 0006): their row counts grow
RECOUNTED = ("daily street", "monthly street", "units", "grids", "regions", "cells")


def _sums(counts: dict[str, tuple]) -> dict[str, tuple]:
    """The counts without the row counts of the recounted tables."""
    return {k: v[1:] if k in RECOUNTED else v for k, v in counts.items()}


REGISTER_ONE = """
from zhili.cases import services
from zhili.cases.models import Case
from zhili.core.models import User
clerk = User.objects.filter(role="window_clerk").order_by("pk").first()
category = Case.objects.order_by("pk").first().category
case = services.register_case(clerk, channel="window", case_type="dispute", category=category.code,
                              title="升级后登记的漏水问题", description="楼上住户卫生间漏水，升级后登记。",
                              lon=119.105, lat=36.705, address="东风东街 1 号",
                              parties=[{"name": "张秀英", "phone": "13805361234", "role": "applicant"}])
print("registered", case.number, Case.objects.count())
"""


@pytest.mark.slow
def test_a_database_from_before_the_move_keeps_its_cases_and_counters(tmp_path):
    old_src = _old_source(tmp_path)
    home = tmp_path / "home"
    database_url, drop = ("", None)
    if os.environ.get("ZHILI_TEST_DATABASE_URL"):
        database_url, drop = _pg_database("zhili_upgrade_test")
    try:
        made = _zhili(_env(home, old_src, database_url), "demo", "--cases", str(CASES))
        assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-4000:]
        before = _counts(home, database_url)
        assert before["cases"][0] == CASES and before["daily street"][1] > 0 and before["text keys"][0] > 0

        new = _env(home, SRC, database_url)
        migrated = _zhili(new, "migrate")
        assert migrated.returncode == 0, migrated.stdout[-2000:] + migrated.stderr[-4000:]
        assert "cases.0005_rollups_from_insight" in migrated.stdout
        # every case and every count where it was; the counter tables have more rows, not more counted:
        # cases 0006 recounts them with entries dated by the day of their fact (a close, a dispatch),
        # and a case from before has one dispatch and one verdict, as the old counters had it
        upgraded = _counts(home, database_url)
        assert _sums(upgraded) == _sums(before)
        assert all(upgraded[k][0] >= before[k][0] for k in RECOUNTED)

        checked = _zhili(new, "manage", "rollups", "--check")
        assert checked.returncode == 0 and "汇总与明细一致" in checked.stdout, checked.stdout[-3000:] + checked.stderr[-3000:]

        # the upgraded database goes on counting: a case registered by this checkout's code
        registered = _zhili(new, "manage", "shell", "-c", REGISTER_ONE)
        assert registered.returncode == 0 and "registered" in registered.stdout, registered.stderr[-4000:]
        after = _counts(home, database_url)
        assert after["cases"][0] == CASES + 1 and after["daily street"][1] == before["daily street"][1] + 1
        checked = _zhili(new, "manage", "rollups", "--check")
        assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    finally:
        if drop is not None:
            drop()
