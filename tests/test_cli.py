"""The command line: backup and restore on the test database, and `zhili up` on a fresh home."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from zhili.core.models import Region


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(district, tmp_path, capsys):
    from zhili.cli import main

    path = tmp_path / "zhili-backup.tar.gz"
    assert main(["backup", str(path)]) == 0
    assert path.exists() and path.stat().st_size > 0
    before = set(Region.objects.values_list("code", "name"))
    Region.objects.filter(level="grid").delete()
    Region.objects.filter(code="370705001000").update(name="被改掉的名字")
    assert main(["restore", str(path)]) == 0
    assert set(Region.objects.values_list("code", "name")) == before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_garbage_and_foreign_keys(tmp_path, capsys, settings):
    from zhili.cli import main

    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a backup")
    assert main(["restore", str(junk)]) == 2
    assert "不是 Zhili 备份" in capsys.readouterr().err
    good = tmp_path / "b.tar.gz"
    assert main(["backup", str(good)]) == 0
    settings.ZHILI_FIELD_KEYS = {**settings.ZHILI_FIELD_KEYS, "index": "00" * 32}
    assert main(["restore", str(good)]) == 2
    assert "加密密钥" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_zhili_up_on_a_fresh_home(tmp_path):
    """`zhili up` migrates, builds the demo, prints accounts, serves the Chinese login page; an account logs in."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_"))}
    env["ZHILI_HOME"] = str(tmp_path / "home")
    proc = subprocess.Popen([sys.executable, "-m", "zhili.cli", "up", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = []
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            out.append(line)
            if "is running at" in line:
                break
        text = "".join(out)
        assert "is running at" in text, text
        # no ZHILI_PUBLIC_URL: the links in texts use the address served, and `zhili up` says so
        assert f"address in texts to residents: http://127.0.0.1:{port}\n" in text, text
        assert "ZHILI_PUBLIC_URL is not set" in text
        m = re.search(r"^\s+clerk\s+window_clerk\s+\S+\s+(\S+)", text, re.M)
        assert m, text
        password = m.group(1)
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "登录" in page
        # log in with the printed password through the real server
        import http.cookiejar

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"http://127.0.0.1:{port}/login/")
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        data = f"username=clerk&password={urllib.parse.quote(password)}&csrfmiddlewaretoken={csrf}".encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/login/", data=data,
                                     headers={"Referer": f"http://127.0.0.1:{port}/login/"})
        home = opener.open(req).read().decode()
        assert "首页" in home
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/web/zhili.css", timeout=5)
        assert css.status == 200
        # the worker runs beside the server (texts, reminders, warnings): its first sweep verifies the audit chain
        worker = int(re.search(r"the worker runs beside the server \(pid (\d+)\)", text).group(1))
        import sqlite3

        db = tmp_path / "home" / "zhili.sqlite3"
        for _ in range(150):
            with sqlite3.connect(db, timeout=10) as conn:
                if conn.execute("SELECT COUNT(*) FROM core_auditevent WHERE action = 'audit.verify'").fetchone()[0]:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError("the worker did not run its sweeps")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    # stopping `zhili up` stops its worker too
    for _ in range(100):
        if not _alive(worker):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the worker outlived `zhili up`")


def _alive(pid: int) -> bool:
    """A running process (not gone, not a zombie waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.django_db
def test_the_migrations_describe_the_models():
    """A model change without its migration (or a hand-written migration that drifts from the
    model) would leave a fresh install's tables different from what the code expects."""
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits (SystemExit) if anything is missing


def test_database_urls_prepare_only_the_statements_that_ask():
    """Django turns psycopg's prepared statements off; Zhili's URL turns them on for the statements
    that ask (core.rowsql.run), and ``?prepare_threshold=none`` off again (old transaction poolers)."""
    from zhili.home import PREPARE_ONLY_WHEN_ASKED, parse_database_url

    db = parse_database_url("postgresql://zhili:s%40cret@db.example:5433/city?sslmode=require")
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == ("city", "zhili", "s@cret", "db.example", "5433")
    assert db["OPTIONS"] == {"sslmode": "require", "prepare_threshold": PREPARE_ONLY_WHEN_ASKED}
    assert parse_database_url("postgresql://h/x?prepare_threshold=none")["OPTIONS"]["prepare_threshold"] is None
    assert parse_database_url("postgresql://h/x?prepare_threshold=5")["OPTIONS"]["prepare_threshold"] == 5
