"""Public pages for residents: file a request, look up progress, confirm a result (zhili.cases.public_views)."""

urlpatterns: list = []
