"""Errors the model raises: each carries a message fit to show a user as it is."""

from __future__ import annotations


class ModelError(ValueError):
    """A value the model refuses (wrong shape, not finite, out of range).

    ``str(error)`` is the whole message, ``"w: 'abc' is not a number: …"``; when the
    refused value has a name (``subject``, here ``"w"``), :attr:`reason` is the
    message without it, for a screen that names the field itself.
    """

    def __init__(self, message: str, *, subject: str | None = None) -> None:
        super().__init__(f"{subject}: {message}" if subject else message)
        self.subject = subject
        self.reason = message


class NonFiniteError(ModelError):
    """A computation whose result would be NaN or infinite."""


class FileError(ModelError):
    """A file that cannot be read or written, or whose content is refused.

    The message names the file and, for content, the line or field at fault.
    """
