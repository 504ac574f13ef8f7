"""Domain errors.

Services raise these; one exception handler (``agrimarket.web.errors``) maps them to HTTP.
Every message exists in Vietnamese (shown first) and English.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can act on."""

    status_code = 400
    code = "bad_request"
    headers: dict[str, str] | None = None  # e.g. Retry-After on a 429

    def __init__(
        self, message_vi: str, message_en: str, fields: dict[str, tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        # field name -> (Vietnamese, English) message
        self.field_messages = fields or {}

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_vi

    def fields(self, lang: str) -> dict[str, str]:
        return {name: pair[1] if lang == "en" else pair[0] for name, pair in self.field_messages.items()}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"

    def __init__(self, message_vi: str = "Không tìm thấy.", message_en: str = "Not found.") -> None:
        super().__init__(message_vi, message_en)


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"

    def __init__(
        self,
        message_vi: str = "Bạn cần đăng nhập.",
        message_en: str = "Please log in.",
    ) -> None:
        super().__init__(message_vi, message_en)


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Invalid(DomainError):
    """Bad value in one field: the form or API client can point at it."""

    status_code = 422
    code = "invalid"

    def __init__(self, field: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_vi, message_en, {field: (message_vi, message_en)})
        self.field = field

    @classmethod
    def from_fields(cls, errors: dict[str, tuple[str, str]]) -> Invalid:
        """One error for a whole form: every bad field with its own message."""
        field, (vi, en) = next(iter(errors.items()))
        error = cls(field, vi, en)
        if len(errors) > 1:
            error.message_vi = "Có thông tin chưa đúng, hãy xem các ô được đánh dấu."
            error.message_en = "Some fields need fixing; see the marked fields."
        error.field_messages = dict(errors)
        return error


class RateLimited(DomainError):
    """Every rate or quota limit's answer (log-in, registration, scans, PINs, stamps a day): 429
    ``rate_limited``, with Retry-After (seconds, at least 1) when the wait is known."""

    status_code = 429
    code = "rate_limited"

    def __init__(
        self,
        message_vi: str = "Bạn thử quá nhiều lần. Hãy đợi một phút rồi thử lại.",
        message_en: str = "Too many attempts. Wait a minute and try again.",
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message_vi, message_en)
        if retry_after is not None:
            self.headers = {"Retry-After": str(max(1, retry_after))}


class TooLarge(DomainError):
    status_code = 413
    code = "too_large"


class UnsupportedMedia(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class Unavailable(DomainError):
    """Another system we depend on (a marketplace) did not answer in time: try again shortly."""

    status_code = 503
    code = "unavailable"
