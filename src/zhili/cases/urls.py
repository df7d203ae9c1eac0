"""Office pages of the case lifecycle (filled by zhili.cases.views)."""

urlpatterns: list = []
