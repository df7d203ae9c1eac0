"""Attachments: which files a case may keep (``check_upload``) and keeping one (``attach_file``),
audited whether kept or refused."""

from __future__ import annotations

from django.db import transaction

from zhili.core import audit
from zhili.core.errors import Forbidden, Invalid

from ..models import Attachment, Case

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
#: extension → the content types a client may declare for it, and how the file starts
UPLOAD_TYPES = {
    "jpg": ({"image/jpeg", "image/pjpeg"}, (b"\xff\xd8\xff",)),
    "jpeg": ({"image/jpeg", "image/pjpeg"}, (b"\xff\xd8\xff",)),
    "png": ({"image/png"}, (b"\x89PNG\r\n\x1a\n",)),
    "pdf": ({"application/pdf"}, (b"%PDF-",)),
    "docx": ({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, (b"PK\x03\x04",)),
    "xlsx": ({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, (b"PK\x03\x04",)),
}
#: roles that see a case but do not work on it
ATTACH_REFUSED_ROLES = frozenset({"leader"})


def check_upload(upload) -> tuple[str, str] | None:
    """None if the file may be kept, else why not (Chinese, English): jpg/png/pdf/docx/xlsx by
    extension, declared type and content, at most 10 MB."""
    if upload is None:
        return "请选择文件", "choose a file"
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in UPLOAD_TYPES:
        return "只能上传 JPG、PNG、PDF、Word（.docx）和 Excel（.xlsx）文件", "only JPG, PNG, PDF, Word (.docx) and Excel (.xlsx) files can be attached"
    if upload.size > UPLOAD_MAX_BYTES:
        return "文件超过 10 MB", "the file is larger than 10 MB"
    if upload.size == 0:
        return "文件是空的", "the file is empty"
    types, magic = UPLOAD_TYPES[ext]
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared not in types:
        return f"文件类型与扩展名（.{ext}）不符", f"the file's type does not match its name (.{ext})"
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magic):
        return f"文件内容与扩展名（.{ext}）不符", f"the file's content does not match its name (.{ext})"
    return None


def attach_file(actor, case: Case, upload) -> Attachment:
    """Keep a photo or document on a case (the page's upload and ``POST /api/v1/cases/{number}/attachments``).
    The case comes from the actor's scope (``selectors.case_for``); a refused file is audited too."""
    if actor is None or not (actor.is_superuser or actor.role not in ATTACH_REFUSED_ROLES):
        raise Forbidden("您的角色不能上传附件", "your role may not attach files")
    problem = check_upload(upload)
    if problem:
        audit.record(actor, "case.attach", case, result="refused",
                     details={"number": case.number, "name": (getattr(upload, "name", "") or "")[:200], "reason": problem[1]})
        raise Invalid("file", *problem)
    name = upload.name[-200:]
    with transaction.atomic():
        att = Attachment(case=case, name=name, content_type=upload.content_type.split(";")[0].strip().lower(),
                         size=upload.size, uploaded_by=actor)
        att.file.save(name, upload, save=False)
        att.save()
        audit.record(actor, "case.attach", case, details={"number": case.number, "name": name, "size": upload.size,
                                                          "attachment": att.pk})
    return att
