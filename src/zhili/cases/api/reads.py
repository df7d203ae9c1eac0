"""Reading cases through the API: the list (filters, keyset pages), likely duplicates, the to-do
counts, one case and its timeline.

The order of the operations matters: ``/duplicates`` and ``/todo`` are added before ``/{number}``,
which would take them otherwise."""

import base64
import binascii
import datetime as dt

from django.db.models import Q
from django.utils import timezone
from ninja import Query

from zhili.core import crypto
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid
from zhili.core.models import CodeItem, Region

from .. import selectors, services
from ..models import Case, CaseEvent
from ..workflow import CLOCK_STATES
from .render import RELATED, detail, event_out, sees_full_phone, summary, withheld
from .routers import router
from .schemas import (
    ERRORS,
    NUMBER,
    BucketOut,
    CaseDetail,
    CaseFilters,
    CaseNumber,
    CasePage,
    DuplicateOut,
    DuplicateQuery,
    EventOut,
)

# ---------------------------------------------------------------- helpers for the list

def _encode_cursor(case: Case) -> str:
    raw = f"{case.created_at.astimezone(dt.UTC).isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor() -> Invalid:
    return Invalid("cursor", "分页游标无效，请从第一页重新开始", "the cursor is not valid: start again from the first page")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, _, id_text = raw.partition("|")
        at = dt.datetime.fromisoformat(at_text)
        pk = int(id_text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    if at.tzinfo is None or not 1970 <= at.year <= 2200 or not 0 < pk <= 2**63 - 1:
        raise _bad_cursor()
    return at, pk


def _day_start(d: dt.date, field: str) -> dt.datetime:
    if not 1970 <= d.year <= 2200:
        raise Invalid(field, "日期超出范围（1970–2200）", "the date must lie between 1970 and 2200")
    return dt.datetime.combine(d, dt.time.min, tzinfo=SHANGHAI)


def _category_path(code: str) -> str:
    cat = CodeItem.objects.filter(type="case_category", code=code).select_related("parent").first()
    if cat is None:
        raise Invalid("category", f"类别“{code}”不存在", f"unknown category {code!r}")
    chain, node, seen = [], cat, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node.code)
        node = node.parent
    return "/".join(reversed(chain))


def _region_prefix(actor, region: str) -> str:
    r = Region.objects.filter(code=region).first()
    if r is not None:
        prefix = r.prefix
    elif region.isascii() and region.isdigit():
        prefix = region
    else:
        raise Invalid("region", f"区划“{region}”不存在", f"unknown region {region!r}")
    if not actor.is_superuser and not prefix.startswith(actor.scope_prefix):
        raise Invalid("region", "该区划不在您的管辖范围内", "the region lies outside your data scope")
    return prefix


def _phone_index(phone: str) -> str:
    norm = crypto.normalise(phone)
    if not (norm.isascii() and norm.isdigit() and 7 <= len(norm) <= 15):
        raise Invalid("phone", "电话号码格式不正确", "the phone number is not valid")
    return crypto.blind_index(norm, "phone")


# ---------------------------------------------------------------- endpoints: collection


_LIST_DOC = """Cases of your data scope, newest first, in keyset pages.

Filters combine with AND. `category` includes its sub-categories; `region` is a region code (or a
code prefix) inside your scope; `phone` finds the cases of a resident (reporter or party) by the
blind index of the number, `name` by the resident's name (whole, or its first two characters or
more) — only intake staff find confidential cases these ways;
`bucket` is one of your to-do buckets (GET /cases/todo); `created_from`/`created_to` are dates in
Asia/Shanghai, both inclusive.

Pages: pass `next_cursor` back as `cursor` until it is null. The reporter appears masked
(`张*英`, `138****1234`) and not at all on a confidential case unless you are intake staff."""


@router.get("", response={200: CasePage, **ERRORS}, summary="List cases (filters, keyset pages)", description=_LIST_DOC,
            operation_id="cases_list")
def list_cases(request, query: Query[CaseFilters]):
    # (named `query`: the error handler drops that word from a field's location, so errors name `state.0`, not `f.state.0`)
    f, actor = query, request.auth
    now = timezone.now()
    if f.bucket:
        buckets = selectors.todo_buckets(actor)
        if f.bucket not in buckets:
            raise Invalid("bucket", "此待办分类不适用于您的角色", f"the bucket {f.bucket!r} does not apply to your role")
        qs = buckets[f.bucket]
    else:
        qs = selectors.cases_for(actor)
    if f.number:
        qs = qs.filter(number=f.number.strip())
    if f.phone:
        idx = _phone_index(f.phone)
        qs = selectors.with_phone(qs, idx)
        if not sees_full_phone(actor):  # nobody else may find out who reported a confidential case
            qs = qs.filter(confidential=False)
    if f.name and f.name.strip():
        qs = selectors.with_name(qs, f.name)
        if not sees_full_phone(actor):  # as for the phone: who reported a confidential case stays hidden
            qs = qs.filter(confidential=False)
    if f.category:
        path = _category_path(f.category.strip())
        qs = qs.filter(Q(category_path=path) | Q(category_path__startswith=path + "/"))
    if f.state:
        qs = qs.filter(state__in=f.state)
    if f.lead_unit:
        qs = qs.filter(lead_unit_id=f.lead_unit)
    if f.region:
        qs = qs.filter(region_code__startswith=_region_prefix(actor, f.region.strip()))
    if f.created_from:
        qs = qs.filter(created_at__gte=_day_start(f.created_from, "created_from"))
    if f.created_to:
        if f.created_from and f.created_to < f.created_from:
            raise Invalid("created_to", "结束日期早于开始日期", "created_to is before created_from")
        qs = qs.filter(created_at__lt=_day_start(f.created_to, "created_to") + dt.timedelta(days=1))
    if f.grid:
        qs = qs.filter(grid__code=f.grid.strip())
    for name in ("channel", "case_type", "tier"):
        if getattr(f, name):
            qs = qs.filter(**{name: getattr(f, name)})
    if f.overdue is not None:
        late = Q(state__in=CLOCK_STATES, due_at__lt=now)
        qs = qs.filter(late) if f.overdue else qs.exclude(late)
    if f.q and f.q.strip():
        qs = qs.filter(title__icontains=f.q.strip())
    if f.cursor:
        at, pk = _decode_cursor(f.cursor)
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs.select_related(*RELATED).order_by("-created_at", "-id")[: f.limit + 1])
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    return {"items": [summary(c, actor, now) for c in rows], "next_cursor": _encode_cursor(rows[-1]) if more and rows else None}


_DUP_DOC = """Likely duplicates for the intake form: the same category near the same point (≈500 m) in the
last `days` days, the same reporter (phone), similar text (jieba tokens, Jaccard ≥ 0.35).
Only cases of your scope. On a confidential case the same-reporter hint is given to intake staff only."""


@router.get("/duplicates", response={200: list[DuplicateOut], **ERRORS}, summary="Likely duplicates (查重)",
            description=_DUP_DOC, operation_id="cases_duplicates")
def duplicates(request, query: Query[DuplicateQuery]):
    f, actor = query, request.auth
    if (f.lon is None) != (f.lat is None):
        raise Invalid("lon", "经度和纬度需同时填写", "give both lon and lat")
    phone = f.phone.strip()
    if phone:
        _phone_index(phone)  # validates
    found = services.find_duplicates(actor, category=f.category.strip(), lon=f.lon, lat=f.lat, phone=phone, text=f.text,
                                     days=f.days, limit=f.limit)
    now = timezone.now()
    out = []
    for item in found:
        case, reasons, score = item["case"], list(item["reasons"]), item["score"]
        if withheld(actor, case) and "同一反映人" in reasons:  # the phone must not point to the reporter
            reasons.remove("同一反映人")
            score -= 1.0
            if not reasons:
                continue
        out.append({"case": summary(case, actor, now), "reasons": reasons, "score": round(score, 3)})
    return out


@router.get("/todo", response={200: list[BucketOut], **ERRORS}, summary="Your to-do counts by bucket (待办)",
            description="The buckets of your role (待受理, 待分派, 待签收, 待处理, 待配合, 待核查, 待回访, 即将超期, 已超期 …) "
                        "and how many cases each holds. List one with `GET /cases?bucket=`.",
            operation_id="cases_todo")
def todo(request):
    return [{"bucket": name, "label": selectors.BUCKET_LABELS.get(name, name), "count": n}
            for name, n in selectors.todo_counts(request.auth).items()]


# ---------------------------------------------------------------- endpoints: one case

_GET_DOC = """One case of your scope (404 otherwise) with its parties, units, deadlines, counts and the
actions **you** may take now (name, label, fields with kind, label, required and choices) — draw
the buttons and forms from `actions` and post them to `POST /cases/{number}/actions/{name}`.

Parties: names, and the full phone only for intake staff (window clerk, centre admin, street and
community staff); others get `138****1234`. On a confidential case (举报人保密) the reporter and every
reporter-role party are withheld (`withheld: true`, no name, no phone) from every role but intake staff."""


@router.get("/{number}", response={200: CaseDetail, **ERRORS}, summary="One case", description=_GET_DOC,
            operation_id="cases_get")
def get_case(request, number: CaseNumber = NUMBER):
    actor = request.auth
    return detail(selectors.case_for(actor, number), actor)


@router.get("/{number}/timeline", response={200: list[EventOut], **ERRORS}, summary="The timeline of a case",
            description="Every step, oldest first: who (name and unit), what, from which state to which, the comment and "
                        "the data recorded with it.", operation_id="cases_timeline")
def timeline(request, number: CaseNumber = NUMBER):
    case = selectors.case_for(request.auth, number)
    return [event_out(ev) for ev in CaseEvent.objects.filter(case=case).order_by("at", "id")]
