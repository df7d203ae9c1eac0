"""The back office's data scope: which rows of a model an account may see, point at or filter by.

`ScopedAdmin` (core.admin) builds on these: its changelist and change view read only the rows of
the account's scope, every foreign key of its forms offers and accepts only rows of that scope
(the raw-id box included: the chosen id is checked on the server, like a select's), and its
changelist accepts only the filters it declares (``list_filter``, ``date_hierarchy``).
"""

from __future__ import annotations

from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db.models import Q

from .policy import ADMINISTRATOR_ROLES

#: Lookups a declared filter of field ``f`` sends (BooleanField, choices, related, all values, dates,
#: date_hierarchy): ``f``, ``f__exact``, ``f__id__exact`` …
FILTER_SUFFIXES = ("", "__exact", "__isnull", "__id__exact", "__gte", "__lt", "__year", "__month", "__day")

#: Fields never filtered, searched or ordered by in the back office: they are shown masked (or not
#: at all), and a lookup such as ``name__startswith`` would recover them one character at a time.
SENSITIVE_FIELDS = frozenset({"name", "phone", "phone_index", "id_number", "id_index", "address", "password"})


def scope_q(model, prefix: str) -> Q | None:
    """The rows of ``model`` inside the data scope ``prefix``; None for reference data of the whole
    installation (code tables, calendar, rules), which every back-office account may point at."""
    from .models import Region, User

    if model is Region:
        return Q(code__startswith=prefix)
    if model is User:
        # another account is chosen only among the business accounts of one's scope
        return Q(region__code__startswith=prefix) & ~Q(role__in=ADMINISTRATOR_ROLES) & Q(is_superuser=False)
    if any(f.name == "region_code" for f in model._meta.concrete_fields):
        return Q(region_code__startswith=prefix)
    return None


def scoped(queryset, user):
    """``queryset`` limited to what ``user`` may point at (a superuser: everything)."""
    if user.is_superuser:
        return queryset
    q = scope_q(queryset.model, user.scope_prefix)
    return queryset if q is None else queryset.filter(q)


def declared_lookups(model_admin, request) -> set[str]:
    """Every query-string lookup the changelist's own filters send, and no other."""
    names = []
    for spec in model_admin.get_list_filter(request):
        if isinstance(spec, str):
            names.append(spec)
        elif isinstance(spec, (tuple, list)):
            names.append(spec[0])
        elif getattr(spec, "parameter_name", None):  # a SimpleListFilter sends its own parameter
            names.append(("=", spec.parameter_name))
    if model_admin.date_hierarchy:
        names.append(model_admin.date_hierarchy)
    allowed = set()
    for name in names:
        if isinstance(name, tuple):
            allowed.add(name[1])
        elif name.split("__")[0] not in SENSITIVE_FIELDS:
            allowed.update(name + s for s in FILTER_SUFFIXES)
    return allowed


def limit_choices_lookup(model, lookup: str, value) -> bool:
    """The popup of a raw-id box filters by the foreign key's ``limit_choices_to`` (Django's rule)."""
    for fk_lookup in model._meta.related_fkey_lookups:
        if callable(fk_lookup):
            fk_lookup = fk_lookup()
        if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
            return True
    return False


class ScopedRawIdWidget(widgets.ForeignKeyRawIdWidget):
    """A raw-id box that names the chosen row only if it lies in the scope (an id typed from
    another scope is not echoed back with its name)."""

    def __init__(self, rel, admin_site, queryset, attrs=None, using=None):
        super().__init__(rel, admin_site, attrs, using)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        if value in (None, ""):
            return "", ""
        key = self.rel.get_related_field().name
        try:
            if not self.queryset.filter(**{key: value}).exists():
                return "", ""
        except (ValueError, TypeError, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value)

