import sys

from django.core.management.base import BaseCommand

from zhili.cases import rollups


class Command(BaseCommand):
    help = "Check the rollups against a raw recount of the cases (--check), or rebuild them (--rebuild)"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--rebuild", action="store_true")

    def handle(self, *args, check, rebuild, **kw):
        if rebuild:
            self.stdout.write(f"rebuilt: {rollups.rebuild()}")
        if check or not rebuild:
            problems = rollups.check()
            for p in problems[:200]:
                self.stdout.write(p)
            if problems:
                self.stdout.write(f"{len(problems)} rollup rows differ from the cases / 汇总与明细不一致")
                sys.exit(1)
            self.stdout.write("rollups match the cases / 汇总与明细一致")
