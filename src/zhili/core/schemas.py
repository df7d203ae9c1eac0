"""The API's error shape, and the error answers every operation declares in the OpenAPI schema.

No ``from __future__ import annotations``: ninja and pydantic read the annotations at runtime."""

from ninja import Field, Schema


class ErrorItem(Schema):
    field: str = Field(..., examples=["lead_unit"])
    message: str = Field(..., examples=["责任单位：必填"])
    message_en: str = Field(..., examples=["lead_unit: is required"])


class ErrorsOut(Schema):
    errors: list[ErrorItem]


#: what any operation may answer besides its success: bad input (400; 422 from the schema), no
#: or a bad credential (401), not allowed (403), not found or outside the scope (404), a body
#: over DATA_UPLOAD_MAX_MEMORY_SIZE (413)
ERRORS: dict[int, type] = {400: ErrorsOut, 401: ErrorsOut, 403: ErrorsOut, 404: ErrorsOut, 413: ErrorsOut,
                           422: ErrorsOut}


def declare_errors(router) -> None:
    """Add the error answers to every operation of a router (and of its sub-routers) that does not
    declare them itself, so that the schema lists every status the API can answer."""
    for path_view in router.path_operations.values():
        for op in path_view.operations:
            if len(op.response_models) == 1 and 200 not in op.response_models:
                continue  # a single non-200 answer is the default status: adding codes would change it
            for code, model in ERRORS.items():
                if code not in op.response_models:
                    op.response_models[code] = op._create_response_model(model)
    for _prefix, child, *_rest in router._routers:
        declare_errors(child)
