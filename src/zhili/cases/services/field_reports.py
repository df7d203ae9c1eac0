"""A grid worker's report from the phone (网格员上报, the app at ``/m/``): a matter seen in the grid,
with photos and the phone's position, that becomes a case of channel ``grid`` in the one lifecycle —
or is **settled on the spot** (就地化解) with a photo after, and counts as settled in the grid.

The phone queues reports offline and sends each with its own id (:mod:`zhili.core.sync`): a report
sent twice is one case. Everything is checked before anything is written — the text, the position,
every photo — so a refused report leaves no case, no attachment and no id behind, and the phone can
send it again once the worker has corrected it.
"""

from __future__ import annotations

from django.db import transaction

from zhili.core import audit, geo, sync
from zhili.core.errors import Forbidden, Invalid
from zhili.core.inputs import text_errors

from ..models import Attachment, Case
from .actions import act
from .attachments import check_upload
from .registration import register_case

#: who reports from the grid: the full-time worker and the grid leader (the roles that register)
REPORTER_ROLES = frozenset({"grid_worker", "grid_leader"})
#: photos per report (before) and after settling
MAX_PHOTOS = 6
MAX_AFTER = 3
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png")
KIND = "grid.report"


def _photo_errors(field: str, photos: list, limit: int) -> list[dict]:
    errors = []
    if len(photos) > limit:
        errors.append({"field": field, "message": f"最多 {limit} 张照片", "message_en": f"at most {limit} photos"})
    for i, photo in enumerate(photos):
        name = getattr(photo, "name", "") or ""
        if name.rsplit(".", 1)[-1].lower() not in PHOTO_EXTENSIONS:
            errors.append({"field": f"{field}.{i}", "message": "只能上传 JPG 或 PNG 照片",
                           "message_en": "only JPG or PNG photos"})
            continue
        problem = check_upload(photo)
        if problem:
            errors.append({"field": f"{field}.{i}", "message": problem[0], "message_en": problem[1]})
    return errors


def in_my_grid(actor, lon: float, lat: float) -> tuple[bool, str | None]:
    """(inside, the grid code the point lies in): inside means one of the actor's own grids."""
    code = geo.locate_grid(lon, lat)
    return bool(code and code.startswith(actor.scope_prefix)), code


def file_report(actor, *, client_id: str, category: str, description: str, case_type: str = "hazard", lon: float | None, lat: float | None,
                title: str = "", address: str = "", accuracy: float | None = None, outside_ok: bool = False,
                party_name: str = "", party_phone: str = "", photos: list | None = None, settle: bool = False,
                result: str = "", after_photos: list | None = None) -> tuple[dict, bool]:
    """Register the report as a case (or settle it on the spot); (answer, created). The answer:
    ``{"client_id", "number", "state", "settled", "outside_grid"}`` — the same for a report sent again."""
    if actor is None or not (actor.is_superuser or actor.role in REPORTER_ROLES):
        raise Forbidden("只有网格员和网格长可以上报", "only grid workers and grid leaders report from the grid")
    client_id = sync.check_client_id(client_id)
    done = sync.seen(actor, client_id, KIND)
    if done is not None:  # sent before: the first answer, and no photo checked or kept again
        return done, False
    photos, after_photos = list(photos or []), list(after_photos or [])
    errors = text_errors({"result": (result, 2000)})
    errors += text_errors({"party_name": (party_name, 60), "party_phone": (party_phone, 20)}, multiline=False)
    if lon is None or lat is None:
        errors.append({"field": "position", "message": "没有定位：请打开手机定位后再上报",
                       "message_en": "no position: turn on the phone's location and report again"})
    elif not (73 <= lon <= 136 and 3 <= lat <= 54):
        errors.append({"field": "position", "message": "坐标不在中国范围内", "message_en": "the point is outside China (WGS-84 lon, lat)"})
    if accuracy is not None and not (0 <= accuracy <= 100_000):
        errors.append({"field": "accuracy", "message": "定位精度无效", "message_en": "accuracy must be 0–100000 metres"})
    if not photos:
        errors.append({"field": "photos", "message": "请至少拍一张现场照片", "message_en": "take at least one photo"})
    errors += _photo_errors("photos", photos, MAX_PHOTOS)
    if settle:
        if not (result or "").strip():
            errors.append({"field": "result", "message": "就地化解请写明处理结果", "message_en": "say what was done to settle it"})
        if not after_photos:
            errors.append({"field": "after_photos", "message": "就地化解请拍一张处理后的照片",
                           "message_en": "take a photo after settling it"})
    errors += _photo_errors("after_photos", after_photos if settle else [], MAX_AFTER)
    if party_phone and not party_name:
        errors.append({"field": "party_name", "message": "请填写反映人姓名", "message_en": "give the name with the phone"})
    if not party_name and not actor.phone:
        errors.append({"field": "party_phone", "message": "您的账号没有登记手机号：请填写反映人的姓名和电话",
                       "message_en": "your account has no mobile number: give the name and phone of the person reporting"})
    if errors:
        raise Invalid.many(errors)
    inside, located = in_my_grid(actor, lon, lat)
    if not inside and not outside_ok:
        raise Invalid("position", "当前位置不在您的网格内：请确认后再提交", "the position lies outside your grid: confirm to submit it")
    # the case belongs to the worker's grid (his scope); where he stood is kept as the point
    grid = located if inside else (actor.region.code if actor.region.level == "grid" else "")
    party = ({"name": party_name, "phone": party_phone, "role": "reporter"} if party_name else
             {"name": actor.display_name or actor.username, "phone": actor.phone, "role": "reporter"})

    def write() -> dict:
        case = register_case(actor, channel="grid", case_type=case_type, category=category, description=description,
                             title=title, address=address, lon=lon, lat=lat, grid=grid, parties=[party])
        for photo in photos:
            _keep(actor, case, photo, "before")
        state = case.state
        if settle:
            state = act(actor, case, "resolve_on_spot", {"result": result}).case.state
            for photo in after_photos:
                _keep(actor, case, photo, "after")
        audit.record(actor, "case.field_report", case,
                     details={"number": case.number, "client_id": client_id, "settled": settle, "outside_grid": not inside,
                              "located_grid": located or "", "accuracy": accuracy})
        return {"client_id": client_id, "number": case.number, "state": state, "settled": settle, "outside_grid": not inside}

    with transaction.atomic():
        return sync.once(actor, client_id, KIND, write)


def _keep(actor, case: Case, upload, when: str) -> Attachment:
    name = f"{'现场' if when == 'before' else '处理后'}-{upload.name[-180:]}"
    att = Attachment(case=case, name=name, content_type=upload.content_type.split(";")[0].strip().lower(),
                     size=upload.size, uploaded_by=actor)
    att.file.save(name, upload, save=False)
    att.save()
    return att


def my_reports(actor, limit: int = 30):
    """The worker's latest reports from the grid, newest first."""
    return (Case.objects.filter(registered_by=actor, channel="grid").select_related("category")
            .order_by("-created_at")[:limit])
