"""Import regions: boundaries from .geojson/.json, or the region table from .xlsx. All or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhili.core import regions_io
from zhili.core.errors import ZhiliError

from ._regions import acting_user


class Command(BaseCommand):
    help = ("Import regions from FILE: .geojson/.json (boundaries) or .xlsx (the region table). "
            "Every row is checked first; on any error nothing is written and each error is printed.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a .geojson, .json or .xlsx file")
        parser.add_argument("--user", help="act as this account (default: the first active sys_admin)")

    def handle(self, *args, file: str, user: str | None = None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{path} / no such file: {path}")
        actor = acting_user(user)
        try:
            result = regions_io.import_file(actor, path.name, path.read_bytes())
        except ZhiliError as exc:
            for e in exc.errors:
                self.stderr.write(f"{e['message']} / {e['message_en']}")
            raise CommandError(f"导入失败，共 {len(exc.errors)} 个错误，未写入任何数据 / "
                               f"import failed with {len(exc.errors)} error(s); nothing was written") from None
        self.stdout.write(self.style.SUCCESS(
            f"导入完成 / imported {path.name} as {actor.username}: "
            f"新增 created {result.created}, 更新 updated {result.updated}, 未变 unchanged {result.unchanged}"))
