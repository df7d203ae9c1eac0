"""The data directory (ZHILI_HOME): SQLite file, uploads, generated secret and keys.

Configuration is by environment only. Nothing here imports Django, so the command
line can use it before settings are loaded.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path
from urllib.parse import unquote, urlparse

#: what Zhili's processes create is readable by their own user only (files 0600, directories 0700)
UMASK = 0o077


def restrict() -> None:
    """Make every file this process creates its owner's only: the database and its WAL, the text log,
    uploads, backups, collected static files. Called at the start of every ``zhili`` command and by
    the settings (so every server process and ``manage`` command has it too)."""
    os.umask(UMASK)


def _tighten(path: Path) -> None:
    """ZHILI_HOME 0700 and the files directly in it 0600 — for installations made before the umask.
    Only a directory this user owns and that is not a shared one (sticky, like /tmp) is changed."""
    st = path.stat()
    if st.st_uid != os.getuid() or st.st_mode & stat.S_ISVTX:
        return
    if st.st_mode & 0o077:
        path.chmod(0o700)
    for child in path.iterdir():
        cst = child.lstat()
        if stat.S_ISREG(cst.st_mode) and cst.st_mode & 0o077 and cst.st_uid == os.getuid():
            child.chmod(0o600)


def home() -> Path:
    path = Path(os.environ.get("ZHILI_HOME") or Path.home() / ".local" / "share" / "zhili").expanduser()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _tighten(path)
    return path


def _secret_file(name: str, make) -> str:
    path = home() / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


def secret_key() -> str:
    return os.environ.get("ZHILI_SECRET_KEY") or _secret_file("secret_key", lambda: secrets.token_urlsafe(50))


def field_keys() -> dict:
    """Keys for field encryption and blind indexes, generated once per installation.

    ``{"current": "k1", "enc": {"k1": hex}, "index": hex, "audit": hex}``. Back this
    file up apart from the database: without it encrypted fields cannot be read.
    """

    def make() -> str:
        return json.dumps(
            {
                "current": "k1",
                "enc": {"k1": secrets.token_hex(32)},
                "index": secrets.token_hex(32),
                "audit": secrets.token_hex(32),
            },
            indent=2,
        )

    return json.loads(_secret_file("keys.json", make))


#: psycopg prepares a statement after this many executions, or at once when asked (``prepare=True``)
PREPARE_ONLY_WHEN_ASKED = 2**31 - 1


def parse_database_url(url: str) -> dict:
    """``postgresql://user:pass@host:port/name?opt=v`` → a Django DATABASES entry."""
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError(f"unsupported database URL scheme {parts.scheme!r}: use postgresql://")
    options = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    # Django turns psycopg's prepared statements off (for transaction-mode poolers). Here only the
    # statements that ask for it are prepared (core.rowsql.run: a registration's few statements);
    # ``?prepare_threshold=none`` turns it off again (e.g. behind PgBouncer older than 1.21).
    threshold = options.pop("prepare_threshold", str(PREPARE_ONLY_WHEN_ASKED))
    options["prepare_threshold"] = None if threshold.lower() in ("none", "") else int(threshold)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "zhili",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def sqlite_database(path: Path) -> dict:
    # Connections are kept between requests (CONN_MAX_AGE) as on PostgreSQL: opening one costs its
    # PRAGMAs and a cold page cache, and closing the last one checkpoints the WAL — together more
    # than a registration's own work.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000;"
            ),
        },
    }
