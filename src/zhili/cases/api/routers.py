"""The two routers of the case API: ``router`` (/api/v1/cases) and ``notifications_router``
(/api/v1/notifications); the endpoint modules add their operations to them, ``zhili.api`` mounts them."""

from ninja import Router

router = Router(tags=["cases"])
notifications_router = Router(tags=["notifications"])
