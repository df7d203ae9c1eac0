"""A grid worker's report from the phone (网格员上报): a case of channel grid, or settled on the spot;
exactly once per client id; a position outside the grid; photos checked before anything is written."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zhili.cases.models import Attachment, Case, CaseEvent
from zhili.core.models import AuditEvent, ClientOp

# a real 1×1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
INSIDE = {"lon": "119.105", "lat": "36.705"}  # grid 111 (the worker's)
OTHER_GRID = {"lon": "119.115", "lat": "36.705"}  # grid 112, same community


def png(name="现场.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def post(client, **fields):
    files = {k: fields.pop(k) for k in ("photos", "after_photos") if k in fields}
    data = {"client_id": str(uuid.uuid4()), "category": "T.neighbour", "description": "楼道堆放杂物，堵塞消防通道",
            **INSIDE, **fields}
    for k, v in files.items():
        data[k] = v
    return client.post("/api/v1/cases/field-reports", data)


@pytest.fixture
def worker(staff):
    staff["grid"].phone = "13905360111"
    staff["grid"].save()
    c = Client()
    c.force_login(staff["grid"])
    return c


def counts():
    return Case.objects.count(), Attachment.objects.count(), ClientOp.objects.count(), CaseEvent.objects.count()


def test_a_report_becomes_a_grid_case_in_the_clerks_to_do_list(worker, staff, categories):
    r = post(worker, photos=[png(), png("2.png")], party_name="李大爷", party_phone="13805360001")
    assert r.status_code == 201, r.content
    body = r.json()
    case = Case.objects.get(number=body["number"])
    assert (case.channel, case.state, case.grid.code, body["settled"], body["outside_grid"]) == \
        ("grid", "registered", "370705001001001", False, False)
    assert case.registered_by == staff["grid"] and case.reporter.name == "李大爷"
    assert Attachment.objects.filter(case=case).count() == 2
    assert AuditEvent.objects.filter(action="case.field_report", object_id=str(case.pk)).exists()
    # the service hall sees it to accept
    clerk = Client()
    clerk.force_login(staff["clerk"])
    todo = clerk.get("/api/v1/cases", {"bucket": "to_accept"}).json()
    assert body["number"] in [c["number"] for c in todo["items"]]
    # and the worker sees it among his reports
    mine = worker.get("/api/v1/cases/field-reports").json()
    assert [m["number"] for m in mine] == [body["number"]]


def test_settled_on_the_spot_counts_as_settled_in_the_grid(worker, categories):
    r = post(worker, photos=[png()], settle="true", result="已劝导住户清理杂物", after_photos=[png("后.png")])
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()["number"])
    assert case.state == "callback" and case.resolved_in_grid and case.result == "已劝导住户清理杂物"
    names = sorted(Attachment.objects.filter(case=case).values_list("name", flat=True))
    assert names[0].startswith("处理后") and names[1].startswith("现场")
    # the worker himself is the reporter when no resident is named
    assert case.reporter.name == "测试grid_worker"


def test_sending_the_same_report_again_writes_nothing_and_gives_the_same_number(worker, categories):
    cid = str(uuid.uuid4())
    first = post(worker, client_id=cid, photos=[png()])
    before = counts()
    again = post(worker, client_id=cid, photos=[png(), png()])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert counts() == before


def test_a_position_outside_the_grid_asks_for_confirmation(worker, categories):
    before = counts()
    r = post(worker, photos=[png()], **OTHER_GRID)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "position" and "网格" in r.json()["errors"][0]["message"]
    assert counts() == before
    r = post(worker, photos=[png()], outside_ok="true", **OTHER_GRID)
    assert r.status_code == 201 and r.json()["outside_grid"] is True
    case = Case.objects.get(number=r.json()["number"])
    assert case.grid.code == "370705001001001" and float(case.lon) == 119.115  # his grid; where he stood kept


@pytest.mark.parametrize("photo,field", [
    (SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", content_type="application/pdf"), "photos.0"),
    (SimpleUploadedFile("a.png", b"GIF89a not a png", content_type="image/png"), "photos.0"),
    (SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024 + 1), content_type="image/jpeg"), "photos.0"),
])
def test_oversize_or_non_image_photos_are_refused_and_nothing_is_written(worker, categories, photo, field):
    before = counts()
    r = post(worker, photos=[photo])
    assert r.status_code == 400
    err = next(e for e in r.json()["errors"] if e["field"] == field)
    assert err["message"] and err["message_en"]
    assert counts() == before


def test_bad_input_names_the_field(worker, categories):
    before = counts()
    cases = [
        ({"client_id": "x"}, "client_id"),
        ({"photos": None}, "photos"),
        ({"category": "NOPE"}, "category"),
        ({"settle": "true", "result": ""}, "result"),
        ({"lon": "", "lat": ""}, "position"),
        ({"description": "a\x00b"}, "description"),
    ]
    for fields, field in cases:
        fields = {"photos": [png()], **fields}
        if fields["photos"] is None:
            fields.pop("photos")
        if fields.get("lon") == "":
            fields.pop("lon"), fields.pop("lat")
            r = worker.post("/api/v1/cases/field-reports", {"client_id": str(uuid.uuid4()), "category": "T.neighbour",
                                                             "description": "x", "photos": [png()]})
        else:
            r = post(worker, **fields)
        assert 400 <= r.status_code < 500, (fields, r.status_code)
        assert field in {e["field"] for e in r.json()["errors"]} or any(field in e["field"] for e in r.json()["errors"]), \
            (field, r.json())
    assert counts() == before


def test_only_the_grid_reports_and_a_client_id_is_per_account(staff, users, categories):
    clerk = Client()
    clerk.force_login(staff["clerk"])
    assert post(clerk, photos=[png()]).status_code == 403
    # another worker's id is his own: the same id from two accounts is two reports
    cid = str(uuid.uuid4())
    a, b = Client(), Client()
    staff["grid"].phone = "13905360111"
    staff["grid"].save()
    a.force_login(staff["grid"])
    users["grid_worker"].phone = "13905360222"
    users["grid_worker"].save()
    b.force_login(users["grid_worker"])
    ra, rb = post(a, client_id=cid, photos=[png()]), post(b, client_id=cid, photos=[png()])
    assert (ra.status_code, rb.status_code) == (201, 201) and ra.json()["number"] != rb.json()["number"]
    # a worker's list holds his own reports only
    assert [m["number"] for m in a.get("/api/v1/cases/field-reports").json()] == [ra.json()["number"]]
