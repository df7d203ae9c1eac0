"""Hand-written INSERTs for the hot write paths (a case's registration): the columns and values of
model instances, prepared as Django's own ``save`` prepares them (``pre_save`` +
``get_db_prep_save``, so defaults, encrypted fields and JSON behave the same) but without the query
compiler, so that several of them can go to the database as one statement.

    sql, params = rowsql.insert(CaseParty, parties, exprs={"case_id": "(SELECT id FROM c)"})

A column named in ``exprs`` gets that SQL instead of a parameter (e.g. the id of a row inserted by
an earlier part of the same statement), or ``(sql, params)`` for SQL with parameters of its own.
Names are quoted with ``connection.ops.quote_name``.
"""

from __future__ import annotations

import time

from django.db import DEFAULT_DB_ALIAS, connections, models

_COLUMNS: dict = {}
#: statement text with ``%s`` → with ``$1, $2, …`` (one text per shape of statement)
_NATIVE: dict[str, str] = {}


def columns(model) -> list:
    """The concrete fields of ``model`` that an INSERT names: all but an automatic primary key."""
    hit = _COLUMNS.get(model)
    if hit is None:
        hit = _COLUMNS[model] = [f for f in model._meta.concrete_fields
                                 if not (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField"))]
    return hit


#: field classes (exactly these, not subclasses) whose prepared value is the value itself when it
#: already has one of these Python types; every other field goes through pre_save + get_db_prep_save
_PLAIN = {models.CharField: (str,), models.TextField: (str,), models.BooleanField: (bool,),
          models.IntegerField: (int,), models.SmallIntegerField: (int,), models.BigIntegerField: (int,),
          models.PositiveIntegerField: (int,), models.PositiveSmallIntegerField: (int,),
          models.PositiveBigIntegerField: (int,), models.FloatField: (float, int), models.ForeignKey: (int,)}


def _plain(f) -> tuple:
    """The Python types whose value ``f`` stores unchanged, () if none (``null`` adds None)."""
    types = _PLAIN.get(type(f), ())
    if type(f) is models.ForeignKey and type(f.target_field) not in (models.AutoField, models.BigAutoField):
        types = ()
    return types + ((type(None),) if types and f.null else ())


def _fields(model) -> list[tuple]:
    hit = _FIELDS.get(model)
    if hit is None:
        hit = _FIELDS[model] = [(f, f.column, f.attname, _plain(f)) for f in columns(model)]
    return hit


_FIELDS: dict = {}


def row(model, obj, exprs: dict[str, str] | None = None, conn=None) -> tuple[str, list]:
    """``(%s, %s, …)`` and its parameters for one instance."""
    conn = conn or connections[DEFAULT_DB_ALIAS]
    parts, params = [], []
    for f, column, attname, plain in _fields(model):
        expr = exprs.get(column) if exprs else None
        if isinstance(expr, tuple):  # (sql, its parameters)
            parts.append(expr[0])
            params += expr[1]
        elif expr is not None:
            parts.append(expr)
        else:
            parts.append("%s")
            value = getattr(obj, attname) if plain else None
            if plain and type(value) in plain:
                params.append(value)
            else:
                params.append(f.get_db_prep_save(f.pre_save(obj, True), connection=conn))
    return "(" + ", ".join(parts) + ")", params


_HEADS: dict = {}


def insert(model, objs: list, exprs: dict[str, str] | None = None, returning: str = "") -> tuple[str, list]:
    """One ``INSERT … VALUES (…), (…)`` for ``objs`` (instances of ``model``)."""
    conn = connections[DEFAULT_DB_ALIAS]
    head = _HEADS.get((conn.vendor, model))
    if head is None:
        qn = conn.ops.quote_name
        head = _HEADS[(conn.vendor, model)] = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in columns(model))}) VALUES ")
    values, params = [], []
    for obj in objs:
        v, p = row(model, obj, exprs, conn)
        values.append(v)
        params += p
    return head + ", ".join(values) + (f" RETURNING {returning}" if returning else ""), params


def run(sql: str, params: list) -> list[tuple] | None:
    """Run one hand-written statement (``%s`` placeholders, no literal ``%``); its rows, if it
    returns any.

    On PostgreSQL it runs as a prepared statement with PostgreSQL's own ``$n`` placeholders
    (psycopg's ``RawCursor``, server-side binding): psycopg neither parses the text nor quotes the
    values each time (they travel apart, typed), and PostgreSQL plans it once per connection. So
    a value must have a type PostgreSQL can assign to its column (Django's prepared values do).
    Errors are Django's (``IntegrityError`` …); the statement is logged like any other when Django
    logs queries, but Django's ``execute_wrapper`` hooks do not see it. Elsewhere: Django's cursor."""
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql":
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else None
    import psycopg
    from psycopg.pq import ExecStatus
    from psycopg.types.numeric import Int8

    TUPLES_OK = ExecStatus.TUPLES_OK
    native = _NATIVE.get(sql)
    if native is None:
        pieces = sql.split("%s")
        native = pieces[0] + "".join(f"${i}{piece}" for i, piece in enumerate(pieces[1:], 1))
        if len(_NATIVE) > 512:
            _NATIVE.clear()
        _NATIVE[sql] = native
    # every integer as int8: psycopg would type each by its size (int2, int4, int8), and a statement
    # is prepared once per text *and* parameter types, so a 1 here and a 100,000 there would make
    # each execution a new statement to parse and plan
    params = [Int8(p) if type(p) is int else p for p in params]
    conn.ensure_connection()
    conn.validate_no_broken_transaction()
    start = time.monotonic()
    with conn.wrap_database_errors, psycopg.RawCursor(conn.connection) as cur:  # Django's exceptions, as its cursor raises
        cur.execute(native, params, prepare=True)
        # (not ``cur.description``: it builds a Column for each column of each result)
        out = cur.fetchall() if cur.pgresult is not None and cur.pgresult.status == TUPLES_OK else None
    if conn.queries_logged:
        conn.queries_log.append({"sql": native, "time": f"{time.monotonic() - start:.3f}"})
    return out


_CONVERTERS: dict = {}


def instances(model, rows) -> list:
    """Model instances from rows holding every concrete column in field order (``SELECT`` or
    ``RETURNING`` of :func:`all_columns`), converted as the ORM's compiler converts them (the
    backend's converters, then the field's: decrypted fields, SQLite's dates)."""
    conn = connections[DEFAULT_DB_ALIAS]
    hit = _CONVERTERS.get((conn.vendor, model))
    if hit is None:
        fields = model._meta.concrete_fields
        convert = []
        for i, f in enumerate(fields):
            col = f.get_col(model._meta.db_table)
            fns = conn.ops.get_db_converters(col) + f.get_db_converters(conn)
            if fns:
                convert.append((i, col, fns))
        hit = _CONVERTERS[(conn.vendor, model)] = (convert, [f.attname for f in fields])
    convert, names = hit
    out = []
    for values in rows:
        values = list(values)
        for i, col, fns in convert:
            for fn in fns:
                values[i] = fn(values[i], col, conn)
        out.append(model.from_db(conn.alias, names, values))
    return out


def position(model, attname: str) -> int:
    """Where the field ``attname`` is in :func:`all_columns`."""
    return [f.attname for f in model._meta.concrete_fields].index(attname)


def all_columns(model, alias: str = "") -> str:
    """Every concrete column of ``model``, quoted, in field order (what :func:`instances` reads)."""
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return ", ".join((f"{alias}." if alias else "") + qn(f.column) for f in model._meta.concrete_fields)


def select(model, where: str, params: list, order: str = "") -> list:
    """Instances of ``model`` from ``SELECT <every concrete column> … WHERE <where>`` run by :func:`run`."""
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    sql = (f"SELECT {all_columns(model)} FROM {qn(model._meta.db_table)} WHERE {where}"
           + (f" ORDER BY {order}" if order else ""))
    return instances(model, run(sql, params) or [])
