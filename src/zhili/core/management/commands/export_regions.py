"""Export regions: boundaries to .geojson/.json, or the region table to .xlsx."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhili.core import regions_io
from zhili.core.errors import ZhiliError

from ._regions import acting_user


class Command(BaseCommand):
    help = "Export the regions of the acting account's scope to FILE (.geojson/.json boundaries or .xlsx table)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .geojson, .json or .xlsx file to write")
        parser.add_argument("--root", help="only this region and those below it (a region code)")
        parser.add_argument("--level", action="append", help="GeoJSON only: only this level (repeatable)")
        parser.add_argument("--user", help="act as this account (default: the first active sys_admin)")

    def handle(self, *args, file: str, root: str | None = None, level: list[str] | None = None,
               user: str | None = None, **options):
        path = Path(file)
        ext = path.suffix.lower()
        if ext not in (".geojson", ".json", ".xlsx"):
            raise CommandError("文件扩展名必须是 .geojson、.json 或 .xlsx / the file must end in .geojson, .json or .xlsx")
        if level and ext == ".xlsx":
            raise CommandError("--level 只适用于 GeoJSON / --level applies to GeoJSON only")
        actor = acting_user(user)
        try:
            if ext == ".xlsx":
                data = regions_io.export_excel(actor, root_code=root)
                count = None
            else:
                fc = regions_io.export_geojson(actor, root_code=root, levels=level)
                count = len(fc["features"])
                data = json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode()
        except ZhiliError as exc:
            for e in exc.errors:
                self.stderr.write(f"{e['message']} / {e['message_en']}")
            raise CommandError("导出失败 / export failed") from None
        path.write_bytes(data)
        what = f"{count} regions" if count is not None else f"{len(data)} bytes"
        self.stdout.write(self.style.SUCCESS(f"导出完成 / exported {what} to {path} as {actor.username}"))
