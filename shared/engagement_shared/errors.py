"""Domain errors every service's core raises; the HTTP layer maps them to status codes.

Messages name the field or entity at fault and never echo personal data.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of errors a caller can correct."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The entity does not exist (or the caller may not know that it does)."""


class Forbidden(DomainError):
    """The caller's role or scope does not allow this."""


class Invalid(DomainError):
    """The input breaks a rule; ``field`` says where."""


class Conflict(DomainError):
    """The request clashes with what is stored (e.g. an id taken by another trust)."""


class ConcurrentChange(DomainError):
    """Another request changed the same data at the same moment; the whole request may be retried."""


class TooLarge(DomainError):
    """The request is larger than the rules allow (e.g. a file over the trust's size limit)."""


class UnsupportedMedia(DomainError):
    """The content is of a kind that is not accepted (e.g. an executable posing as a photo)."""
