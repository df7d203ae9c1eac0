"""Rebuilding the counters from the cases and checking them against a raw recount
(``zhili manage rollups --check`` / ``--rebuild``): every table of :mod:`.counters`, the recurring
texts (:mod:`.recurring`) and the open cases by deadline day (:mod:`.dues`)."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db import transaction

from zhili.core import counters as core_counters
from zhili.core import rowsql

from ..models import COUNTERS, Case
from . import dues, recurring
from .counters import TABLES, rows


def recount(cases) -> dict[tuple, Counter]:
    """The rollup rows that ``cases`` (an iterable) add up to."""
    sums: dict[tuple, Counter] = defaultdict(Counter)
    for case in cases:
        for k, counts in rows(case).items():
            sums[k].update(counts)
    return sums


def _stored() -> dict[tuple, Counter]:
    out: dict[tuple, Counter] = {}
    for model, key_fields in TABLES:
        for row in model.objects.values(*key_fields, *COUNTERS).iterator(chunk_size=5000):
            key = tuple(sorted((k, row[k]) for k in key_fields))
            counts = Counter({k: row[k] for k in COUNTERS if row[k]})
            if counts:
                out[(model, key)] = counts
    return out


def _all_cases():
    return Case.objects.all().iterator(chunk_size=5000)


def check() -> list[str]:
    """Compare the stored rollups with a raw recount; name every row that differs (the recurring
    titles and addresses too, :func:`recurring.check`)."""
    want = {k: +v for k, v in recount(_all_cases()).items() if +v}
    have = _stored()
    problems = []
    for k in sorted(set(want) | set(have), key=repr):
        if want.get(k, Counter()) != have.get(k, Counter()):
            model, key = k
            diff = {c: (have.get(k, Counter())[c], want.get(k, Counter())[c]) for c in COUNTERS
                    if have.get(k, Counter())[c] != want.get(k, Counter())[c]}
            problems.append(f"{model.__name__} {dict(key)}: stored vs recount {diff}")
    return problems + recurring.check() + dues.check()


def add_sums(sums: dict[tuple, Counter]) -> None:
    """Add recounted sums (e.g. of bulk-loaded cases): bulk insert into empty tables, else row by row."""
    by_model: dict[type, list] = defaultdict(list)
    for (model, key), counts in sums.items():
        by_model[model].append((dict(key), counts))
    for model, items in by_model.items():
        if not model.objects.exists():
            model.objects.bulk_create([model(**key, **{k: v for k, v in c.items() if v}) for key, c in items], batch_size=5000)
        else:
            for key, c in items:
                delta = {k: v for k, v in c.items() if v}
                if delta:
                    rowsql.run(*core_counters.add_sql(model, list(key), [(key, delta)], counters=COUNTERS))


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Recompute every rollup row from the cases."""
    sums = recount(_all_cases())
    by_model: dict[type, list] = defaultdict(list)
    for (model, key), counts in sums.items():
        if +counts:
            by_model[model].append(model(**dict(key), **{k: v for k, v in counts.items() if v}))
    out = {}
    for model, _key in TABLES:
        model.objects.all().delete()
        model.objects.bulk_create(by_model.get(model, []), batch_size=5000)
        out[model.__name__] = len(by_model.get(model, []))
    out.update(recount_in_sql())
    return out


def recount_in_sql() -> dict[str, int]:
    """Recompute, in SQL from the cases, the tables that paths writing cases without the services
    (the bulk loader, the demo) must recount afterwards: the recurring texts (a key's rows depend on
    all its cases) and the open cases by deadline day."""
    return {**recurring.rebuild(), **dues.rebuild()}


