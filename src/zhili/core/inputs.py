"""The one check of typed text and numbers, for every form, query parameter and API field.

- :func:`text_error` / :func:`check_text`: no NUL or other control characters (tab, line feed and
  carriage return are allowed where the text may span lines), no lone surrogates, at most
  ``max_length`` characters — refused with the field's name, never cut.
- :func:`int_error` / :func:`int_param`: a whole number within its range (an id: 1 … 2³¹−1).
- :data:`Text` types for ninja/pydantic schemas that call the same check, and :func:`request_errors`,
  the guard :class:`zhili.core.middleware.InputGuardMiddleware` applies to every query string and
  form before any view reads it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from .errors import Invalid

#: the largest id any table hands out (PostgreSQL ``integer``); ids beyond it do not exist
MAX_ID = 2**31 - 1
#: the largest whole number a database column holds (SQLite and ``bigint``): any number beyond it is refused
MAX_NUMBER = 2**63 - 1
#: the longest value any one form field takes (the longest text field: 10,000)
MAX_VALUE = 10_000
#: the longest value a page's query parameter takes: a code, an id, a date, a cursor or a few words
#: (the API's query parameters declare their own limits in its schema)
MAX_QUERY_VALUE = 500
#: dates and times the system accepts: beyond these a date is a typing error (and year 1 or 9999
#: overflows the arithmetic of deadlines)
MIN_YEAR, MAX_YEAR = 1970, 2200

# C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates; the non-characters FFFE/FFFF
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\n\r]")
_NUMBER = re.compile(r"[+-]?\d+")


def _error(field: str, zh: str, en: str) -> dict:
    return {"field": field, "message": zh, "message_en": en}


def text_error(field: str, value, max_length: int | None = None, *, multiline: bool = True) -> dict | None:
    """What is wrong with a typed text, or None. ``value`` None or empty is fine here (required-ness
    is the caller's rule)."""
    if value is None:
        return None
    value = str(value)
    bad = _CONTROL.search(value) or (None if multiline else _LINE_BREAKS.search(value))
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        return _error(field, f"{field}：不能包含控制字符（{code}）", f"{field}: must not contain control characters ({code})")
    if max_length is not None and len(value) > max_length:
        return _error(field, f"{field}：不能超过{max_length}个字（现有{len(value)}个）",
                      f"{field}: is longer than {max_length} characters ({len(value)})")
    return None


def check_text(field: str, value, max_length: int | None = None, *, multiline: bool = True) -> str:
    """The text, stripped, or Invalid naming the field."""
    e = text_error(field, value, max_length, multiline=multiline)
    if e:
        raise Invalid(e["field"], e["message"], e["message_en"])
    return "" if value is None else str(value).strip()


def text_errors(values: dict[str, tuple[object, int | None]], *, multiline: bool = True) -> list[dict]:
    """Every problem of several texts at once: ``{field: (value, max_length)}``."""
    return [e for f, (v, n) in values.items() if (e := text_error(f, v, n, multiline=multiline))]


def int_error(field: str, value, lo: int = 1, hi: int = MAX_ID) -> dict | None:
    text = str(value).strip() if value is not None else ""
    if not _NUMBER.fullmatch(text) or not text.lstrip("+-").isascii():
        return _error(field, f"{field}：必须是整数", f"{field}: must be a whole number")
    if not lo <= int(text) <= hi:
        return _error(field, f"{field}：必须在{lo}到{hi}之间", f"{field}: must be between {lo} and {hi}")
    return None


def int_param(field: str, value, lo: int = 1, hi: int = MAX_ID) -> int | None:
    """A query parameter that is an id or a count: None when absent, the number, or Invalid."""
    if value is None or str(value).strip() == "":
        return None
    e = int_error(field, value, lo, hi)
    if e:
        raise Invalid(e["field"], e["message"], e["message_en"])
    return int(str(value).strip())


def value_error(field: str, value: str, max_length: int = MAX_VALUE, *, numbers: bool = True) -> dict | None:
    """The guard every query string and form value passes: plain text, not absurdly long, and
    (``numbers``) a number only if a database can hold it."""
    e = text_error(field, value, max_length)
    if e:
        return e
    text = value.strip()
    if numbers and text and _NUMBER.fullmatch(text) and abs(int(text)) > MAX_NUMBER:
        return _error(field, f"{field}：数字超出范围", f"{field}: the number is out of range")
    return None


def request_errors(*dicts, max_length: int = MAX_VALUE, numbers: bool = True) -> list[dict]:
    """Problems of the names and values of QueryDicts (request.GET, request.POST)."""
    out = []
    for d in dicts:
        for key, values in d.lists():
            e = text_error("?", key, 200, multiline=False)
            if e:
                out.append(_error("?", "参数名无效", "invalid parameter name"))
                continue
            for v in values:
                if e := value_error(key, v, max_length, numbers=numbers):
                    out.append(e)
                    break
    return out


# ---------------------------------------------------------------- the same check for schemas


def _plain(multiline: bool):
    def check(v: str) -> str:
        e = text_error("", v, None, multiline=multiline)
        if e:
            raise ValueError(e["message_en"].removeprefix(": "))
        return v

    return check


def Text(max_length: int, min_length: int = 0, *, multiline: bool = True):  # noqa: N802 - a type factory
    """A str field of a ninja/pydantic schema with the check of :func:`text_error`."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length),
                     AfterValidator(_plain(multiline))]


def _sane_datetime(v: dt.datetime) -> dt.datetime:
    if not MIN_YEAR <= v.year <= MAX_YEAR:
        raise ValueError(f"must lie between {MIN_YEAR} and {MAX_YEAR}")
    return v


def _sane_date(v: dt.date) -> dt.date:
    if not MIN_YEAR <= v.year <= MAX_YEAR:
        raise ValueError(f"must lie between {MIN_YEAR} and {MAX_YEAR}")
    return v


SafeDateTime = Annotated[dt.datetime, AfterValidator(_sane_datetime)]
SafeDate = Annotated[dt.date, AfterValidator(_sane_date)]
