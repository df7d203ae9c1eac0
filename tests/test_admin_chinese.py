"""The back office speaks Chinese (#13 item 15): every model a back-office account sees is named in
Chinese on the admin index, with no English beside it, and so are the columns of insight's lists."""

from __future__ import annotations

import re

import pytest
from conftest import make_user
from django.contrib import admin
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db

LATIN = re.compile(r"[A-Za-z]")
OUR_APPS = ("core", "cases", "insight")


def test_every_model_of_ours_is_named_in_chinese():
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            if model._meta.app_label not in OUR_APPS:
                continue
            for name in (model._meta.verbose_name, model._meta.verbose_name_plural, model._meta.app_config.verbose_name):
                assert not LATIN.search(str(name)), (model._meta.label, str(name))


@pytest.mark.parametrize("app", ["insight"])
def test_the_columns_of_insights_lists_are_chinese(app):
    from django.contrib.admin.utils import label_for_field

    with translation.override("zh-hans"):
        for model, model_admin in admin.site._registry.items():
            if model._meta.app_label != app:
                continue
            for name in model_admin.list_display:
                label = str(label_for_field(name, model, model_admin))
                assert not LATIN.search(label), (model._meta.label, name, label)


def test_the_admin_index_in_chinese(district):
    root = make_user("sys_admin", district["district"], username="root")
    root.is_superuser = True
    root.save()
    c = Client()
    c.force_login(root)
    html = c.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for chinese in ("分析研判报告", "预警规则", "预警", "登录尝试"):
        assert chinese in html
    for english in ("Analysis reports", "Warning rules", "Warnings (", "Access attempts"):
        assert english not in html
