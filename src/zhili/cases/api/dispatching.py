"""智能派单 through the API: the units suggested for a case (``GET /cases/{number}/unit-suggestions``)
and 受理并分派 in one step (``POST /cases/{number}/accept-and-dispatch``, the dispatch's body).

No ``from __future__ import annotations`` here: django-ninja reads the annotations at runtime."""

from django.utils import timezone
from ninja import Field, Schema

from zhili.core.errors import Forbidden

from .. import notify, selectors, services, suggest
from ..models import Case
from ..workflow import DISPATCHERS
from .render import RELATED, event_out, summary
from .routers import router
from .schemas import ACTION_MODELS, ERRORS, NUMBER, CaseNumber, CaseSummary, EventOut

DispatchIn = ACTION_MODELS["dispatch"]


class SuggestionOut(Schema):
    unit_id: int
    name: str = Field(..., examples=["住建局"])
    score: float
    sent: int = Field(..., description="past cases of the category given to this unit in the year before")
    kept: int = Field(..., description="of which the unit kept (not returned)")
    done: int = Field(..., description="of those, completed")
    on_time: int = Field(..., description="of those, completed on time")
    returned: int = Field(..., description="cases of the category the unit returned")
    similar: int = Field(..., description="of the cases sent to it, those with similar text")
    local: bool = Field(..., description="the office of the case's own street or community (属地)")
    reason: str = Field(..., examples=["近一年同类案件 23 件派往该单位，按期办结 91%"])


class AcceptDispatchOut(Schema):
    case: CaseSummary
    events: list[EventOut] = Field(..., description="the two timeline events: accept, then dispatch")
    confirmation_url: str | None = None


@router.get("/{number}/unit-suggestions", response={200: list[SuggestionOut], **ERRORS}, tags=["case actions"],
            summary="智能派单: suggested units", operation_id="case_unit_suggestions")
def unit_suggestions(request, number: CaseNumber = NUMBER):
    """The units to dispatch the case to, best first: from where the past year's cases of its
    category in your data scope were sent (weighted by text similarity) and how they ended (closed
    on time and satisfied counts more, a return counts against the unit), each with its reason."""
    actor = request.auth
    case = selectors.case_for(actor, number)
    if not (actor.is_superuser or actor.role in DISPATCHERS):
        raise Forbidden("只有分派案件的人员可以查看派单建议", "only those who dispatch cases see the suggestions")
    return [s.as_dict() for s in suggest.suggest_units(actor, case)]


@router.post("/{number}/accept-and-dispatch", response={200: AcceptDispatchOut, **ERRORS}, tags=["case actions"],
             summary="受理并分派 (accept and dispatch in one step)", operation_id="case_accept_and_dispatch")
def accept_and_dispatch(request, number: CaseNumber = NUMBER, payload: DispatchIn = ...):  # type: ignore[valid-type]
    """A registered case accepted and dispatched in one transaction: both actions are checked,
    recorded on the timeline and audited as ``accept`` and ``dispatch`` would be one after the
    other; if either is refused, neither happens. Roles: those who may both accept and dispatch
    (`window_clerk`, `centre_admin`, `street_staff`). Body: the dispatch's fields."""
    actor = request.auth
    accepted, dispatched = services.accept_and_dispatch(actor, number, payload.model_dump(exclude_none=True))
    case = Case.objects.select_related(*RELATED).get(pk=dispatched.case.pk)
    token = dispatched.confirmation_token
    return {"case": summary(case, actor, timezone.now()), "events": [event_out(accepted.event), event_out(dispatched.event)],
            "confirmation_url": notify.confirm_url(token) if token else None}
