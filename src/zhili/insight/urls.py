"""Statistics, warnings, analysis and the big screen (zhili.insight.views)."""

urlpatterns: list = []
