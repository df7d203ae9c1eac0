"""Personal data: encrypted at rest, found by blind index, masked when listed."""

import pytest
from django.db import connection

from zhili.core import crypto, services, validation
from zhili.core.errors import Invalid
from zhili.core.models import Resident

pytestmark = pytest.mark.django_db


def test_phone_and_id_are_ciphertext_in_the_database(users):
    r = services.find_or_create_resident(users["window_clerk"], name="张秀英", phone="138-0536-1234",
                                         id_number="11010519491231002X")
    with connection.cursor() as c:
        c.execute("SELECT phone, id_number FROM core_resident WHERE id = %s", [r.id])
        phone_raw, id_raw = c.fetchone()
    assert "13805361234" not in phone_raw and "1101051949" not in id_raw
    fresh = Resident.objects.get(pk=r.pk)
    assert fresh.phone == "13805361234" and fresh.id_number == "11010519491231002X"
    assert fresh.phone_masked == "138****1234"
    assert fresh.id_number_masked == "1101**********002X"
    assert crypto.mask_name("张秀英") == "张*英"


def test_same_phone_finds_the_same_resident(users):
    a = services.find_or_create_resident(users["window_clerk"], name="张秀英", phone="13805361234")
    b = services.find_or_create_resident(users["window_clerk"], name="张秀英", phone="138 0536 1234")
    assert a.pk == b.pk
    from zhili.core import selectors

    assert list(selectors.residents_by_phone(users["window_clerk"], "13805361234")) == [a]


def test_bad_phone_and_id_are_rejected_with_field(users):
    with pytest.raises(Invalid) as e:
        services.find_or_create_resident(users["window_clerk"], name="李", phone="12ab")
    assert e.value.errors[0]["field"] == "phone"
    with pytest.raises(Invalid) as e:
        services.find_or_create_resident(users["window_clerk"], name="李", phone="13805361234", id_number="110105194912310021")
    assert e.value.errors[0]["field"] == "id_number"
    assert Resident.objects.count() == 0


def test_id_checksum():
    assert validation.valid_id_number("11010519491231002X")
    assert not validation.valid_id_number("110105194912310021")


def test_tampered_ciphertext_fails_loudly():
    token = crypto.encrypt("13805361234")
    kid, _, data = token.partition(":")
    import base64

    raw = bytearray(base64.b64decode(data))
    raw[-1] ^= 1
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        crypto.decrypt(f"{kid}:{base64.b64encode(bytes(raw)).decode()}")


def test_resolving_finds_the_oldest_resident_and_creates_each_new_number_once(users):
    """Registration's find-or-create (one statement on PostgreSQL): a number known twice (an old
    import) gives the oldest resident; a new number given twice in one request is one new resident."""
    idx = crypto.blind_index("13805361234", "phone")
    older = Resident.objects.create(name="张秀英", phone="13805361234", phone_index=idx)
    Resident.objects.create(name="张秀英（重复）", phone="13805361234", phone_index=idx)
    got, created = services.resolve_residents(users["window_clerk"], [
        {"name": "张", "phone": "138 0536 1234"}, {"name": "赵六", "phone": "15005360000"},
        {"name": "赵六", "phone": "150-0536-0000", "id_number": "11010519491231002X"}])
    assert got[0].pk == older.pk and got[0].name == "张秀英"
    assert got[1].pk == got[2].pk and [r.pk for r in created] == [got[1].pk]
    new = Resident.objects.get(pk=got[1].pk)
    assert (new.name, new.phone, new.phone_index) == ("赵六", "15005360000", crypto.blind_index("15005360000", "phone"))
    assert got[1].phone == "15005360000"  # the instance answers in clear, like one read by the ORM
    assert Resident.objects.count() == 3
    again, created = services.resolve_residents(users["window_clerk"], [{"name": "赵六", "phone": "15005360000"}])
    assert again[0].pk == new.pk and created == []
