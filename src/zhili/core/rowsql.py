"""Hand-written INSERTs for the hot write paths (a case's registration): the columns and values of
model instances, prepared as Django's own ``save`` prepares them (``pre_save`` +
``get_db_prep_save``, so defaults, encrypted fields and JSON behave the same) but without the query
compiler, so that several of them can go to the database as one statement.

    sql, params = rowsql.insert(CaseParty, parties, exprs={"case_id": "(SELECT id FROM c)"})

A column named in ``exprs`` gets that SQL instead of a parameter (e.g. the id of a row inserted by
an earlier part of the same statement), or ``(sql, params)`` for SQL with parameters of its own. Text is quoted with ``connection.ops.quote_name``.
"""

from __future__ import annotations

from django.db import connection

_COLUMNS: dict = {}


def columns(model) -> list:
    """The concrete fields of ``model`` that an INSERT names: all but an automatic primary key."""
    hit = _COLUMNS.get(model)
    if hit is None:
        hit = _COLUMNS[model] = [f for f in model._meta.concrete_fields
                                 if not (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField"))]
    return hit


def row(model, obj, exprs: dict[str, str] | None = None) -> tuple[str, list]:
    """``(%s, %s, …)`` and its parameters for one instance."""
    parts, params = [], []
    for f in columns(model):
        expr = exprs.get(f.column) if exprs else None
        if isinstance(expr, tuple):  # (sql, its parameters)
            parts.append(expr[0])
            params += expr[1]
        elif expr is not None:
            parts.append(expr)
        else:
            parts.append("%s")
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection=connection))
    return "(" + ", ".join(parts) + ")", params


def insert(model, objs: list, exprs: dict[str, str] | None = None, returning: str = "") -> tuple[str, list]:
    """One ``INSERT … VALUES (…), (…)`` for ``objs`` (instances of ``model``)."""
    qn = connection.ops.quote_name
    values, params = [], []
    for obj in objs:
        v, p = row(model, obj, exprs)
        values.append(v)
        params += p
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in columns(model))}) "
           f"VALUES {', '.join(values)}")
    return sql + (f" RETURNING {returning}" if returning else ""), params
