"""The data directory (ZHILI_HOME): SQLite file, uploads, generated secret and keys.

Configuration is by environment only. Nothing here imports Django, so the command
line can use it before settings are loaded.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse


def home() -> Path:
    path = Path(os.environ.get("ZHILI_HOME") or Path.home() / ".local" / "share" / "zhili").expanduser()
    path.mkdir(parents=True, exist_ok=True)
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
