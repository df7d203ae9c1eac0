"""Registering a case through the API (登记): ``POST /api/v1/cases``."""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

from .. import services
from .render import detail
from .routers import router
from .schemas import ERRORS, CaseDetail, CaseIn

#: the API's renderer (zhili.api's NinjaAPI uses ninja's JSON renderer)
RENDERER = JSONRenderer()

_CREATE_DOC = """登记: register a case in state `registered` with its parties (at least one). The reporter gets
an SMS receipt with the case number. The place is a WGS-84 point (the grid is found from it) or a
grid code; without either, your own region. `category` is a code of the `case_category` code
table. Roles: window clerk, centre admin, street/community staff, grid team, mediator.
The answer is the case as `GET /cases/{number}` shows it."""


@router.post("", response={201: CaseDetail, **ERRORS}, summary="Register a case (登记)", description=_CREATE_DOC,
             operation_id="cases_create")
def create_case(request, payload: CaseIn):
    actor = request.auth
    data = payload.model_dump()
    # the case as registered, not read again through case_for: whoever registered a case may see
    # it (a clerk may register outside his scope); its few relations load by primary key
    doc = detail(services.register_case(actor, **data), actor, fresh=True)
    # rendered as it is: detail makes the CaseDetail document (the test of this endpoint checks
    # the answer against GET /cases/{number}, which is validated), and validating it again costs
    # a tenth of a registration
    return HttpResponse(RENDERER.render(request, doc, response_status=201), status=201,
                        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")
