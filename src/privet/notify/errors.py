"""Errors of the notify domain."""

from __future__ import annotations

from privet.kit.errors import PrivetError


class NotificationError(PrivetError):
    """Base of the notify domain's errors."""


class InvalidMessageError(NotificationError):
    """A message that must not be sent as given: a bad address, a line break in a header,
    a missing part."""

    http_status = 422


class MailServerError(NotificationError):
    """The mail server cannot be reached, or refused the connection or the login."""

    http_status = 502
