"""What a resident does without an account: file a request on the public page, and answer the
confirmation link (solved? satisfied?)."""

from __future__ import annotations

from zhili.core.errors import NotFound

from ..models import Case
from .actions import ActResult, act
from .confirmation import token_case
from .registration import register_case


def file_public_request(**kwargs) -> Case:
    """A resident files a request on the public page (no account): channel online."""
    kwargs.setdefault("channel", "online")
    return register_case(None, **kwargs)


def confirm_by_resident(raw: str, *, solved: bool, satisfaction: str, comment: str = "", number: str | None = None) -> ActResult:
    """The resident answers on the phone page: the link works once, for its own case only."""
    tok = token_case(raw)
    if number is not None and tok.case.number != number:
        raise NotFound("token")
    result = act(None, tok.case.number, "callback", {"solved": solved, "satisfaction": satisfaction, "comment": comment},
                 via_token=tok)
    return result
