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
