"""The attachments of a case through the API: attach a file, list them, download one."""

import datetime as dt

from django.http import FileResponse
from ninja import Field, File, Path, Schema, Status
from ninja.files import UploadedFile

from zhili.core.errors import NotFound

from .. import selectors, services
from ..models import Attachment, Case
from .routers import router
from .schemas import ERRORS, NUMBER, CaseNumber

_FILE = File(..., description="the photo or document")


class AttachmentOut(Schema):
    id: int
    name: str = Field(..., examples=["现场照片.jpg"])
    content_type: str = Field(..., examples=["image/jpeg"])
    size: int = Field(..., description="bytes", examples=[182044])
    uploaded_at: dt.datetime
    uploaded_by: str | None = Field(None, examples=["王网格"])
    url: str = Field(..., description="GET it with the same authentication", examples=["/api/v1/cases/KW2026-000123/attachments/7"])


def _attachment_out(case: Case, att) -> dict:
    by = att.uploaded_by
    return {"id": att.pk, "name": att.name, "content_type": att.content_type, "size": att.size,
            "uploaded_at": att.uploaded_at, "uploaded_by": (by.display_name or by.username) if by else None,
            "url": f"/api/v1/cases/{case.number}/attachments/{att.pk}"}


_ATTACH_DOC = """Attach a photo or a document to a case of your scope (multipart/form-data, field `file`):
JPG, PNG, PDF, Word (.docx) or Excel (.xlsx), at most 10 MB; the extension, the declared type and the
first bytes must agree. A refused file is a 400 naming the field `file` (and is audited too). Leaders
read cases but do not attach."""


@router.post("/{number}/attachments", response={201: AttachmentOut, **ERRORS}, summary="Attach a file (附件)",
             description=_ATTACH_DOC, operation_id="cases_attach")
def attach(request, number: CaseNumber = NUMBER, file: UploadedFile = _FILE):
    case = selectors.case_for(request.auth, number)
    return Status(201, _attachment_out(case, services.attach_file(request.auth, case, file)))


@router.get("/{number}/attachments", response={200: list[AttachmentOut], **ERRORS}, summary="The attachments of a case",
            operation_id="cases_attachments")
def attachments(request, number: CaseNumber = NUMBER):
    case = selectors.case_for(request.auth, number)
    return [_attachment_out(case, a) for a in Attachment.objects.filter(case=case).select_related("uploaded_by").order_by("id")]


@router.get("/{number}/attachments/{attachment_id}", response={200: None, **ERRORS}, summary="Download an attachment",
            description="The file itself, with its content type; photos inline, documents as a download.",
            operation_id="cases_attachment_file")
def attachment_file(request, number: CaseNumber = NUMBER, attachment_id: int = Path(..., ge=1, le=2**62)):
    case = selectors.case_for(request.auth, number)
    att = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if att is None:
        raise NotFound("attachment")
    inline = att.content_type in ("image/jpeg", "image/png")
    return FileResponse(att.file.open("rb"), as_attachment=not inline, filename=att.name, content_type=att.content_type)
