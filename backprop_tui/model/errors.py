"""Errors the model raises: each carries a message fit to show a user as it is."""

from __future__ import annotations


class ModelError(ValueError):
    """A value the model refuses (wrong shape, not finite, out of range)."""


class NonFiniteError(ModelError):
    """A computation whose result would be NaN or infinite."""


class FileError(ModelError):
    """A file that cannot be read or written, or whose content is refused.

    The message names the file and, for content, the line or field at fault.
    """
