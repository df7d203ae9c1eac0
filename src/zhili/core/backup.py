"""``zhili backup`` / ``zhili restore``: the database (SQLite online backup or pg_dump), the
uploads and the audit chain's anchor, in one .tar.gz with a manifest. The encryption keys are NOT
included; the manifest holds their fingerprint so a restore with the wrong keys is refused instead of
silently losing data."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

import zhili

from . import audit_anchor

FORMAT = 1


class RestoreError(Exception):
    pass


def keys_fingerprint() -> str:
    k = settings.ZHILI_FIELD_KEYS
    return hashlib.sha256(json.dumps(k, sort_keys=True).encode()).hexdigest()[:16]


def _pg_env() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = ["-h", db.get("HOST") or "localhost", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]
    return args, env


def backup(path: str) -> dict:
    engine = connection.vendor
    manifest = {"format": FORMAT, "engine": engine, "created": timezone.now().isoformat(), "zhili": zhili.__version__,
                "keys": keys_fingerprint()}
    with tempfile.TemporaryDirectory() as tmp:
        # the audit anchor before the database: it never records a row the dump lacks (audit_anchor)
        anchor = Path(tmp) / audit_anchor.FILENAME
        if audit_anchor.path().exists():
            shutil.copyfile(audit_anchor.path(), anchor)
        if engine == "sqlite":
            dump = Path(tmp) / "db.sqlite3"
            src = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            dst = sqlite3.connect(dump)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
        elif engine == "postgresql":
            dump = Path(tmp) / "db.pgdump"
            args, env = _pg_env()
            subprocess.run(["pg_dump", "-Fc", "--no-owner", "--no-acl", *args, "-f", str(dump),
                            settings.DATABASES["default"]["NAME"]], check=True, env=env)
        else:
            raise RuntimeError(f"backup of {engine} is not supported")
        tmp_out = f"{path}.partial"
        # the backup holds every resident's (encrypted) data: its owner's only, whatever the umask
        fd = os.open(tmp_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            if anchor.exists():
                tar.add(anchor, arcname=anchor.name)
            if Path(settings.MEDIA_ROOT).exists():
                tar.add(settings.MEDIA_ROOT, arcname="media")
        os.replace(tmp_out, path)
    return {**manifest, "size": os.path.getsize(path)}


def _owner_only(root: Path) -> None:
    """Directories 0700 and files 0600 under ``root`` (restored uploads keep the archive's modes)."""
    root.chmod(0o700)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o700)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o600)


def restore(path: str, force: bool = False) -> dict:
    if not os.path.exists(path):
        raise RestoreError(f"{path}: no such file / 文件不存在")
    try:
        tar = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise RestoreError(f"{path} is not a Zhili backup / 不是 Zhili 备份文件 ({exc})") from exc
    with tar, tempfile.TemporaryDirectory() as tmp:
        try:
            manifest = json.load(tar.extractfile("manifest.json"))
        except KeyError as exc:
            raise RestoreError("manifest.json missing: not a Zhili backup / 缺少 manifest.json") from exc
        engine = connection.vendor
        if manifest.get("engine") != engine:
            raise RestoreError(f"the backup is of {manifest.get('engine')}, this installation uses {engine} / 数据库类型不一致")
        if manifest.get("keys") != keys_fingerprint() and not force:
            raise RestoreError("the backup was made with other encryption keys: restore ZHILI_HOME/keys.json first, "
                               "or pass --force / 备份使用的加密密钥与当前不同")
        tar.extractall(tmp, filter="data")
        connection.close()
        if engine == "sqlite":
            target = Path(settings.DATABASES["default"]["NAME"])
            staged = target.with_suffix(".restoring")
            shutil.copyfile(Path(tmp) / "db.sqlite3", staged)
            staged.chmod(0o600)
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            os.replace(staged, target)
        else:
            args, env = _pg_env()
            subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
                            *args, "-d", settings.DATABASES["default"]["NAME"], str(Path(tmp) / "db.pgdump")],
                           check=True, env=env)
        # the restored log's anchor replaces the current one, which would name the rows made since the
        # backup as cut; the current one is kept beside it (evidence), also for a backup without one
        current, anchor = audit_anchor.path(), Path(tmp) / audit_anchor.FILENAME
        if current.exists():
            os.replace(current, current.with_name(f"{current.name}.before-restore-{timezone.now():%Y%m%d%H%M%S}"))
        if anchor.exists():
            shutil.copyfile(anchor, current)
        media = Path(tmp) / "media"
        if media.exists():
            shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
            shutil.copytree(media, settings.MEDIA_ROOT)
            _owner_only(Path(settings.MEDIA_ROOT))
    return manifest
