from pathlib import Path

from django.core.management.base import BaseCommand

from zhili.cases.docs import workflow_markdown


class Command(BaseCommand):
    help = "Write docs/case-workflow.md from the workflow table"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="docs/case-workflow.md")

    def handle(self, *args, path, **kw):
        Path(path).write_text(workflow_markdown(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
