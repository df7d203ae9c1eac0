"""Issue #13 item 9: ZHILI_HOME is 0700 and what Zhili writes (database, WAL, text log, uploads,
backups) is 0600, whatever umask the operator's shell has."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    """The shell's usual umask (022: new files world-readable) for the code under test."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_zhili_command_makes_home_0700_and_the_database_and_wal_0600(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    (home / "old.log").write_text("from before")  # an installation made before the umask
    (home / "old.log").chmod(0o644)
    env = {k: v for k, v in os.environ.items() if k not in ("ZHILI_DATABASE_URL", "ZHILI_SECRET_KEY")}
    env.update(ZHILI_HOME=str(home), DJANGO_SETTINGS_MODULE="zhili.settings")
    script = ("from django.db import connection\n"
              "with connection.cursor() as c:\n"
              "    c.execute('CREATE TABLE t (x int)'); c.execute('INSERT INTO t VALUES (1)')\n"
              "import shutil; shutil.copy(str(connection.settings_dict['NAME']) + '-wal', "
              "str(connection.settings_dict['NAME']) + '.walmode')\n")
    code = ("import os, sys; os.umask(0o022); from zhili import cli; "
            f"sys.exit(cli.main(['manage', 'shell', '-c', {script!r}]))")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tmp_path, timeout=120)
    assert mode(home) == 0o700
    db = home / "zhili.sqlite3"
    assert mode(db) == 0o600 and mode(home / "secret_key") == 0o600 and mode(home / "keys.json") == 0o600
    assert mode(home / "zhili.sqlite3.walmode") == 0o600  # the WAL, copied while it existed, under the same umask
    assert mode(home / "old.log") == 0o600


def test_the_text_log_is_owner_only(settings, tmp_path, loose_umask):
    from zhili.cases.notify import LogBackend

    settings.HOME = tmp_path
    LogBackend().send("13805361234", "【诉求受理】您的诉求已登记")
    assert mode(tmp_path / "sms.log") == 0o600


def test_uploads_are_owner_only(settings, tmp_path, loose_umask):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path / "media")
    name = storage.save("attachments/2026/11/photo.png", ContentFile(b"\x89PNG"))
    assert mode(storage.path(name)) == 0o600
    assert mode(Path(storage.path(name)).parent) == 0o700


def test_a_backup_is_owner_only(db, settings, tmp_path, loose_umask, monkeypatch):
    from zhili.core import backup

    settings.MEDIA_ROOT = str(tmp_path / "media")
    out = tmp_path / "zhili.tar.gz"
    if os.environ.get("ZHILI_TEST_DATABASE_URL"):
        pytest.skip("the SQLite backup is enough to show the archive's mode")
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", str(tmp_path / "copy.sqlite3"))
    backup.backup(str(out))
    assert mode(out) == 0o600
    with tarfile.open(out) as tar:
        assert "manifest.json" in tar.getnames()
