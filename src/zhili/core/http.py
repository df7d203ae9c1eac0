"""What every app's pages share about errors: the domain's NotFound / Forbidden as HTTP 404 / 403."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .errors import Forbidden, NotFound


def domain_errors(view):
    """Turn the selectors' NotFound / Forbidden into 404 / 403 (the same answer as for an object
    that does not exist: another region's ids reveal nothing)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc

    return wrapper
