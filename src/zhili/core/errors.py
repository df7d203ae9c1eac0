"""Domain errors that every adapter (page, API, admin, command) turns into a clear 4xx."""

from __future__ import annotations


class ZhiliError(Exception):
    status = 400


class Invalid(ZhiliError):
    """Bad input: names the field and says what is wrong in Chinese and English."""

    status = 400

    def __init__(self, field: str, message: str, message_en: str, *, errors: list[dict] | None = None):
        self.errors = errors or [{"field": field, "message": message, "message_en": message_en}]
        super().__init__("; ".join(f"{e['field']}: {e['message']} / {e['message_en']}" for e in self.errors))

    @classmethod
    def many(cls, errors: list[dict]) -> Invalid:
        first = errors[0]
        return cls(first["field"], first["message"], first["message_en"], errors=errors)


class NotFound(ZhiliError):
    """Missing, or outside the actor's data scope — the two look the same on purpose."""

    status = 404

    def __init__(self, what: str = "object"):
        self.errors = [{"field": what, "message": "不存在或无权访问", "message_en": "not found"}]
        super().__init__(f"{what} not found")


class Forbidden(ZhiliError):
    status = 403

    def __init__(self, message: str = "无权执行此操作", message_en: str = "you may not do this"):
        self.errors = [{"field": "", "message": message, "message_en": message_en}]
        super().__init__(message_en)


class Conflict(ZhiliError):
    """The request clashes with what is stored (e.g. a client id reused for another kind of item)."""

    status = 409

    def __init__(self, message: str, message_en: str, field: str = "client_id"):
        self.errors = [{"field": field, "message": message, "message_en": message_en}]
        super().__init__(message_en)
